import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle

/// Runs a background service's `round` every `interval` until the service group shuts down. A round that
/// fails is logged as `failure` and the next one comes on time: the work it missed is still there.
func repeatRounds(
    every interval: Duration, logger: Logger, failure: Logger.Message, _ round: () async throws -> Void
) async {
    while !Task.isShuttingDownGracefully, !Task.isCancelled {
        do {
            try await round()
        } catch {
            logger.error(failure, metadata: ["error": "\(String(reflecting: error))"])
        }
        await pause(for: interval)
    }
}

/// Waits between rounds of a background service, but wakes at once when the service group shuts down, so
/// shutdown never waits out a long interval.
func pause(for duration: Duration) async {
    try? await cancelWhenGracefulShutdown { try await Task.sleep(for: duration) }
}

/// How long a cluster lease for a periodic service lasts: three rounds, at least 30 s, so a holder that died is
/// replaced soon but a slow round never loses the lease to a second instance.
func leaseSeconds(every interval: Duration) -> Double {
    max(30, 3 * interval.inSeconds)
}

/// A periodic service's claim to do its rounds alone in a cluster: the named lease in `leases`, held by this
/// process's `holder` (see `leaseSeconds`).
struct ClusterLease: Sendable {
    let name: String
    let holder: String

    init(_ name: String) {
        self.name = name
        holder = "\(name)-\(UUID.random().uuidString.prefix(8))"
    }

    /// Whether this process holds the lease for the rounds to come: taken when free or run out, renewed when
    /// already held.
    func isHeld(in store: Store, every interval: Duration, now: Date) async throws -> Bool {
        let seconds = leaseSeconds(every: interval)
        return try await store.write { [name, holder] in
            try await $0.acquireLease(name, holder: holder, for: seconds, now: now)
        }
    }
}

extension Duration {
    var inSeconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
