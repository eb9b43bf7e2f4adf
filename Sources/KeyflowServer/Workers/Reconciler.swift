import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle

/// Asks Jumio about attempts whose callback has not come, so a lost callback never leaves an action stuck.
/// The first check is `reconcileAfter` after the start, then Jumio's recommended retry schedule. One instance
/// of a cluster reconciles at a time, under the `reconciler` lease.
struct Reconciler: Service {
    let store: Store
    let clock: AppClock
    let logger: Logger
    let interval: Duration
    let lease = ClusterLease("reconciler")

    /// Seconds between checks, as Jumio recommends for retrieval retries; the last repeats.
    static let schedule: [Double] = [40, 60, 100, 160, 240, 340, 460, 600, 760, 940]

    func run() async throws {
        await repeatRounds(every: interval, logger: logger, failure: "reconciling failed") { try await reconcileDue() }
    }

    func reconcileDue() async throws {
        let now = clock.now()
        let seconds = leaseSeconds(every: interval)
        try await store.write { [lease] db in
            // Taken in the transaction that queues the checks, so a holder whose lease ran out meanwhile queues none.
            guard try await db.acquireLease(lease.name, holder: lease.holder, for: seconds, now: now) else { return }
            for attempt in try await db.attemptsDue(at: now, limit: 100) {
                let wait = Self.schedule[min(attempt.checkCount, Self.schedule.count - 1)]
                try await db.enqueue(
                    queue: VerificationService.queue,
                    payload: VerificationJob(attemptID: attempt.id, source: .reconciler).encoded(), runAt: now,
                    uniqueKey: "reconcile:\(attempt.id):\(attempt.checkCount)", now: now)
                try await db.scheduleCheck(of: attempt.id, at: now.addingTimeInterval(wait))
            }
        }
    }
}
