import Logging
import NIOCore
import PostgresKit
import PostgresNIO
import SQLKit

/// SQLKit's view of one leased PostgreSQL connection on which each distinct statement is prepared once and
/// then only bound and executed.
///
/// PostgresKit sends every query as an unnamed statement, which the server parses, analyses and plans anew:
/// in a profile of the verifying phase that was about 40 % of the backends' CPU. Here a query runs as a named
/// prepared statement (PostgresNIO prepares it on the connection's first use and then sends only the values),
/// with the parameter types PostgresKit declares for the same values, so the server reads them exactly as
/// before. Statements other than queries (`BEGIN`, DDL), values of a type PostgresNIO cannot bind directly,
/// and statements the server will not prepare run unprepared, as before.
struct PostgresStatements: SQLDatabase {
    let connection: PostgresConnection
    /// Nil when statements run unprepared (`preparedStatements: false` in the store's configuration).
    let prepared: PreparedStatements?
    /// The writes held back inside a transaction (nil outside one). Inside, a statement the server refuses to
    /// prepare must not abort the transaction.
    let transaction: CarriedWrites?
    let logger: Logger

    init(connection: PostgresConnection, prepared: PreparedStatements?, logger: Logger) {
        self.init(connection: connection, prepared: prepared, transaction: nil, logger: logger)
    }

    private init(connection: PostgresConnection, prepared: PreparedStatements?, transaction: CarriedWrites?, logger: Logger) {
        self.connection = connection
        self.prepared = prepared
        self.transaction = transaction
        self.logger = logger
    }

    var eventLoop: any EventLoop { connection.eventLoop }
    var dialect: any SQLDialect { PostgresDialect() }
    var version: (any SQLDatabaseReportedVersion)? { nil }
    var queryLogLevel: Logger.Level? { .trace }

    /// The same connection once a transaction has begun on it.
    var insideTransaction: PostgresStatements { unit(.begun) }

    /// The same connection for a unit of work whose `BEGIN` is put off until it is needed (see
    /// `CarriedWrites.Phase.notBegun`).
    var beginningWhenNeeded: PostgresStatements { unit(.notBegun) }

    private func unit(_ phase: CarriedWrites.Phase) -> PostgresStatements {
        PostgresStatements(connection: connection, prepared: prepared, transaction: CarriedWrites(phase), logger: logger)
    }

    private var inTransaction: Bool { transaction?.phase == .begun }

    /// Runs `write` with the transaction's next write (or before its next read, or at commit) rather than on
    /// its own; outside a transaction, at once. For writes whose outcome nothing waits for: the statement
    /// that carries one cannot see its effect, so it must touch no row that statement touches.
    func carry(_ write: any SQLExpression) async throws {
        guard let transaction, transaction.phase != .ended else { return try await execute(sql: write) { _ in } }
        transaction.hold(write)
    }

    /// Sends the writes still held, then commits. A unit that never began sends them as one statement, which
    /// commits itself.
    func commit() async throws {
        switch transaction?.phase {
        case .notBegun, .lastWriteNext:
            transaction?.phase = .ended
            try await sendAlone(transaction?.take() ?? [])
        case .ended: return
        case .begun, nil: try await raw("COMMIT").run()
        }
    }

    /// Rolls back; the writes still held go with the transaction. (Sent like any statement, `ROLLBACK` would
    /// first send them, and after a failure that fails too, leaving the connection in the failed transaction.)
    func rollback() async throws {
        guard inTransaction else {
            _ = transaction?.take()
            return
        }
        try await plain("ROLLBACK")
    }

    /// Makes the next write the unit's last, when its `BEGIN` has not been needed so far: that write then goes
    /// with everything held as one statement, which commits itself, and the unit may send nothing after it.
    func endWithNextWrite() {
        if transaction?.phase == .notBegun { transaction?.phase = .lastWriteNext }
    }

    /// Sends the writes held so far on their own, for a write that reads rows they may have written (a write
    /// carried into it would be invisible to it). Inside a unit not yet begun the unit begins here.
    func sendHeldWrites() async throws {
        guard let transaction, transaction.holdsWrites else { return }
        guard transaction.phase != .ended else { throw StoreError.statementAfterLastWrite }
        if transaction.phase != .begun {
            try await plain("BEGIN")
            transaction.phase = .begun
        }
        try await sendAlone(transaction.take())
    }

    /// A write (a statement opening with `INSERT`, `UPDATE`, `DELETE` or `WITH`) carries the writes held
    /// before it; anything else (a read, which must see them; `COMMIT`) sends them on their own first.
    func execute(sql statement: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let query = SerializedStatement(statement, for: self)
        if let transaction, transaction.phase != .begun {
            if try await sendsWithoutBeginning(query, transaction, onRow) { return }
        }
        guard let writes = transaction?.take(), !writes.isEmpty else { return try await send(query, onRow) }
        if Self.isWrite(query.sql) {
            return try await send(CarryingStatement(writes: writes, statement: query), onRow)
        }
        try await sendAlone(writes)
        try await send(query, onRow)
    }

