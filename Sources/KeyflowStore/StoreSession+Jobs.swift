import Foundation
import SQLKit

extension StoreSession {
    /// Adds a job; with a `uniqueKey` a second enqueue of the same work is ignored and answers false.
    @discardableResult
    public func enqueue(
        queue: String, payload: String, runAt: Date, maxAttempts: Int = 10, uniqueKey: String? = nil,
        requestID: String? = nil, now: Date
    ) async throws -> Bool {
        let conflict: SQLQueryString = uniqueKey == nil ? "" : " ON CONFLICT (unique_key) DO NOTHING"
        let rows = try await sql.raw(
            """
            INSERT INTO jobs (id, queue, payload, status, attempts, max_attempts, run_at, unique_key, request_id,
                              created_at, updated_at)
            VALUES (\(bind: UUID.random().key), \(bind: queue), \(bind: payload), 'queued', 0, \(bind: maxAttempts),
                    \(bind: runAt.seconds), \(bind: uniqueKey), \(bind: requestID), \(bind: now.seconds),
                    \(bind: now.seconds))\(conflict)
            RETURNING id
            """
        ).all()
        return !rows.isEmpty
    }

    /// Adds jobs that each carry a unique key, in one statement. Answers the keys queued now: a key already in
    /// the queue, or given again later in the list, is ignored.
    public func enqueue(_ jobs: [UniqueJob], now: Date) async throws -> Set<String> {
        var seen = Set<String>()
        let rows = jobs.filter { seen.insert($0.uniqueKey).inserted }.map { job -> SQLQueryString in
            """
            (\(bind: UUID.random().key), \(bind: job.queue), \(bind: job.payload), 'queued', 0, \(bind: job.maxAttempts),
             \(bind: job.runAt.seconds), \(bind: job.uniqueKey), \(bind: job.requestID), \(bind: now.seconds), \(bind: now.seconds))
            """
        }
        guard !rows.isEmpty else { return [] }
        let queued = try await sql.raw(
            """
            INSERT INTO jobs (id, queue, payload, status, attempts, max_attempts, run_at, unique_key, request_id,
                              created_at, updated_at)
            VALUES \(rows.joined(separator: ", ")) ON CONFLICT (unique_key) DO NOTHING
            RETURNING unique_key
            """
        ).all().map { try $0.decode(column: "unique_key", as: String.self) }
        return Set(queued)
    }

    /// Takes up to `limit` jobs that are due, or whose lease ran out (their worker died), for `lease` seconds.
    /// On PostgreSQL `SKIP LOCKED` lets several processes claim side by side without taking the same job.
    public func claimJobs(
        queues: [String], worker: String, limit: Int, lease: Double, now: Date
    ) async throws -> [Job] {
        guard !queues.isEmpty, limit > 0 else { return [] }
        let names = SQLList(queues.map { SQLBind($0) })
        let skipLocked: SQLQueryString = engine == .postgres ? " FOR UPDATE SKIP LOCKED" : ""
        // The limit follows the runner's free slots. SQLite compiles a statement again whenever a bound LIMIT
        // changes to or from 1, so there it is written into the text (one kept statement per limit).
        // PostgreSQL plans each prepared statement anew for its first five runs (0.4 ms a claim here) before
        // it settles on a generic plan: with one text per limit that was most claims, so there it is bound.
        let limitClause: SQLQueryString =
            engine == .postgres ? "LIMIT \(bind: limit)" : "LIMIT \(unsafeRaw: String(limit))"
        // Jobs whose lease ran out come first (they are few, and under a steady stream of new work they would
        // otherwise wait for the queue to drain), then the due ones, each read in order from its own index
        // (M0018) so a claim stops after `limit` rows however long the backlog.
        return try await sql.raw(
            """
            UPDATE jobs SET status = 'running', attempts = attempts + 1, locked_by = \(bind: worker),
                lease_until = \(bind: now.seconds + lease), updated_at = \(bind: now.seconds)
            WHERE id IN (
                SELECT id FROM (
                    SELECT id FROM jobs WHERE status = 'running' AND lease_until < \(bind: now.seconds) AND queue IN (\(names))
                    ORDER BY lease_until \(limitClause)\(skipLocked)) AS expired
                UNION ALL
                SELECT id FROM (
                    SELECT id FROM jobs WHERE status = 'queued' AND run_at <= \(bind: now.seconds) AND queue IN (\(names))
                    ORDER BY run_at \(limitClause)\(skipLocked)) AS due
                \(limitClause))
            RETURNING *
            """
        ).all().map(Self.job(from:)).sorted { $0.runAt < $1.runAt }
    }

