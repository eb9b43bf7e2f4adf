import NIOPosix
import SQLKit

/// A write: what a caller does inside the group's transaction.
private typealias Write = @Sendable (StoreSession) async throws -> any Sendable

/// SQLite write transactions, committed in groups.
///
/// SQLite has one writer and every commit waits for the disk (synchronous=FULL), so a commit per write caps
/// writes at the disk's flush rate. Writes that arrive while a commit is under way wait for the next group;
/// a group runs as one transaction. A write that throws is undone alone and its caller gets the error, while
/// the others commit. Every caller is answered only after the group's commit, so an answered write is on disk
/// exactly as before. The writes waiting are gathered by a `Batcher`.
final class GroupCommit: Sendable {
    /// The largest group; later writes wait for the next one, so one group never holds the writer for long.
    static let maximumGroup = 256

    private let batcher: Batcher<Write, Result<any Sendable, any Error>>

    init(
        writer: SQLiteDirect, threadPool: NIOThreadPool, session: @escaping @Sendable (any SQLDatabase) -> StoreSession
    ) {
        let group = Group(writer: writer, threadPool: threadPool, session: session)
        batcher = Batcher(maximum: Self.maximumGroup) { await group.commit($0) }
    }

    func write<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        try await batcher.submit(body).get() as! T
    }
}

/// One group's transaction: each write answered with its own result.
private struct Group: Sendable {
    let writer: SQLiteDirect
    /// Where the statements that may wait run (`BEGIN IMMEDIATE`, `COMMIT`), so they never hold up a
    /// cooperative thread; the rest run inline.
    let threadPool: NIOThreadPool
    let session: @Sendable (any SQLDatabase) -> StoreSession

    func commit(_ group: [Write]) async -> [Result<any Sendable, any Error>] {
        // Most writes succeed, so a group first runs without savepoints (two statements less per write for the
        // one writer). When one throws, the whole transaction is rolled back, that caller gets its error, and
        // the rest run again, each in a savepoint of its own: at most two runs, whatever fails.
        do {
            return try await run(group).map { .success($0) }
        } catch let failure as WriteFailed {
            var rest = group
            rest.remove(at: failure.index)
            var results = await commitEach(rest)
            results.insert(.failure(failure.error), at: failure.index)
            return results
        } catch {
            // BEGIN or COMMIT failed: nothing of the group is stored.
            return group.map { _ in .failure(error) }
        }
    }

    /// The writes in one transaction, each in a savepoint, so one that throws is undone alone.
    private func commitEach(_ group: [Write]) async -> [Result<any Sendable, any Error>] {
        guard !group.isEmpty else { return [] }
        do {
            return try await transaction { sql in
                let session = self.session(sql)
                var results: [Result<any Sendable, any Error>] = []
                for write in group {
                    try await sql.raw("SAVEPOINT keyflow_write").run()
                    do {
                        results.append(.success(try await write(session)))
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
            return group.map { _ in .failure(error) }
        }
    }

    /// The writes one after another in one transaction; the first to throw ends it (rolled back).
    private func run(_ group: [Write]) async throws -> [any Sendable] {
        try await transaction { db in
            let session = self.session(db)
            var values: [any Sendable] = []
            for (index, write) in group.enumerated() {
                do {
                    values.append(try await write(session))
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
    private func transaction<T: Sendable>(_ body: @escaping @Sendable (any SQLDatabase) async throws -> T) async throws -> T {
        try await offCooperativeThreads("BEGIN IMMEDIATE")
        do {
            let value = try await body(writer)
            try await offCooperativeThreads("COMMIT")
            return value
        } catch {
            try? await offCooperativeThreads("ROLLBACK")
            throw error
        }
    }

    private func offCooperativeThreads(_ statement: String) async throws {
        let handle = writer.handle
        try await threadPool.runIfActive { try handle.run(statement, []) { _ in } }
    }

    /// Which write of a group threw, and what.
    private struct WriteFailed: Error {
        var index: Int
        var error: any Error
    }
}