    /// Sends held writes as a statement of their own: the last one carries the others.
    private func sendAlone(_ writes: [any SQLExpression]) async throws {
        guard let last = writes.last else { return }
        try await send(Self.carrying(Array(writes.dropLast()), by: last)) { _ in }
    }

    /// In a unit not yet begun: sends a read that comes before any write, or the unit's last write with
    /// everything held, and answers true; otherwise sends `BEGIN` (the unit is a transaction from here on) and
    /// answers false.
    private func sendsWithoutBeginning(
        _ query: SerializedStatement, _ transaction: CarriedWrites, _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws -> Bool {
        let phase = transaction.phase
        guard phase != .ended else { throw StoreError.statementAfterLastWrite }
        let write = Self.isWrite(query.sql)
        if !write && !transaction.holdsWrites {
            try await send(query, onRow)
            return true
        }
        if write && phase == .lastWriteNext {
            transaction.phase = .ended
            try await send(Self.carrying(transaction.take(), by: query), onRow)
            return true
        }
        try await plain("BEGIN")
        transaction.phase = .begun
        return false
    }

    private static func carrying(_ writes: [any SQLExpression], by statement: any SQLExpression) -> any SQLExpression {
        writes.isEmpty ? statement : CarryingStatement(writes: writes, statement: statement)
    }

    private static func isWrite(_ sql: String) -> Bool {
        ["INSERT", "UPDATE", "DELETE", "WITH"].contains { sql.hasPrefix($0) }
    }

    private func send(_ query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        let (sql, binds) = serialize(query)
        if logger.logLevel <= .trace {
            logger.trace("Executing query", metadata: ["sql": .string(sql), "binds": .array(binds.map { .string("\($0)") })])
        }
        guard let prepared, let statement = try KeptStatement(sql: sql, binds: binds),
            case .prepared(let name, let proven) = prepared.use(statement.key)
        else {
            return try await unprepared.execute(sql: query, onRow)
        }
        if proven {
            return try await run(statement, as: name, of: prepared, retrying: !inTransaction, query, onRow)
        }
        // The first use anywhere: a refusal to prepare must leave the transaction usable, so it runs in a
        // savepoint there.
        if inTransaction { try await plain("SAVEPOINT keyflow_prepare") }
        do {
            try await statement.run(as: name, on: connection, logger: logger, PostgresResultRow.rows(onRow))
            prepared.prove(statement.key)
            if inTransaction { try await plain("RELEASE SAVEPOINT keyflow_prepare") }
        } catch let error as PSQLError where Self.cannotBePrepared(error) {
            prepared.refuse(statement.key)
            if inTransaction {
                try await plain("ROLLBACK TO SAVEPOINT keyflow_prepare")
                try await plain("RELEASE SAVEPOINT keyflow_prepare")
            }
            try await unprepared.execute(sql: query, onRow)
        } catch {
            prepared.rename(statement.key)
            throw error
        }
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeFutureWithTask { try await execute(sql: query, onRow) }
    }

    private func run(
        _ statement: KeptStatement, as name: String, of prepared: PreparedStatements, retrying: Bool,
        _ query: any SQLExpression,
        _ onRow: @escaping @Sendable (any SQLRow) -> Void
    ) async throws {
        do {
            try await statement.run(as: name, on: connection, logger: logger, PostgresResultRow.rows(onRow))
        } catch let error as PSQLError where Self.resultTypeChanged(error) {
            // Another instance changed the table under a kept `SELECT *` (a rolling upgrade's migration): the
            // statement is prepared afresh, at once when no transaction was aborted by the failure.
            prepared.rename(statement.key)
            guard retrying else { throw error }
            try await send(query, onRow)
        }
    }

    /// PostgresKit's own path: an unnamed statement, parsed and planned by the server each time.
    private var unprepared: some SQLDatabase { connection.sql(queryLogLevel: nil) }

    private func plain(_ statement: String) async throws {
        _ = try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger) { _ in }.get()
    }

    /// Failures that come from the statement itself, never from its values or the data.
    private static func cannotBePrepared(_ error: PSQLError) -> Bool {
        switch error.serverInfo?[.sqlState] {
        case "42P18", "42P08", "0A000": true  // indeterminate or ambiguous parameter type; not supported
        default: false
        }
    }

    private static func resultTypeChanged(_ error: PSQLError) -> Bool {
        error.serverInfo?[.sqlState] == "0A000" && (error.serverInfo?[.message] ?? "").contains("cached plan")
    }
}
