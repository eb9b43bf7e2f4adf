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
    let holder = "housekeeping-\(UUID.random().uuidString.prefix(8))"

    static let help = "Rows deleted by housekeeping, by table"

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if try await holdsLease() { try await sweep() }
            } catch {
                logger.error("housekeeping failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            await pause(for: interval)
        }
    }

    private func holdsLease() async throws -> Bool {
        let now = clock.now()
        let seconds = leaseSeconds(every: interval)
        return try await store.write { try await $0.acquireLease("housekeeping", holder: holder, for: seconds, now: now) }
    }

    /// One round over every table; answers how many rows each lost.
    @discardableResult
    func sweep() async throws -> [String: Int] {
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
        return deleted
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
