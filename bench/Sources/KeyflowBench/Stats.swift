import Foundation

/// Latencies of one measured phase, in milliseconds.
struct Latencies: Sendable {
    private(set) var sorted: [Double]

    init(_ samples: [Double]) { sorted = samples.sorted() }

    var count: Int { sorted.count }

    /// The value below which `share` (0…1) of the samples fall (nearest rank).
    func percentile(_ share: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((share * Double(sorted.count)).rounded(.up)) - 1
        return sorted[min(max(rank, 0), sorted.count - 1)]
    }

    var p50: Double? { percentile(0.50) }
    var p99: Double? { percentile(0.99) }
    var p999: Double? { percentile(0.999) }
}

/// Milliseconds between two instants of the monotonic clock.
func milliseconds(_ duration: Duration) -> Double {
    Double(duration.components.seconds) * 1000 + Double(duration.components.attoseconds) / 1e15
}

func seconds(_ duration: Duration) -> Double { milliseconds(duration) / 1000 }
