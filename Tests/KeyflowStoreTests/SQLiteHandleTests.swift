import Foundation
import Logging
import NIOPosix
import SQLKit
import Testing

@testable import KeyflowStore

/// Keyflow's own SQLite connection: values come back as they went in, kept statements stay correct, a failed
/// statement leaves the connection usable, and reads cannot write.
@Suite("SQLite connection")
struct SQLiteHandleTests {
    static func withDatabase(_ body: (SQLiteDirect) async throws -> Void) async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-handle-\(UUID()).sqlite").path
        let handle = try SQLiteHandle(path: path)
        defer {
            handle.close()
            try? FileManager.default.removeItem(atPath: path)
        }
        try await body(SQLiteDirect(handle: handle, logger: Logger(label: "test.sqlite"), eventLoop: MultiThreadedEventLoopGroup.singleton.next()))
    }

    @Test("temporary data (a statement's undo record, sorts) is kept in memory, not in files under /var/tmp")
    func temporaryDataInMemory() async throws {
        try await Self.withDatabase { sql in
            let rows = try await sql.raw("PRAGMA temp_store").all()
            #expect(try rows.first?.decode(column: "temp_store", as: Int.self) == 2)
        }
    }

    @Test("text, numbers, blobs and NULL come back exactly as bound, an empty text is not NULL")
    func values() async throws {
        try await Self.withDatabase { sql in
            try await sql.raw("CREATE TABLE t (id INTEGER, label TEXT, amount REAL, bytes BLOB, missing TEXT)").run()
            let label = "Zoë 🧾 \u{0}after-nul"
            let bytes = Data([0, 1, 2, 255])
            try await sql.raw(
                "INSERT INTO t VALUES (\(bind: 42), \(bind: label), \(bind: 2.5), \(bind: bytes), \(bind: String?.none))"
            ).run()
            try await sql.raw("INSERT INTO t VALUES (\(bind: 43), \(bind: ""), 0, NULL, NULL)").run()
            let rows = try await sql.raw("SELECT * FROM t ORDER BY id").all()
            #expect(rows.count == 2)
            #expect(try rows[0].decode(column: "id", as: Int.self) == 42)
            #expect(try rows[0].decode(column: "label", as: String.self) == label)
            #expect(try rows[0].decode(column: "amount", as: Double.self) == 2.5)
            #expect(try rows[0].decode(column: "bytes", as: Data.self) == bytes)
            #expect(try rows[0].decodeNil(column: "missing"))
            #expect(try rows[1].decode(column: "label", as: String?.self) == "")
            #expect(throws: (any Error).self) { try rows[0].decode(column: "no_such_column", as: String.self) }
        }
    }

    @Test("more distinct statements than are kept: every one still answers its own result")
    func manyStatements() async throws {
        try await Self.withDatabase { sql in
            for round in 0..<2 {
                for number in 0..<(SQLiteHandle.statementLimit + 40) {
                    let row = try await sql.raw("SELECT \(unsafeRaw: String(number)) + \(bind: round) AS n").first()
                    #expect(try row?.decode(column: "n", as: Int.self) == number + round)
                }
            }
        }
    }

    @Test("a kept statement run again with other values is not compiled again, and reads the new values")
    func keptStatementsStayCompiled() async throws {
        try await Self.withDatabase { sql in
            // The shape of the webhook endpoints lookup, which SQLite compiled again on nearly every run.
            try await sql.raw("CREATE TABLE endpoints (id TEXT PRIMARY KEY, owner TEXT, created_at REAL, deleted_at REAL)").run()
            try await sql.raw("CREATE INDEX endpoints_owner_created ON endpoints (owner, created_at)").run()
            for owner in ["a", "b", "c"] {
                try await sql.raw("INSERT INTO endpoints VALUES (\(bind: owner + "1"), \(bind: owner), 1, NULL)").run()
            }
            var found: [String] = []
            for owner in ["a", "b", "c", "a"] {
                let row = try await sql.raw(
                    "SELECT id FROM endpoints WHERE owner = \(bind: owner) AND deleted_at IS NULL ORDER BY created_at"
                ).first()
                found.append(try row?.decode(column: "id", as: String.self) ?? "none")
            }
            #expect(found == ["a1", "b1", "c1", "a1"])
            let lookup = "SELECT id FROM endpoints WHERE owner = ?1 AND deleted_at IS NULL ORDER BY created_at"
            #expect(sql.handle.timesRecompiled(lookup) == 0)
        }
    }

    @Test("a statement given fewer or more values than it takes is refused, naming both counts")
    func wrongNumberOfValues() async throws {
        try await Self.withDatabase { sql in
            let sum = "SELECT ?1 + ?2 AS n"
            try sql.handle.run(sum, [.integer(1), .integer(2)]) { _ in }
            #expect {
                try sql.handle.run(sum, [.integer(1)]) { _ in }
            } throws: { error in
                "\(error)".contains("takes 2 values, 1 were given")
            }
            #expect(throws: SQLiteFailure.self) { try sql.handle.run(sum, [.integer(1), .integer(2), .integer(3)]) { _ in } }
        }
    }

    @Test("a statement that fails leaves the connection and the kept statement usable")
    func failureThenReuse() async throws {
        try await Self.withDatabase { sql in
            try await sql.raw("CREATE TABLE u (id TEXT PRIMARY KEY)").run()
            try await sql.raw("INSERT INTO u VALUES (\(bind: "a"))").run()
            await #expect(throws: SQLiteFailure.self) { try await sql.raw("INSERT INTO u VALUES (\(bind: "a"))").run() }
            try await sql.raw("INSERT INTO u VALUES (\(bind: "b"))").run()
            let ids = try await sql.raw("SELECT id FROM u ORDER BY id").all().map { try $0.decode(column: "id", as: String.self) }
            #expect(ids == ["a", "b"])
        }
    }

    @Test("a write inside a read is refused and changes nothing")
    func readsCannotWrite() async throws {
        try await TestStores.with(.sqliteInMemory) { store in
            let now = Date(timeIntervalSince1970: 1_000_000)
            let queue = "q-\(UUID())"
            await #expect(throws: SQLiteFailure.self) {
                try await store.read { try await $0.enqueue(queue: queue, payload: "stray", runAt: now, now: now) }
            }
            let queued = try await store.read { try await $0.jobs(queue: queue) }
            #expect(queued.isEmpty)
        }
    }
}
