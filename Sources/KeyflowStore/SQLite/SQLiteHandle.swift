import NIOConcurrencyHelpers
import NIOCore
import SQLiteNIO
import VaporCSQLite

/// One SQLite connection driven directly: each statement is prepared once and kept, and runs on the calling
/// thread. SQLiteNIO prepares every statement anew and hops to a thread pool and back for each one (and to an
/// event loop for each row); for the writer, which runs about ten statements per verification, that cost more
/// than the statements. Statements that may wait (`BEGIN IMMEDIATE` for another process's lock, `COMMIT` for
/// the disk) are the caller's to run off the cooperative threads.
final class SQLiteHandle: @unchecked Sendable {
    /// Prepared statements kept at most; beyond it the least recently used is finalized. Keyflow's fixed
    /// statements number in the dozens; the rest are multi-row inserts and `IN` lists of each batch size.
    static let statementLimit = 256

    private let connection: OpaquePointer
    private let lock = NIOLock()
    private var statements: [StatementText: Prepared] = [:]
    private var uses = 0
    private var closed = false

    private struct Prepared {
        var statement: OpaquePointer
        var columns: SQLiteColumns
        var parameters: Int
        var lastUse: Int
    }

    /// Opens (creating if needed) the database at `path`, which may be a `file:` URI. A `queryOnly`
    /// connection refuses to write, so a write that strays into a read fails loudly.
    init(path: String, queryOnly: Bool = false) throws {
        var handle: OpaquePointer?
        let flags = SQLITE_OPEN_CREATE | SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_URI | SQLITE_OPEN_EXRESCODE
        let opened = sqlite_nio_sqlite3_open_v2(path, &handle, flags, nil)
        guard opened == SQLITE_OK, let handle else {
            let message = handle.map { String(cString: sqlite_nio_sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite_nio_sqlite3_close_v2(handle)
            throw SQLiteFailure(code: opened, message: "cannot open \(path): \(message)")
        }
        connection = handle
        // Another process (the CLI, a backup) may hold the write lock for a moment: wait for it, not fail.
        sqlite_nio_sqlite3_busy_timeout(handle, 60_000)
        try run("PRAGMA foreign_keys = ON", []) { _ in }
        // A statement's undo record (its sub-journal) otherwise spills to a new file in /var/tmp past 64 KiB,
        // which the long transactions of a commit group reach several times a second.
        try run("PRAGMA temp_store = MEMORY", []) { _ in }
        if queryOnly { try run("PRAGMA query_only = ON", []) { _ in } }
    }

    /// Runs one statement, calling `onRow` for each row it yields.
    func run(_ sql: String, _ binds: [SQLiteData], onRow: (SQLiteResultRow) throws -> Void) throws {
        try lock.withLock {
            guard !closed else { throw SQLiteFailure(code: SQLITE_MISUSE, message: "the database is closed") }
            let prepared = try statement(for: sql)
            // No `sqlite3_clear_bindings`: on a statement whose plan may depend on a bound value it also
            // marks the statement expired, and SQLite compiled it again on the next step (the hot statements
            // were re-prepared on almost every run). Every value is bound anew each run instead, which the
            // count check below makes sure of.
            defer { sqlite_nio_sqlite3_reset(prepared.statement) }
            guard binds.count == prepared.parameters else {
                throw SQLiteFailure(
                    code: SQLITE_RANGE,
                    message: "the statement takes \(prepared.parameters) values, \(binds.count) were given: \(sql)")
            }
            try bind(binds, to: prepared.statement)
            while true {
                let stepped = sqlite_nio_sqlite3_step(prepared.statement)
                if stepped == SQLITE_DONE { return }
                guard stepped == SQLITE_ROW else { throw failure(stepped) }
                try onRow(SQLiteResultRow(columns: prepared.columns, values: values(of: prepared)))
            }
        }
    }

    /// How many times SQLite compiled the kept statement `sql` again after its first preparation; nil when
    /// it is not kept.
    func timesRecompiled(_ sql: String) -> Int? {
        lock.withLock {
            statements[StatementText(sql)].map { Int(sqlite_nio_sqlite3_stmt_status($0.statement, SQLITE_STMTSTATUS_REPREPARE, 0)) }
        }
    }

    /// Finalizes the kept statements and closes the connection; later statements fail.
    func close() {
        lock.withLock {
            guard !closed else { return }
            closed = true
            finalizeAll()
            sqlite_nio_sqlite3_close_v2(connection)
        }
    }

    private func statement(for sql: String) throws -> Prepared {
        uses += 1
        let key = StatementText(sql)
        if let index = statements.index(forKey: key) {
            statements.values[index].lastUse = uses
            return statements.values[index]
        }
        if statements.count >= Self.statementLimit, let oldest = statements.min(by: { $0.value.lastUse < $1.value.lastUse }) {
            sqlite_nio_sqlite3_finalize(oldest.value.statement)
            statements[oldest.key] = nil
        }
        var statement: OpaquePointer?
        let prepared = sqlite_nio_sqlite3_prepare_v3(
            connection, sql, -1, UInt32(SQLITE_PREPARE_PERSISTENT), &statement, nil)
        guard prepared == SQLITE_OK, let statement else { throw failure(prepared) }
        let count = sqlite_nio_sqlite3_column_count(statement)
        let names = (0..<count).map { String(cString: sqlite_nio_sqlite3_column_name(statement, $0)) }
        let kept = Prepared(
            statement: statement, columns: SQLiteColumns(names: names),
            parameters: Int(sqlite_nio_sqlite3_bind_parameter_count(statement)), lastUse: uses)
        statements[key] = kept
        return kept
    }

    private func finalizeAll() {
        for prepared in statements.values { sqlite_nio_sqlite3_finalize(prepared.statement) }
        statements.removeAll()
    }

    private func bind(_ binds: [SQLiteData], to statement: OpaquePointer) throws {
        for (offset, value) in binds.enumerated() {
            let index = Int32(offset + 1)
            let bound: Int32
            switch value {
            case .integer(let number): bound = sqlite_nio_sqlite3_bind_int64(statement, index, Int64(number))
            case .float(let number): bound = sqlite_nio_sqlite3_bind_double(statement, index, number)
            case .null: bound = sqlite_nio_sqlite3_bind_null(statement, index)
            case .text(let text):
                var text = text
                bound = text.withUTF8 { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { characters in
                        guard let start = characters.baseAddress else {
                            return sqlite_nio_sqlite3_bind_text64(statement, index, "", 0, Self.transient, UInt8(SQLITE_UTF8))
                        }
                        return sqlite_nio_sqlite3_bind_text64(
                            statement, index, start, UInt64(characters.count), Self.transient, UInt8(SQLITE_UTF8))
                    }
                }
            case .blob(let buffer):
                bound = buffer.withUnsafeReadableBytes {
                    sqlite_nio_sqlite3_bind_blob64(statement, index, $0.baseAddress, UInt64($0.count), Self.transient)
                }
            }
            guard bound == SQLITE_OK else { throw failure(bound) }
        }
    }

    private func values(of prepared: Prepared) -> [SQLiteData] {
        let statement = prepared.statement
        return (0..<Int32(prepared.columns.names.count)).map { column in
            switch sqlite_nio_sqlite3_column_type(statement, column) {
            case SQLITE_INTEGER: return .integer(Int(sqlite_nio_sqlite3_column_int64(statement, column)))
            case SQLITE_FLOAT: return .float(sqlite_nio_sqlite3_column_double(statement, column))
            case SQLITE_TEXT:
                let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let bytes = sqlite_nio_sqlite3_column_text(statement, column) else { return .text("") }
                return .text(String(decoding: UnsafeBufferPointer(start: bytes, count: count), as: UTF8.self))
            case SQLITE_BLOB:
                let count = Int(sqlite_nio_sqlite3_column_bytes(statement, column))
                guard let bytes = sqlite_nio_sqlite3_column_blob(statement, column) else { return .blob(ByteBuffer()) }
                return .blob(ByteBuffer(bytes: UnsafeRawBufferPointer(start: bytes, count: count)))
            default: return .null
            }
        }
    }

    private func failure(_ code: Int32) -> SQLiteFailure {
        SQLiteFailure(code: code, message: String(cString: sqlite_nio_sqlite3_errmsg(connection)))
    }

    /// SQLite copies the bound bytes, which live only for the call.
    private static let transient = unsafeBitCast(-1, to: sqlite3_destructor_type.self)
}

/// A statement SQLite refused, with its result code and message.
struct SQLiteFailure: Error, CustomStringConvertible {
    var code: Int32
    var message: String
    var description: String { "SQLite error \(code): \(message)" }
}

/// A statement's text as the key of the kept statements. Texts run to a kilobyte and one is looked up for every
/// statement, so the hash takes only the length and the two ends (where statements of one shape differ: their
/// columns and their row or bind counts); keys are still compared whole.
private struct StatementText: Hashable {
    let sql: String

    init(_ sql: String) { self.sql = sql }

    func hash(into hasher: inout Hasher) {
        var sql = sql
        sql.withUTF8 { bytes in
            hasher.combine(bytes.count)
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.prefix(48))))
            hasher.combine(bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(rebasing: bytes.suffix(64))))
        }
    }
}
