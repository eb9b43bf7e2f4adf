import FluentKit
import SQLKit
import Synchronization

/// SQLite write transactions, committed in groups.
///
/// SQLite has one writer and every commit waits for the disk (synchronous=FULL), so a commit per write caps
/// writes at the disk's flush rate. Writes that arrive while a commit is under way wait for the next group;
/// a group runs as one transaction in which each write has a savepoint of its own, so a write that throws is
/// undone alone and its caller gets the error, while the others commit. Every caller is answered only after
/// the group's commit, so an answered write is on disk exactly as before.
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
            if leads { Task { await self.drain() } }
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
        let results = Mutex<[Result<any Sendable, any Error>]>([])
        do {
            try await database().transaction { db in
                let session = self.session(db)
                guard group.count > 1 else {
                    // Alone, the write is the whole transaction: its error rolls it back.
                    let value = try await group[0].body(session)
                    results.withLock { $0.append(.success(value)) }
                    return
                }
                let sql = db as! any SQLDatabase
                for pending in group {
                    try await sql.raw("SAVEPOINT keyflow_write").run()
                    do {
                        let value = try await pending.body(session)
                        try await sql.raw("RELEASE keyflow_write").run()
                        results.withLock { $0.append(.success(value)) }
                    } catch {
                        try await sql.raw("ROLLBACK TO keyflow_write").run()
                        try await sql.raw("RELEASE keyflow_write").run()
                        results.withLock { $0.append(.failure(error)) }
                    }
                }
            }
        } catch {
            // The commit (or the lone write) failed: nothing of the group is stored.
            for pending in group { pending.continuation.resume(throwing: error) }
            return
        }
        for (pending, result) in zip(group, results.withLock { $0 }) { pending.continuation.resume(with: result) }
    }
}
