import Foundation
import SQLKit

/// A Jumio callback as stored in the durable inbox.
public struct StoredCallback: Sendable, Equatable {
    public var id: Int64
    public var attemptID: UUID
    public var receivedAt: Date
    public var body: String
    public var processedAt: Date?
}

/// The attempt a callback token was issued for: what a callback needs to be checked and stored.
public struct CallbackTarget: Sendable, Equatable {
    public var attemptID: UUID
    public var dataCenter: String
    public var open: Bool
}

/// A callback on its way into the inbox.
public struct NewCallback: Sendable, Equatable {
    public var attemptID: UUID
    public var body: String
    public var statusHint: String?
    public var remoteAddress: String?
    /// Dealt with on arrival (its attempt is already decided), so no job will look at it.
    public var processed: Bool

    public init(attemptID: UUID, body: String, statusHint: String?, remoteAddress: String?, processed: Bool = false) {
        self.attemptID = attemptID
        self.body = body
        self.statusHint = statusHint
        self.remoteAddress = remoteAddress
        self.processed = processed
    }
}

extension StoreSession {
    /// The attempts these callback tokens were issued for, by token, in one statement; unknown tokens are absent.
    public func callbackTargets(tokens: some Sequence<String>) async throws -> [String: CallbackTarget] {
        var tokensByHash: [String: String] = [:]
        for token in tokens { tokensByHash[Self.hash(token: token)] = token }
        guard !tokensByHash.isEmpty else { return [:] }
        let hashes = SQLList(tokensByHash.keys.map { SQLBind($0) })
        var targets: [String: CallbackTarget] = [:]
        for row in try await sql.raw(
            "SELECT id, data_center, open, callback_token_hash FROM verification_attempts WHERE callback_token_hash IN (\(hashes))"
        ).all() {
            guard let token = tokensByHash[try row.decode(column: "callback_token_hash", as: String.self)] else { continue }
            targets[token] = CallbackTarget(
                attemptID: try row.uuid("id"), dataCenter: try row.decode(column: "data_center", as: String.self),
                open: try row.decode(column: "open", as: Int.self) != 0)
        }
        return targets
    }

    /// Stores callbacks in one statement, in order. On PostgreSQL the statement travels with the transaction's
    /// next write (a batch's jobs).
    public func insertCallbacks(_ callbacks: [NewCallback], at now: Date) async throws {
        guard !callbacks.isEmpty else { return }
        let rows = callbacks.map { callback -> SQLQueryString in
            """
            (\(bind: callback.attemptID.key), \(bind: now.seconds), \(bind: callback.remoteAddress), \(bind: callback.body),
             \(bind: callback.statusHint), \(bind: callback.processed ? now.seconds : nil))
            """
        }
        try await carry(
            """
            INSERT INTO jumio_callbacks (attempt_id, received_at, remote_address, body, status_hint, processed_at)
            VALUES \(rows.joined(separator: ", "))
            """)
    }

    /// Marks every stored callback of this attempt as dealt with.
    public func markCallbacksProcessed(attemptID: UUID, at now: Date) async throws {
        try await sql.raw(Self.callbacksProcessed(attemptID: attemptID, at: now)).run()
    }

    /// The statement that marks an attempt's callbacks dealt with, also carried when the attempt is closed.
    static func callbacksProcessed(attemptID: UUID, at now: Date) -> SQLQueryString {
        """
        UPDATE jumio_callbacks SET processed_at = \(bind: now.seconds)
        WHERE attempt_id = \(bind: attemptID.key) AND processed_at IS NULL
        """
    }

    public func callbacks(of attemptID: UUID) async throws -> [StoredCallback] {
        try await sql.raw("SELECT * FROM jumio_callbacks WHERE attempt_id = \(bind: attemptID.key) ORDER BY id").all().map { row in
            StoredCallback(
                id: try row.decode(column: "id", as: Int64.self), attemptID: try row.uuid("attempt_id"),
                receivedAt: try row.date("received_at"), body: try row.decode(column: "body", as: String.self),
                processedAt: try row.optionalDate("processed_at"))
        }
    }
}