    /// Marks a claimed job done; false when the lease was lost to another worker meanwhile.
    @discardableResult
    public func completeJob(_ id: UUID, worker: String, now: Date) async throws -> Bool {
        try await !sql.raw("\(Self.jobDone(id, worker: worker, now: now)) RETURNING id").all().isEmpty
    }

    /// Marks a claimed job done in the transaction that wrote the job's effect, where nothing waits for the
    /// answer: on PostgreSQL it travels with the transaction's next write. A lease lost meanwhile leaves the
    /// job to its new holder, as `completeJob` does.
    public func markJobDone(_ id: UUID, worker: String, now: Date) async throws {
        try await carry(Self.jobDone(id, worker: worker, now: now))
    }

    /// (`storeTogether` marks several jobs done the same way.)
    private static func jobDone(_ id: UUID, worker: String, now: Date) -> SQLQueryString {
        """
        UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = \(bind: now.seconds)
        WHERE id = \(bind: id.key) AND locked_by = \(bind: worker) AND status = 'running'
        """
    }

    /// Records a failure: the job runs again after the policy's delay, or is dead after its last attempt.
    public func failJob(_ job: Job, worker: String, error: String, retry: RetryPolicy, now: Date) async throws {
        let dead = job.attempts >= job.maxAttempts
        let runAt = now.seconds + retry.delay(afterAttempt: job.attempts)
        try await sql.raw(
            """
            UPDATE jobs SET status = \(bind: dead ? "dead" : "queued"), run_at = \(bind: runAt), lease_until = NULL,
                locked_by = NULL, last_error = \(bind: String(error.prefix(2000))), updated_at = \(bind: now.seconds)
            WHERE id = \(bind: job.id.key) AND locked_by = \(bind: worker) AND status = 'running'
            """
        ).run()
    }

    /// Hands a claimed job back untouched (on shutdown), without counting the attempt.
    public func releaseJob(_ job: Job, worker: String, now: Date) async throws {
        try await sql.raw(
            """
            UPDATE jobs SET status = 'queued', attempts = attempts - 1, lease_until = NULL, locked_by = NULL,
                updated_at = \(bind: now.seconds)
            WHERE id = \(bind: job.id.key) AND locked_by = \(bind: worker) AND status = 'running'
            """
        ).run()
    }

    public func job(_ id: UUID) async throws -> Job? {
        try await sql.raw("SELECT * FROM jobs WHERE id = \(bind: id.key)").first().map(Self.job(from:))
    }

    public func jobs(queue: String) async throws -> [Job] {
        try await sql.raw("SELECT * FROM jobs WHERE queue = \(bind: queue) ORDER BY created_at").all().map(Self.job(from:))
    }

    static func job(from row: any SQLRow) throws -> Job {
        Job(
            id: try row.uuid("id"), queue: try row.decode(column: "queue", as: String.self),
            payload: try row.decode(column: "payload", as: String.self),
            status: Job.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .dead,
            attempts: try row.decode(column: "attempts", as: Int.self),
            maxAttempts: try row.decode(column: "max_attempts", as: Int.self), runAt: try row.date("run_at"),
            leaseUntil: try row.optionalDate("lease_until"), lockedBy: try row.decode(column: "locked_by", as: String?.self),
            lastError: try row.decode(column: "last_error", as: String?.self),
            requestID: try row.decode(column: "request_id", as: String?.self))
    }

    /// Each queue's depth, for `/metrics`. One aggregate per state, so each reads only its own index (M0018).
    public func queueDepths(now: Date) async throws -> [QueueDepth] {
        let rows = try await sql.raw(
            """
            SELECT queue, 'queued' AS status, COUNT(*) AS jobs,
                MIN(CASE WHEN run_at <= \(bind: now.seconds) THEN run_at END) AS oldest
            FROM jobs WHERE status = 'queued' GROUP BY queue
            UNION ALL
            SELECT queue, 'running', COUNT(*), NULL FROM jobs WHERE status = 'running' GROUP BY queue
            """
        ).all()
        var depths: [String: QueueDepth] = [:]
        for row in rows {
            let queue = try row.decode(column: "queue", as: String.self)
            let jobs = try row.decode(column: "jobs", as: Int.self)
            var depth = depths[queue] ?? QueueDepth(queue: queue, queued: 0, running: 0, oldestWaitSeconds: 0)
            if try row.decode(column: "status", as: String.self) == "queued" {
                depth.queued = jobs
                depth.oldestWaitSeconds = try row.decode(column: "oldest", as: Double?.self).map { max(0, now.seconds - $0) } ?? 0
            } else {
                depth.running = jobs
            }
            depths[queue] = depth
        }
        return depths.values.sorted { $0.queue < $1.queue }
    }
}
