import Foundation

/// Spaces requests out to a rate (a token bucket with a burst), so a burst of work queues here instead of
/// earning 429s from Jumio.
package actor Pacer {
    private let ratePerSecond: Double
    private let burst: Double
    private var available: Double
    private var updatedAt: ContinuousClock.Instant

    package init(ratePerSecond: Double, burst: Int, now: ContinuousClock.Instant) {
        self.ratePerSecond = ratePerSecond
        self.burst = Double(max(burst, 1))
        self.available = Double(max(burst, 1))
        self.updatedAt = now
    }

    /// Takes one permit and says how long the caller must wait before using it.
    package func reserve(now: ContinuousClock.Instant) -> Duration {
        let elapsed = now - updatedAt
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        available = min(burst, available + max(seconds, 0) * ratePerSecond)
        updatedAt = now
        available -= 1
        guard available < 0 else { return .zero }
        return .milliseconds(Int64((-available / ratePerSecond * 1000).rounded(.up)))
    }
}
