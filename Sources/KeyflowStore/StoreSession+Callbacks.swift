import Foundation
import SQLKit

/// A Jumio callback as stored in the durable inbox.
public struct StoredCallback: Sendable, Equatable {
    public var id: Int64
    public var attemptID: UUID
    public var receivedAt: Date
    public var body: String
    public var statusHint: String?
    public var remoteAddress: String?
    /// When it was dealt with, which follows from its attempt: on arrival if the attempt was decided by then,
    /// else when the attempt was decided; nil while the attempt is open.
    public var processedAt: Date?
}

/// The attempt a callback token was issued for: what a callback needs to be checked before it is stored.
/// Neither ever changes for a token.
public struct CallbackTarget: Sendable, Equatable {
    public var attemptID: UUID
    public var dataCenter: String
}

/// A callback on its way into the inbox.
public struct NewCallback: Sendable, Equatable {
    public var attemptID: UUID
    public var body: String
    public var statusHint: String?
    public var remoteAddress: String?
    /// The job that looks into it, queued only while its attempt is open.
    public var job: UniqueJob?

    public init(attemptID: UUID, body: String, statusHint: String?, remoteAddress: String?, job: UniqueJob? = nil) {
        self.attemptID = attemptID
        self.body = body
        self.statusHint = statusHint
        self.remoteAddress = remoteAddress
        self.job = job
    }
}

/// What storing a batch of callbacks found and did.
public struct StoredCallbacks: Sendable, Equatable {
    /// Whether each attempt was open when its callbacks were stored; an attempt missing here does not exist,
    /// and nothing about it was stored.
    public var open: [UUID: Bool] = [:]
    /// The unique keys of the jobs queued now (not those already in the queue).
    public var queued: Set<String> = []
}

extension StoreSession {
    /// The attempts these callback tokens were issued for, by token; unknown tokens are absent. Tokens seen
    /// before are answered from memory (`StoreMemory.callbackTargets`), the rest read in one statement.
    public func callbackTargets(tokens: some Sequence<String>) async throws -> [String: CallbackTarget] {
        var targets: [String: CallbackTarget] = [:]
        var unseenByHash: [String: String] = [:]
        for token in tokens where targets[token] == nil {
            let hash = Self.hash(token: token)
            if let known = memory.callbackTargets[hash] {
                targets[token] = known
            } else {
                unseenByHash[hash] = token
            }
        }
        guard !unseenByHash.isEmpty else { return targets }
        for row in try await sql.raw(
            "SELECT id, data_center, callback_token_hash FROM verification_attempts WHERE callback_token_hash \(isOneOf(Array(unseenByHash.keys)))"
        ).all() {
            let hash = try row.decode(column: "callback_token_hash", as: String.self)
            guard let token = unseenByHash[hash] else { continue }
            let target = CallbackTarget(attemptID: try row.uuid("id"), dataCenter: try row.decode(column: "data_center", as: String.self))
            memory.callbackTargets.remember(target, for: hash)
            targets[token] = target
        }
        return targets
    }

    /// Stores callbacks in order, those about an open attempt with their jobs (a job whose key is already
    /// queued, or given earlier in the list, is left out); those about a decided attempt queue nothing. On
    /// PostgreSQL it is one statement, which reads the attempts in the same snapshot it writes with.
    public func storeCallbacks(_ callbacks: [NewCallback], at now: Date) async throws -> StoredCallbacks {
        guard !callbacks.isEmpty else { return StoredCallbacks() }
        var seen = Set<String>()
        let jobs = callbacks.compactMap { callback in
            callback.job.flatMap { seen.insert($0.uniqueKey).inserted ? (attemptID: callback.attemptID, job: $0) : nil }
        }
        if engine == .postgres { return try await storeCallbacksInOneStatement(callbacks, jobs, at: now) }
        let ids = SQLList(Set(callbacks.map(\.attemptID.key)).map { SQLBind($0) })
        var stored = StoredCallbacks()
        for row in try await sql.raw("SELECT id, open FROM verification_attempts WHERE id IN (\(ids))").all() {
            stored.open[try row.uuid("id")] = try row.decode(column: "open", as: Int.self) != 0
        }
        let rows = callbacks.compactMap { callback -> SQLQueryString? in
            guard stored.open[callback.attemptID] != nil else { return nil }
            return """
                (\(bind: callback.attemptID.key), \(bind: now.seconds), \(bind: callback.remoteAddress), \(bind: callback.body),
                 \(bind: callback.statusHint))
                """
        }
        guard !rows.isEmpty else { return stored }
        try await sql.raw(
            """
            INSERT INTO jumio_callbacks (attempt_id, received_at, remote_address, body, status_hint)
            VALUES \(rows.joined(separator: ", "))
            """
        ).run()
        stored.queued = try await enqueue(jobs.filter { stored.open[$0.attemptID] == true }.map(\.job), now: now)
        return stored
    }

