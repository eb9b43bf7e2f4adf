import Foundation
import Synchronization

/// Counters and latency histograms kept in memory and shown in Prometheus's text format at `/metrics`;
/// gauges (queue depth, open streams) are read when scraped.
public final class Metrics: Sendable {
    /// One series of a metric: its labels' keys and values, alternating, in key order. A series is counted
    /// on every request, so it is found by hashing these few texts; it is rendered only when scraped.
    struct Series: Hashable {
        var name: String
        var labels: [String]

        init(name: String, labels: some Collection<(key: String, value: String)>) {
            self.name = name
            var flat: [String] = []
            flat.reserveCapacity(labels.count * 2)
            // Call sites write their labels in key order; sorting is for any that do not.
            let inOrder = zip(labels, labels.dropFirst()).allSatisfy { $0.key < $1.key }
            for (key, value) in inOrder ? Array(labels) : labels.sorted(by: { $0.key < $1.key }) {
                flat.append(key)
                flat.append(value)
            }
            self.labels = flat
        }

        /// The labels as `key="value"` with their keys, values escaped.
        var pairs: [(key: String, text: String)] {
            stride(from: 0, to: labels.count, by: 2).map { (labels[$0], "\(labels[$0])=\"\(Metrics.escape(labels[$0 + 1]))\"") }
        }

        /// `{key="value",…}`, or nothing without labels.
        var labelText: String {
            labels.isEmpty ? "" : "{\(pairs.map(\.text).joined(separator: ","))}"
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
        var counters: [Series: Double] = [:]
        var histograms: [Series: Histogram] = [:]
        var help: [String: (type: String, text: String)] = [:]
    }

    /// Seconds; fine at the low end, where Keyflow's requests are.
    static let bounds: [Double] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]
    private static let renderedBounds = bounds.map(number)

    private let state = Mutex(State())

    public init() {}

    func increment(_ name: String, _ labels: KeyValuePairs<String, String> = [:], by amount: Double = 1, help: String) {
        let series = Series(name: name, labels: labels)
        state.withLock { state in
            if state.help[name] == nil { state.help[name] = ("counter", help) }
            state.counters[series, default: 0] += amount
        }
    }

    func observe(_ name: String, _ labels: KeyValuePairs<String, String> = [:], seconds: Double, help: String) {
        let series = Series(name: name, labels: labels)
        state.withLock { state in
            if state.help[name] == nil { state.help[name] = ("histogram", help) }
            // Changed in place: a copy taken out and put back would copy the buckets on every request.
            state.histograms[series, default: Histogram()].record(seconds)
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
        let counters = Dictionary(grouping: snapshot.counters.map { (labels: $0.key.labelText, series: $0.key, value: $0.value) }) {
            $0.series.name
        }
        for name in counters.keys.sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) counter")
            for counter in counters[name, default: []].sorted(by: { $0.labels < $1.labels }) {
                lines.append("\(name)\(counter.labels) \(Self.number(counter.value))")
            }
        }
        let histograms = Dictionary(grouping: snapshot.histograms.map { (labels: $0.key.labelText, series: $0.key, value: $0.value) }) {
            $0.series.name
        }
        for name in histograms.keys.sorted() {
            lines.append("# HELP \(name) \(snapshot.help[name]?.text ?? name)")
            lines.append("# TYPE \(name) histogram")
            for entry in histograms[name, default: []].sorted(by: { $0.labels < $1.labels }) {
                let histogram = entry.value
                // Each bucket's `le` goes in its place among the series' labels, rendered once for all fifteen.
                let pairs = entry.series.pairs.filter { $0.key != "le" }
                let head = (["\(name)_bucket{"] + pairs.filter { $0.key < "le" }.map { $0.text + "," }).joined()
                let tail = pairs.filter { $0.key > "le" }.map { "," + $0.text }.joined() + "}"
                for (index, bound) in Self.renderedBounds.enumerated() {
                    lines.append("\(head)le=\"\(bound)\"\(tail) \(histogram.buckets[index])")
                }
                lines.append("\(head)le=\"+Inf\"\(tail) \(histogram.count)")
                lines.append("\(name)_sum\(entry.labels) \(Self.number(histogram.sum))")
                lines.append("\(name)_count\(entry.labels) \(histogram.count)")
            }
        }
        for gauge in gauges {
            lines.append("# HELP \(gauge.name) \(gauge.help)")
            lines.append("# TYPE \(gauge.name) gauge")
            for (labels, value) in gauge.values {
                lines.append("\(gauge.name)\(Series(name: gauge.name, labels: labels).labelText) \(Self.number(value))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func number(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int64(value)) : String(value)
    }

    static func escape(_ value: String) -> String {
        guard value.utf8.contains(where: { $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\n") })
        else { return value }
        return value.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"")
            .replacingOccurrences(of: "\n", with: "\\n")
    }
}
