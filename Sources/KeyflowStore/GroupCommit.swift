import FluentKit
import SQLKit
import Synchronization

/// SQLite write transactions, committed in groups.
///
/// SQLite has one writer and every commit waits for the disk (synchronous=FULL), so a commit per write caps
/// writes at the disk's flush rate. Writes that arrive while a commit is under way wait for the next group;
/// a group runs as one transaction. A write that throws is undone alone and its caller gets the error, while
/// the others commit. Every caller is answered only after the group's commit, so an answered write is on disk
/// exactly as before.
final class GroupCommit: Sendable {
    private struct Pending: Sendable {
        var body: @Sendable (StoreSession) async throws -> any Sendable
        var continuation: CheckedContinuation<any Sendable, any Error>
    }

    private struct State {
        var queue: [Pending] = []
        var committing = false
    }

    /// The largest group; later writes wait for the next one, so one group never holds the writer for long.
    static let maximumGroup = 256

    private let state = Mutex(State())
    private let database: @Sendable () -> any Database
    private let session: @Sendable (any Database) -> StoreSession

    init(database: @escaping @Sendable () -> any Database, session: @escaping @Sendable (any Database) -> StoreSession) {
        self.database = database
        self.session = session
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        let value = try await withCheckedThrowingContinuation { continuation in
            let leads = state.withLock { state in
                state.queue.append(Pending(body: body, continuation: continuation))
                defer { state.committing = true }
                return !state.committing
            }
            // The groups run in a task of their own, so no caller is held past its own commit; it ends when no
            // write is waiting. Its priority is fixed rather than inherited from the first writer: a
            // low-priority background job must not slow the commits of the requests queued behind it.
            if leads { Task(priority: .medium) { await self.drain() } }
        }
        return value as! T
    }

    /// Commits groups until no write is waiting.
    private func drain() async {
        while true {
            let group = state.withLock { state in
                let group = Array(state.queue.prefix(Self.maximumGroup))
                state.queue.removeFirst(group.count)
                if group.isEmpty { state.committing = false }
                return group
            }
            guard !group.isEmpty else { return }
            await commit(group)
        }
    }

    private func commit(_ group: [Pending]) async {
        // Most writes succeed, so a group first runs without savepoints (two statements less per write for the
        // one writer). When one throws, the whole transaction is rolled back, that caller gets its error, and
        // the rest run again, each in a savepoint of its own: at most two runs, whatever fails.
        do {
            let values = try await run(group)
            for (pending, value) in zip(group, values) { pending.continuation.resume(returning: value) }
            return
        } catch let failure as WriteFailed {
            group[failure.index].continuation.resume(throwing: failure.error)
            var rest = group
            rest.remove(at: failure.index)
            await commitEach(rest)
        } catch {
            // BEGIN or COMMIT failed: nothing of the group is stored.
            for pending in group { pending.continuation.resume(throwing: error) }
        }
    }

    /// The writes in one transaction, each in a savepoint, so one that throws is undone alone.
    private func commitEach(_ group: [Pending]) async {
        guard !group.isEmpty else { return }
        let results: [Result<any Sendable, any Error>]
        do {
            results = try await transaction { db in
                let sql = db as! any SQLDatabase
                let session = self.session(db)
                var results: [Result<any Sendable, any Error>] = []
                for pending in group {
                    try await sql.raw("SAVEPOINT keyflow_write").run()
                    do {
                        results.append(.success(try await pending.body(session)))
                        try await sql.raw("RELEASE keyflow_write").run()
                    } catch {
                        try await sql.raw("ROLLBACK TO keyflow_write").run()
                        try await sql.raw("RELEASE keyflow_write").run()
                        results.append(.failure(error))
                    }
                }
                return results
            }
        } catch {
            for pending in group { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, result) in zip(group, results) { pending.continuation.resume(with: result) }
    }

    /// The writes one after another in one transaction; the first to throw ends it (rolled back).
    private func run(_ group: [Pending]) async throws -> [any Sendable] {
        try await transaction { db in
            let session = self.session(db)
            var values: [any Sendable] = []
            for (index, pending) in group.enumerated() {
                do {
                    values.append(try await pending.body(session))
                } catch {
                    throw WriteFailed(index: index, error: error)
                }
            }
            return values
        }
    }

    /// One transaction on the writer's connection, begun IMMEDIATE: it takes SQLite's write lock at once, so a
    /// group that reads before it writes never finds, at its first write, that another process (the CLI, a
    /// backup tool) wrote since its read, which SQLite refuses with SQLITE_BUSY rather than waits for. Another
    /// process's writes wait for the group instead, and the group for them.
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (any Database) async throws -> T) async throws -> T {
        try await database().withConnection { db in
            let sql = db as! any SQLDatabase
            try await sql.raw("BEGIN IMMEDIATE").run()
            do {
                let value = try await body(db)
                try await sql.raw("COMMIT").run()
                return value
            } catch {
                try? await sql.raw("ROLLBACK").run()
                throw error
            }
        }
    }

    /// Which write of a group threw, and what.
    private struct WriteFailed: Error {
        var index: Int
        var error: any Error
    }
}