    /// PostgreSQL's form of `storeCallbacks`: the attempts' state, the callbacks and their jobs in one round
    /// trip. Every part of a `WITH` sees the same snapshot, so a callback's job is queued exactly when the
    /// attempt it is stored against is open. The rows go as one array per column (`TextArray`), so the statement's
    /// text is the same for every batch (prepared once) and a batch of 256 is a few values to bind, not thousands.
    private func storeCallbacksInOneStatement(
        _ callbacks: [NewCallback], _ jobs: [(attemptID: UUID, job: UniqueJob)], at now: Date
    ) async throws -> StoredCallbacks {
        // The statement reads the attempts: a write carried into it (an attempt inserted by the same unit)
        // would be invisible to it. Each attempt is looked up by its key (the `LIMIT` keeps PostgreSQL from
        // flattening the lookup into a join): for a batch of unknown size the planner otherwise preferred a
        // scan of every attempt ever made, which grows with the table.
        try await sendCarriedWrites()
        var stored = StoredCallbacks()
        for row in try await sql.raw(
            """
            WITH arrival AS (
                SELECT * FROM unnest(
                    \(bind: TextArray(callbacks.map(\.attemptID.key))), \(bind: TextArray(callbacks.map(\.remoteAddress))),
                    \(bind: TextArray(callbacks.map(\.body))), \(bind: TextArray(callbacks.map(\.statusHint))))
                    WITH ORDINALITY AS arrival (attempt_id, remote_address, body, status_hint, arrival_order)),
            targets AS (
                SELECT target.id, target.open FROM (SELECT DISTINCT attempt_id FROM arrival) AS wanted
                CROSS JOIN LATERAL (
                    SELECT id, open FROM verification_attempts WHERE id = wanted.attempt_id LIMIT 1) AS target),
            arrived AS (
                INSERT INTO jumio_callbacks (attempt_id, received_at, remote_address, body, status_hint)
                SELECT arrival.attempt_id, \(bind: now.seconds), arrival.remote_address, arrival.body, arrival.status_hint
                FROM arrival JOIN targets ON targets.id = arrival.attempt_id
                ORDER BY arrival.arrival_order),
            queued AS (
                INSERT INTO jobs (id, queue, payload, status, attempts, max_attempts, run_at, unique_key, request_id,
                                  created_at, updated_at)
                SELECT job.id, job.queue, job.payload, 'queued', 0, job.max_attempts, job.run_at, job.unique_key,
                       job.request_id, \(bind: now.seconds), \(bind: now.seconds)
                FROM unnest(
                    \(bind: TextArray(jobs.map(\.attemptID.key))), \(bind: TextArray(jobs.map { _ in UUID.random().key })),
                    \(bind: TextArray(jobs.map(\.job.queue))), \(bind: TextArray(jobs.map(\.job.payload))),
                    \(bind: jobs.map(\.job.maxAttempts)), \(bind: jobs.map(\.job.runAt.seconds)),
                    \(bind: TextArray(jobs.map(\.job.uniqueKey))), \(bind: TextArray(jobs.map(\.job.requestID))))
                    AS job (attempt_id, id, queue, payload, max_attempts, run_at, unique_key, request_id)
                WHERE job.attempt_id IN (SELECT id FROM targets WHERE open = 1)
                ON CONFLICT (unique_key) DO NOTHING
                RETURNING unique_key)
            SELECT id AS key, open FROM targets UNION ALL SELECT unique_key, NULL FROM queued
            """
        ).all() {
            let key = try row.decode(column: "key", as: String.self)
            if let open = try row.decode(column: "open", as: Int?.self) {
                stored.open[try row.uuid("key")] = open != 0
            } else {
                stored.queued.insert(key)
            }
        }
        return stored
    }

    /// Every stored callback of an attempt, oldest first, with when each was dealt with (`processedAt`),
    /// worked out from the attempt rather than written on each callback when the attempt is decided.
    public func callbacks(of attemptID: UUID) async throws -> [StoredCallback] {
        try await sql.raw(
            """
            SELECT jumio_callbacks.*, verification_attempts.open AS attempt_open,
                verification_attempts.finished_at AS attempt_finished_at
            FROM jumio_callbacks JOIN verification_attempts ON verification_attempts.id = jumio_callbacks.attempt_id
            WHERE jumio_callbacks.attempt_id = \(bind: attemptID.key) ORDER BY jumio_callbacks.id
            """
        ).all().map { row in
            let receivedAt = try row.date("received_at")
            let decidedAt = try row.decode(column: "attempt_open", as: Int.self) == 0 ? try row.optionalDate("attempt_finished_at") : nil
            return StoredCallback(
                id: try row.decode(column: "id", as: Int64.self), attemptID: try row.uuid("attempt_id"), receivedAt: receivedAt,
                body: try row.decode(column: "body", as: String.self),
                statusHint: try row.decode(column: "status_hint", as: String?.self),
                remoteAddress: try row.decode(column: "remote_address", as: String?.self),
                processedAt: decidedAt.map { max($0, receivedAt) })
        }
    }
}
