import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle

/// Deletes rows that have served their purpose, so the tables written on every verification and sign-in do
/// not grow without end: jobs finished `keepDoneJobsDays` ago, webhook deliveries settled
/// `keepWebhookDeliveriesDays` ago, expired sessions and sign-in links, and rate-limit windows older than the
/// longest limit's. One instance of a cluster does it at a time, under the
/// `housekeeping` lease, in batches of `batchSize` rows a transaction.
struct HousekeepingService: Service {
    let store: Store
    let clock: AppClock
    let logger: Logger
    let metrics: Metrics
    let interval: Duration
    let keepDoneJobsDays: Int
    let keepWebhookDeliveriesDays: Int
    /// The longest rate-limit window: an older window counts nothing any more.
    let longestRateLimitWindow: TimeInterval
    let batchSize = 1000
    let lease = ClusterLease("housekeeping")

    static let help = "Rows deleted by housekeeping, by table"

    func run() async throws {
        await repeatRounds(every: interval, logger: logger, failure: "housekeeping failed") {
            if try await lease.isHeld(in: store, every: interval, now: clock.now()) { try await sweep() }
        }
    }

    /// One round over every table.
    private func sweep() async throws {
        let now = clock.now()
        let doneJobsCutoff = now.addingTimeInterval(-Double(keepDoneJobsDays) * 86400)
        let deliveriesCutoff = now.addingTimeInterval(-Double(keepWebhookDeliveriesDays) * 86400)
        let windowsCutoff = now.addingTimeInterval(-longestRateLimitWindow)
        let limit = batchSize
        var deleted: [String: Int] = [:]
        deleted["jobs"] = try await drain { try await $0.deleteDoneJobs(finishedBefore: doneJobsCutoff, limit: limit) }
        deleted["webhook_deliveries"] = try await drain {
            try await $0.deleteWebhookDeliveries(settledBefore: deliveriesCutoff, limit: limit)
        }
        deleted["sessions"] = try await drain { try await $0.deleteExpiredSessions(before: now, limit: limit) }
        deleted["magic_links"] = try await drain { try await $0.deleteExpiredMagicLinks(before: now, limit: limit) }
        deleted["rate_limits"] = try await drain {
            try await $0.deleteRateLimitWindows(startedBefore: windowsCutoff, limit: limit)
        }
        for (table, count) in deleted where count > 0 {
            metrics.increment("keyflow_housekeeping_deleted_total", ["table": table], by: Double(count), help: Self.help)
        }
        if deleted.values.contains(where: { $0 > 0 }) {
            logger.info("housekeeping deleted old rows", metadata: deleted.mapValues { .string("\($0)") })
        }
    }

    /// Repeats a batch until one comes back short; answers the rows deleted in all.
    private func drain(_ batch: @escaping @Sendable (StoreSession) async throws -> Int) async throws -> Int {
        var total = 0
        while !Task.isCancelled {
            let count = try await store.write { try await batch($0) }
            total += count
            if count < batchSize { break }
        }
        return total
    }
}
