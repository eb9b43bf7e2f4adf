import SQLKit

/// A statement serialized once, for the several places that read its text on the way to the server (whether it
/// writes, the carrying statement, the prepared statement's key): SQLKit makes the text anew on every
/// serialization, each bind's placeholder included, and the verification's change is dozens of binds long.
struct SerializedStatement: SQLExpression {
    let statement: any SQLExpression
    let sql: String
    let binds: [any Encodable & Sendable]

    init(_ statement: any SQLExpression, for database: any SQLDatabase) {
        self.statement = statement
        (sql, binds) = database.serialize(statement)
    }

    /// The text as made when it opens a statement (its binds numbered from 1); anywhere else it is made again.
    func serialize(to serializer: inout SQLSerializer) {
        guard serializer.binds.isEmpty && serializer.sql.isEmpty else { return statement.serialize(to: &serializer) }
        serializer.write(sql)
        serializer.binds = binds
    }
}
