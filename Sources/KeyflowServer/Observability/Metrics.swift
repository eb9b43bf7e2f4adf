import Foundation
import Synchronization

/// Counters and latency histograms kept in memory and shown in Prometheus's text format at `/metrics`;
/// gauges (queue depth, open streams) are read when scraped.
public final class Metrics: Sendable {
    struct Key: Hashable, Comparable {
        var name: String
        var labels: [String: String]

        var rendered: String {
            guard !labels.isEmpty else { return name }
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Metrics.escape($0.value))\"" }
            return "\(name){\(pairs.joined(separator: ","))}"
        }

        static func < (lhs: Key, rhs: Key) -> Bool { lhs.rendered < rhs.rendered }
    }

    struct Histogram {
        var buckets: [Int]
        var sum = 0.0
        var count = 0
    }

    struct State {
        var counters: [Key: Double] = [:]
        var histograms: [Key: Histogram] = [:]
        var help: [String: (type: String, text: String)] = [:]
    }

    /// Seconds; fine at the low end, where Keyflow's requests are.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]

    private let state = Mutex(State())

    public init() {}

    func increment(_ name: String, _ labels: [String: String] = [:], by amount: Double = 1, help: String) {
        state.withLock { state in
            state.help[name] = state.help[name] ?? ("counter", help)
            state.counters[Key(name: name, labels: labels), default: 0] += amount
        }
    }

    func observe(_ name: String, _ labels: [String: String] = [:], seconds: Double, help: String) {
        state.withLock { state in
            state.help[name] = state.help[name] ?? ("histogram", help)
            let key = Key(name: name, labels: labels)
            var histogram = state.histograms[key] ?? Histogram(buckets: Array(repeating: 0, count: Self.bounds.count))
            for (index, bound) in Self.bounds.enumerated() where seconds <= bound { histogram.buckets[index] += 1 }
            histogram.sum += seconds
            histogram.count += 1
            state.histograms[key] = histogram
        }
    }

    struct Gauge {
        var name: String
        var help: String
        var values: [([String: String], Double)]
    }

    func render(gauges: [Gauge]) -> String {
        let snapshot = state.withLock { $0 }
        var lines: [String] = []
        for name in Set(snapshot.counters.keys.map(\.name)).sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) counter")
            for (key, value) in snapshot.counters.filter({ $0.key.name == name }).sorted(by: { $0.key < $1.key }) {
                lines.append("\(key.rendered) \(Self.number(value))")
            }
        }
        for name in Set(snapshot.histograms.keys.map(\.name)).sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) histogram")
            for (key, histogram) in snapshot.histograms.filter({ $0.key.name == name }).sorted(by: { $0.key < $1.key }) {
                for (index, bound) in Self.bounds.enumerated() {
                    let bucket = Key(name: "\(name)_bucket", labels: key.labels.merging(["le": Self.number(bound)]) { $1 })
                    lines.append("\(bucket.rendered) \(histogram.buckets[index])")
                }
                let infinity = Key(name: "\(name)_bucket", labels: key.labels.merging(["le": "+Inf"]) { $1 })
                lines.append("\(infinity.rendered) \(histogram.count)")
                lines.append("\(Key(name: "\(name)_sum", labels: key.labels).rendered) \(Self.number(histogram.sum))")
                lines.append("\(Key(name: "\(name)_count", labels: key.labels).rendered) \(histogram.count)")
            }
        }
        for gauge in gauges {
            lines.append("# HELP \(gauge.name) \(gauge.help)")
            lines.append("# TYPE \(gauge.name) gauge")
            for (labels, value) in gauge.values {
                lines.append("\(Key(name: gauge.name, labels: labels).rendered) \(Self.number(value))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
