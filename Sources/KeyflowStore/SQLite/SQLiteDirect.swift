import Logging
import NIOCore
import SQLKit
import SQLiteKit
import SQLiteNIO

/// SQLKit's view of a `SQLiteHandle`, so the store's queries run on it unchanged. A statement runs inline,
/// on the task that asks for it.
struct SQLiteDirect: SQLDatabase {
    let handle: SQLiteHandle
    let logger: Logger
    let eventLoop: any EventLoop

    var dialect: any SQLDialect { SQLiteDialect() }
    var queryLogLevel: Logger.Level? { .trace }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) async throws {
        try run(query, onRow)
    }

    func execute(sql query: any SQLExpression, _ onRow: @escaping @Sendable (any SQLRow) -> Void) -> EventLoopFuture<Void> {
        eventLoop.makeCompletedFuture { try run(query, onRow) }
    }

    private func run(_ query: any SQLExpression, _ onRow: (any SQLRow) -> Void) throws {
        let (sql, binds) = serialize(query)
        if logger.logLevel <= .trace {
            logger.trace("Executing query", metadata: ["sql": .string(sql), "binds": .array(binds.map { .string("\($0)") })])
        }
        try handle.run(sql, try binds.map { try Self.sqliteData($0) }) { onRow($0) }
    }

    /// A bind as SQLite's value. SQLiteKit's encoder first asks every value whether it is
    /// `SQLiteDataConvertible`, a cast to a protocol that looks the conformance up each time (≈ 1,500
    /// instructions a bind, 2.5 % of the server's while verifying); nearly every bind of the store is text, a
    /// number or a missing text, told apart here by its type alone.
    private static func sqliteData<Value: Encodable>(_ value: Value) throws -> SQLiteData {
        if Value.self == String.self { return .text(unsafeBitCast(value, to: String.self)) }
        if Value.self == Double.self { return .float(unsafeBitCast(value, to: Double.self)) }
        if Value.self == Int.self { return .integer(unsafeBitCast(value, to: Int.self)) }
        if Value.self == String?.self { return unsafeBitCast(value, to: String?.self).map { .text($0) } ?? .null }
        if Value.self == Double?.self { return unsafeBitCast(value, to: Double?.self).map { .float($0) } ?? .null }
        if Value.self == DocumentBytes.self { return .text(unsafeBitCast(value, to: DocumentBytes.self).text) }
        return try encoder.encode(value)
    }

    /// Made once: each one holds a `JSONEncoder`.
    private static let encoder = SQLiteDataEncoder()
}
