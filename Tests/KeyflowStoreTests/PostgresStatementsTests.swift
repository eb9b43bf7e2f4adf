import Foundation
import Logging
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import Testing

@testable import KeyflowStore

/// Statements on PostgreSQL are prepared once per connection and then only bound: values come back as they
/// went in (in the text format the server reads by the type it inferred), the server holds each statement once,
/// and what cannot be prepared still runs, inside a transaction too.
@Suite(
    "PostgreSQL prepared statements",
    .enabled(if: ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"] != nil, "needs PostgreSQL"))
struct PostgresStatementsTests {
    static func withConnection(_ body: (PostgresStatements, PreparedStatements) async throws -> Void) async throws {
        let url = ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"]!
        let logger = Logger(label: "test.postgres")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(), configuration: try SQLPostgresConfiguration(url: url).coreConfiguration,
            id: 1, logger: logger)
        let prepared = PreparedStatements()
        do {
            try await body(PostgresStatements(connection: connection, prepared: prepared, logger: logger), prepared)
            try await connection.close()
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// How many statements the server holds prepared for this session whose text begins with `text`.
    static func preparedOnServer(_ text: String, _ sql: PostgresStatements) async throws -> Int {
        let row = try await sql.raw(
            "SELECT count(*) AS n FROM pg_prepared_statements WHERE starts_with(statement, \(bind: text))"
        ).first()
        return try row?.decode(column: "n", as: Int.self) ?? -1
    }

    @Test("integers, int4 columns, doubles, booleans, bytes, text and NULL come back as bound, run after run")
    func valuesRoundTrip() async throws {
        try await Self.withConnection { sql, _ in
            try await sql.raw(
                """
                CREATE TEMPORARY TABLE kept (id BIGINT, small INTEGER, amount DOUBLE PRECISION, flag BOOLEAN,
                    bytes BYTEA, label TEXT)
                """
            ).run()
            let rows: [(Int, Int, Double, Bool, Data, String?)] = [
                (1, 7, 1_795_000_000.125, true, Data([0, 1, 0xfe, 0xff]), "Zoë 🧾 \\x 'quoted'"),
                (2, -3, -2.5e-7, false, Data(), nil),
                (Int(Int64.max), Int(Int32.min), 1e300, true, Data([0x5c]), ""),
            ]
            for (id, small, amount, flag, bytes, label) in rows {
                try await sql.raw(
                    """
                    INSERT INTO kept (id, small, amount, flag, bytes, label)
                    VALUES (\(bind: id), \(bind: small), \(bind: amount), \(bind: flag), \(bind: bytes), \(bind: label))
                    """
                ).run()
            }
            for (id, small, amount, flag, bytes, label) in rows {
                let row = try #require(try await sql.raw("SELECT * FROM kept WHERE id = \(bind: id)").first())
                #expect(try row.decode(column: "small", as: Int.self) == small)
                #expect(try row.decode(column: "amount", as: Double.self) == amount)
                #expect(try row.decode(column: "flag", as: Bool.self) == flag)
                #expect(try row.decode(column: "bytes", as: Data.self) == bytes)
                #expect(try row.decode(column: "label", as: String?.self) == label)
            }
            // One statement for the inserts with a label, one for the insert whose label is NULL (its type left to
            // the server), one for the reads.
            #expect(try await Self.preparedOnServer("INSERT INTO kept", sql) == 2)
            #expect(try await Self.preparedOnServer("SELECT * FROM kept WHERE id = $1", sql) == 1)
        }
    }

    @Test("a parameter whose type the server cannot infer runs unprepared, and the transaction around it goes on")
    func unpreparableInTransaction() async throws {
        try await Self.withConnection { sql, prepared in
            try await sql.raw("BEGIN").run()
            let inTransaction = sql.insideTransaction
            try await inTransaction.raw("CREATE TEMPORARY TABLE marks (label TEXT)").run()
            let row = try await inTransaction.raw("SELECT \(bind: String?.none) IS NULL AS missing").first()
            #expect(try row?.decode(column: "missing", as: Bool.self) == true)
            try await inTransaction.raw("INSERT INTO marks VALUES (\(bind: "after"))").run()
            try await inTransaction.raw("COMMIT").run()
            let labels = try await sql.raw("SELECT label FROM marks").all().map { try $0.decode(column: "label", as: String.self) }
            #expect(labels == ["after"])
            #expect(try await Self.preparedOnServer("SELECT $1 IS NULL", sql) == 0)
            #expect(prepared.use(try #require(try KeptStatement(sql: "SELECT $1 IS NULL AS missing", binds: [String?.none])).key) == .unprepared)
        }
    }

    @Test("ids and dates keep their own types, as PostgresKit binds them")
    func typedValues() async throws {
        try await Self.withConnection { sql, _ in
            try await sql.raw("CREATE TEMPORARY TABLE typed (id UUID, at TIMESTAMPTZ)").run()
            let id = UUID()
            let at = Date(timeIntervalSince1970: 1_795_000_000)
            try await sql.raw("INSERT INTO typed VALUES (\(bind: id), \(bind: at))").run()
            let row = try #require(try await sql.raw("SELECT * FROM typed WHERE id = \(bind: id)").first())
            #expect(try row.decode(column: "at", as: Date.self) == at)
        }
    }

    @Test("past the limit of named statements, statements still answer, unprepared")
    func beyondTheLimit() async throws {
        try await Self.withConnection { sql, _ in
            for number in 0..<(PreparedStatements.limit + 10) {
                let row = try await sql.raw("SELECT \(unsafeRaw: String(number)) + \(bind: 1) AS n").first()
                #expect(try row?.decode(column: "n", as: Int.self) == number + 1)
            }
            #expect(try await Self.preparedOnServer("SELECT ", sql) == PreparedStatements.limit)
        }
    }

    @Test("a kept SELECT * whose table gains a column answers with it (a rolling upgrade's migration)")
    func tableChangedUnderStatement() async throws {
        try await Self.withConnection { sql, _ in
            try await sql.raw("CREATE TEMPORARY TABLE grows (id BIGINT)").run()
            try await sql.raw("INSERT INTO grows VALUES (\(bind: 1))").run()
            let read = { try await sql.raw("SELECT * FROM grows WHERE id = \(bind: 1)").first() }
            #expect(try await read()?.decode(column: "id", as: Int.self) == 1)
            try await sql.raw("ALTER TABLE grows ADD COLUMN label TEXT DEFAULT 'new'").run()
            #expect(try await read()?.decode(column: "label", as: String.self) == "new")
        }
    }

    @Test("with prepared statements off (behind a pooler in transaction mode), nothing is prepared on the server")
    func preparingOff() async throws {
        try await Self.withConnection { sql, _ in
            let unprepared = PostgresStatements(connection: sql.connection, prepared: nil, logger: sql.logger)
            for number in 1...3 {
                let row = try await unprepared.raw("SELECT \(bind: number) + 1 AS n").first()
                #expect(try row?.decode(column: "n", as: Int.self) == number + 1)
            }
            let held = try await unprepared.raw("SELECT count(*) AS n FROM pg_prepared_statements").first()
            #expect(try held?.decode(column: "n", as: Int.self) == 0)
        }
    }

    @Test("what runs prepared: queries with values PostgresNIO binds directly, each NULL's type left to the server")
    func whatIsPrepared() throws {
        let update = try #require(
            try KeptStatement(
                sql: "UPDATE t SET a = $1, b = $2 WHERE c = $3 AND d = $4 AND e = $5 AND f = $6 AND g = $7",
                binds: [1, String?.none, "x", 2.5, true, Double?.some(3), UUID()]))
        #expect(update.key.types == [.int8, .null, .text, .float8, .bool, .float8, .uuid])
        #expect(try KeptStatement(sql: " with x AS (SELECT 1) SELECT * FROM x", binds: [])?.key.types == [])
        #expect(try KeptStatement(sql: "BEGIN", binds: []) == nil)
        #expect(try KeptStatement(sql: "CREATE TABLE t (a TEXT)", binds: []) == nil)
        struct Custom: Encodable, Sendable { var a = 1 }
        #expect(try KeptStatement(sql: "SELECT $1", binds: [Custom()]) == nil)
    }
}
