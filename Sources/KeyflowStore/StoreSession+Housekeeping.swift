import Foundation
import SQLKit

/// Rows that have served their purpose and that nothing reads any more. Each call deletes at most `limit`
/// rows and answers how many it deleted, so no transaction holds a large table's worth of them. The rows are
/// found by scanning: an index on finished jobs would cost every verification an entry to save one scan an hour.
extension StoreSession {
    /// Jobs that finished before `before`. A finished job keeps its unique key taken, so the same news from
    /// Jumio is not queued twice while it is kept; failed (dead) jobs stay for an operator to look into.
    public func deleteDoneJobs(finishedBefore before: Date, limit: Int) async throws -> Int {
        try await deleteBatch(from: .jobs, where: "status = 'done' AND updated_at < \(bind: before.seconds)", limit: limit)
    }

    /// Sessions that expired before `before`: signing in with one is refused with or without its row.
    public func deleteExpiredSessions(before: Date, limit: Int) async throws -> Int {
        try await deleteBatch(from: .sessions, where: "expires_at < \(bind: before.seconds)", limit: limit)
    }

    /// Sign-in links that expired before `before`: an unknown link is refused with the same words as an
    /// expired one.
    public func deleteExpiredMagicLinks(before: Date, limit: Int) async throws -> Int {
        try await deleteBatch(from: .magicLinks, where: "expires_at < \(bind: before.seconds)", limit: limit)
    }

    /// Rate-limit windows that started before `before`; a window is counted afresh from its next hit anyway.
    public func deleteRateLimitWindows(startedBefore before: Date, limit: Int) async throws -> Int {
        try await deleteBatch(from: .rateLimits, where: "window_start < \(bind: before.seconds)", limit: limit)
    }

    /// Webhook deliveries whose last attempt, successful or failed, was before `before`; one still pending
    /// stays whatever its age. Their payloads describe flows and people, so they are not kept for ever.
    public func deleteWebhookDeliveries(settledBefore before: Date, limit: Int) async throws -> Int {
        try await deleteBatch(
            from: .webhookDeliveries, where: "status <> 'pending' AND updated_at < \(bind: before.seconds)", limit: limit)
    }

    private func deleteBatch(from table: SweptTable, where condition: SQLQueryString, limit: Int) async throws -> Int {
        try await sql.raw(
            """
            DELETE FROM \(unsafeRaw: table.rawValue) WHERE \(unsafeRaw: table.key) IN (
                SELECT \(unsafeRaw: table.key) FROM \(unsafeRaw: table.rawValue) WHERE \(condition) LIMIT \(bind: limit))
            RETURNING 1 AS deleted
            """
        ).all().count
    }
}

/// The tables housekeeping deletes from, each with the one-column primary key that names its rows.
private enum SweptTable: String {
    case jobs, sessions, magicLinks = "magic_links", rateLimits = "rate_limits", webhookDeliveries = "webhook_deliveries"

    var key: String {
        switch self {
        case .jobs, .webhookDeliveries: "id"
        case .sessions, .magicLinks: "token_hash"
        case .rateLimits: "bucket"
        }
    }
}
