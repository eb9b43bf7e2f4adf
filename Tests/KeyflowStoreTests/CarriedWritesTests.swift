import Foundation
import SQLKit
import Testing

@testable import KeyflowStore

/// Inside a PostgreSQL transaction, writes nobody waits for travel with the next write: they land exactly as
/// if sent one by one, reads see them, and a rollback drops them.
@Suite(
    "PostgreSQL writes carried by the next write",
    .enabled(if: ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"] != nil, "needs PostgreSQL"))
struct CarriedWritesTests {
    static func withMarks(_ body: (PostgresStatements) async throws -> Void) async throws {
        try await PostgresStatementsTests.withConnection { sql, _ in
            try await sql.raw("CREATE TEMPORARY TABLE marks (label TEXT PRIMARY KEY)").run()
            try await body(sql)
        }
    }

    static func mark(_ label: String) -> SQLQueryString {
        "INSERT INTO marks VALUES (\(bind: label))"
    }

    static func labels(_ sql: PostgresStatements) async throws -> [String] {
        try await sql.raw("SELECT label FROM marks ORDER BY label").all().map { try $0.decode(column: "label", as: String.self) }
    }

    static func begin(_ sql: PostgresStatements) async throws -> PostgresStatements {
        try await sql.raw("BEGIN").run()
        return sql.insideTransaction
    }

    @Test("held writes go with the next write as one statement, and commit with it")
    func carriedByNextWrite() async throws {
        try await Self.withMarks { sql in
            let transaction = try await Self.begin(sql)
            try await transaction.carry(Self.mark("a"))
            try await transaction.carry(Self.mark("b"))
            try await transaction.raw(Self.mark("c")).run()
            try await transaction.commit()
            #expect(try await Self.labels(sql) == ["a", "b", "c"])
            let carrying = "WITH carried_0 AS (INSERT INTO marks VALUES ($2)), carried_1 AS (INSERT INTO marks VALUES ($3)) INSERT"
            #expect(try await PostgresStatementsTests.preparedOnServer(carrying, sql) == 1)
        }
    }

    @Test("a statement with its own WITH list takes the held writes into it and still answers")
    func carriedIntoWith() async throws {
        try await Self.withMarks { sql in
            let transaction = try await Self.begin(sql)
            try await transaction.carry(Self.mark("a"))
            let rows = try await transaction.raw(
                "WITH added AS (INSERT INTO marks VALUES (\(bind: "b")) RETURNING label) SELECT label FROM added"
            ).all()
            #expect(try rows.map { try $0.decode(column: "label", as: String.self) } == ["b"])
            try await transaction.commit()
            #expect(try await Self.labels(sql) == ["a", "b"])
        }
    }

    @Test("a read first sends what is held, so it sees it; commit sends what is left")
    func readsAndCommitSendHeldWrites() async throws {
        try await Self.withMarks { sql in
            let transaction = try await Self.begin(sql)
            try await transaction.carry(Self.mark("a"))
            #expect(try await Self.labels(transaction) == ["a"])
            try await transaction.carry(Self.mark("b"))
            try await transaction.carry(SQLQueryString("UPDATE marks SET label = \(bind: "c") WHERE label = \(bind: "a")"))
            try await transaction.commit()
            #expect(try await Self.labels(sql) == ["b", "c"])
        }
    }

    @Test("after a failure, a rollback drops what is held, and the connection goes on outside any transaction")
    func rollbackDropsHeldWrites() async throws {
        try await Self.withMarks { sql in
            let transaction = try await Self.begin(sql)
            try await transaction.carry(Self.mark("a"))
            await #expect(throws: (any Error).self) { try await transaction.raw("SELECT 1 / 0 AS never").run() }
            try await transaction.carry(Self.mark("b"))
            try await transaction.rollback()
            #expect(try await Self.labels(sql) == [])
            try await sql.carry(Self.mark("c"))
            #expect(try await Self.labels(sql) == ["c"])
        }
    }

    @Test("a held write that fails fails the statement carrying it, and nothing of the transaction is written")
    func failingHeldWrite() async throws {
        try await Self.withMarks { sql in
            try await sql.raw(Self.mark("taken")).run()
            let transaction = try await Self.begin(sql)
            try await transaction.raw(Self.mark("first")).run()
            try await transaction.carry(Self.mark("taken"))
            await #expect(throws: (any Error).self) {
                try await transaction.raw(Self.mark("second")).run()
            }
            try await transaction.rollback()
            #expect(try await Self.labels(sql) == ["taken"])
        }
    }

    /// Whether the session's current transaction has written anything (outside a transaction every statement
    /// is one of its own, so never).
    static func transactionHasWritten(_ sql: PostgresStatements) async throws -> Bool {
        try await sql.raw("SELECT txid_current_if_assigned() IS NOT NULL AS written").first()?.decode(column: "written", as: Bool.self)
            ?? false
    }

    @Test("a unit not begun reads on its own, and its last write carries everything held as one statement that commits itself")
    func unitEndingWithOneStatement() async throws {
        try await Self.withMarks { sql in
            let unit = sql.beginningWhenNeeded
            #expect(try await Self.labels(unit) == [])
            try await unit.carry(Self.mark("a"))
            try await unit.carry(Self.mark("b"))
            unit.endWithNextWrite()
            try await unit.raw(Self.mark("c")).run()
            #expect(try await !Self.transactionHasWritten(sql))
            #expect(try await Self.labels(sql) == ["a", "b", "c"])
            await #expect(throws: StoreError.statementAfterLastWrite) { try await unit.carry(Self.mark("d")) }
            try await unit.commit()
            #expect(try await Self.labels(sql) == ["a", "b", "c"])
        }
    }

    @Test("a unit not begun begins its transaction when it must send writes before its last; a rollback drops them")
    func unitBeginningWhenNeeded() async throws {
        try await Self.withMarks { sql in
            let unit = sql.beginningWhenNeeded
            try await unit.carry(Self.mark("a"))
            #expect(try await Self.labels(unit) == ["a"])
            #expect(try await Self.transactionHasWritten(unit))
            try await unit.rollback()
            #expect(try await Self.labels(sql) == [])
        }
    }

    @Test("a unit's last statement failing writes nothing of the unit, and the connection goes on")
    func unitFailingLastStatement() async throws {
        try await Self.withMarks { sql in
            try await sql.raw(Self.mark("taken")).run()
            let unit = sql.beginningWhenNeeded
            try await unit.carry(Self.mark("a"))
            try await unit.carry(Self.mark("taken"))
            await #expect(throws: (any Error).self) { try await unit.commit() }
            try await unit.rollback()
            #expect(try await Self.labels(sql) == ["taken"])
        }
    }

    @Test("a statement serialized once keeps its text where it opens a statement and is made again anywhere else")
    func serializedOnce() async throws {
        try await PostgresStatementsTests.withConnection { sql, _ in
            let once = SerializedStatement(Self.mark("a") as SQLQueryString, for: sql)
            #expect(sql.serialize(once).sql == "INSERT INTO marks VALUES ($1)")
            let inner = sql.serialize("SELECT \(bind: "first"), (\(once))" as SQLQueryString)
            #expect(inner.sql == "SELECT $1, (INSERT INTO marks VALUES ($2))")
            #expect(inner.binds.count == 2)
        }
    }
}
