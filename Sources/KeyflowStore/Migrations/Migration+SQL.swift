import FluentKit
import SQLKit

/// A migration written as plain SQL, with the few type names that differ between the engines spelled per engine.
protocol SQLMigration: AsyncMigration {
    func statements(_ types: ColumnTypes) -> [String]
}

extension SQLMigration {
    func prepare(on database: any Database) async throws {
        let sql = database as! any SQLDatabase
        let types = ColumnTypes(postgres: sql.dialect.name == "postgresql")
        for statement in statements(types) {
            try await sql.raw(SQLQueryString(statement)).run()
        }
    }

    func revert(on database: any Database) async throws {
        throw MigrationNotReversible(name: name)
    }
}

/// Migrations only go forward: a mistake is fixed by a new migration, never by editing or reverting one.
struct MigrationNotReversible: Error, CustomStringConvertible {
    let name: String
    var description: String { "migration \(name) cannot be reverted; write a new migration instead" }
}

struct ColumnTypes {
    let postgres: Bool
    var real: String { postgres ? "DOUBLE PRECISION" : "REAL" }
    var blob: String { postgres ? "BYTEA" : "BLOB" }
    var serialKey: String { postgres ? "BIGSERIAL PRIMARY KEY" : "INTEGER PRIMARY KEY AUTOINCREMENT" }
    var bigint: String { postgres ? "BIGINT" : "INTEGER" }
}
