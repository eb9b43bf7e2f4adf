import Foundation
import Synchronization

/// Counters and latency histograms kept in memory and shown in Prometheus's text format at `/metrics`;
/// gauges (queue depth, open streams) are read when scraped.
public final class Metrics: Sendable {
    struct Key: Hashable {
        var name: String
        var labels: [String: String]

        var rendered: String {
            guard !labels.isEmpty else { return name }
            let pairs = labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\(Metrics.escape($0.value))\"" }
            return "\(name){\(pairs.joined(separator: ","))}"
        }
    }

    struct Histogram {
        var buckets = Array(repeating: 0, count: Metrics.bounds.count)
        var sum = 0.0
        var count = 0

        mutating func record(_ seconds: Double) {
            for (index, bound) in Metrics.bounds.enumerated() where seconds <= bound { buckets[index] += 1 }
            sum += seconds
            count += 1
        }
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
            // Changed in place: a copy taken out and put back would copy the buckets on every request.
            state.histograms[Key(name: name, labels: labels), default: Histogram()].record(seconds)
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
        // Each series is rendered once and sorted by its text, so a scrape costs little however often it comes.
        let counters = Dictionary(grouping: snapshot.counters.map { (text: $0.key.rendered, key: $0.key, value: $0.value) }) {
            $0.key.name
        }
        for name in counters.keys.sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) counter")
            for series in counters[name, default: []].sorted(by: { $0.text < $1.text }) {
                lines.append("\(series.text) \(Self.number(series.value))")
            }
        }
        let histograms = Dictionary(grouping: snapshot.histograms.map { (text: $0.key.rendered, key: $0.key, value: $0.value) }) {
            $0.key.name
        }
        for name in histograms.keys.sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) histogram")
            for series in histograms[name, default: []].sorted(by: { $0.text < $1.text }) {
                let (labels, histogram) = (series.key.labels, series.value)
                for (index, bound) in Self.bounds.enumerated() {
                    let bucket = Key(name: "\(name)_bucket", labels: labels.merging(["le": Self.number(bound)]) { $1 })
                    lines.append("\(bucket.rendered) \(histogram.buckets[index])")
                }
                let infinity = Key(name: "\(name)_bucket", labels: labels.merging(["le": "+Inf"]) { $1 })
                lines.append("\(infinity.rendered) \(histogram.count)")
                lines.append("\(Key(name: "\(name)_sum", labels: labels).rendered) \(Self.number(histogram.sum))")
                lines.append("\(Key(name: "\(name)_count", labels: labels).rendered) \(histogram.count)")
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
        guard value.contains(where: { $0 == "\\" || $0 == "\"" || $0 == "\n" }) else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
