import SQLKit
import SQLiteKit
import SQLiteNIO

/// A statement's column names, looked up by name; made once per prepared statement and shared by its rows.
final class SQLiteColumns: Sendable {
    let names: [String]
    private let indexes: [String: Int]

    init(names: [String]) {
        self.names = names
        indexes = Dictionary(names.enumerated().map { ($1, $0) }, uniquingKeysWith: { first, _ in first })
    }

    func index(of name: String) -> Int? { indexes[name] }
}

/// One row of a statement run on a `SQLiteHandle`, read the way SQLiteKit reads its rows.
struct SQLiteResultRow: SQLRow {
    let columns: SQLiteColumns
    let values: [SQLiteData]

    var allColumns: [String] { columns.names }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool { (value(column) ?? .null) == .null }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        guard let value = value(column) else {
            throw DecodingError.keyNotFound(
                SomeCodingKey(stringValue: column), .init(codingPath: [], debugDescription: "no column \(column) in the row"))
        }
        return try Self.decoder.decode(D.self, from: value)
    }

    /// Made once: each one holds a `JSONDecoder`, and rows decode a column at a time.
    private static let decoder = SQLiteDataDecoder()

    private func value(_ column: String) -> SQLiteData? { columns.index(of: column).map { values[$0] } }
}
