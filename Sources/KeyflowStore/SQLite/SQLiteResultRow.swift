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
        // The store's usual columns — text, integers and doubles, present or missing — are read as SQLiteKit
        // reads them, but told apart by type: its decoder first casts the type to a protocol, which looks the
        // conformance up on every column read. Each type is returned where it is named, not through a helper
        // answering `D?`, whose metadata would be made at run time on every call. Anything else (and any
        // mismatch, for its error) goes to SQLiteKit's decoder.
        let type = ObjectIdentifier(D.self)
        switch value {
        case .text(let text):
            if type == DecodedColumnTypes.string { return unsafeBitCast(text, to: D.self) }
            if type == DecodedColumnTypes.optionalString { return unsafeBitCast(String?.some(text), to: D.self) }
        case .integer(let integer):
            if type == DecodedColumnTypes.int { return unsafeBitCast(integer, to: D.self) }
            if type == DecodedColumnTypes.int64 { return unsafeBitCast(Int64(integer), to: D.self) }
            if type == DecodedColumnTypes.double { return unsafeBitCast(Double(integer), to: D.self) }
            if type == DecodedColumnTypes.optionalInt { return unsafeBitCast(Int?.some(integer), to: D.self) }
            if type == DecodedColumnTypes.optionalInt64 { return unsafeBitCast(Int64?.some(Int64(integer)), to: D.self) }
        case .float(let double):
            if type == DecodedColumnTypes.double { return unsafeBitCast(double, to: D.self) }
            if type == DecodedColumnTypes.optionalDouble { return unsafeBitCast(Double?.some(double), to: D.self) }
        case .null:
            if type == DecodedColumnTypes.optionalString { return unsafeBitCast(String?.none, to: D.self) }
            if type == DecodedColumnTypes.optionalDouble { return unsafeBitCast(Double?.none, to: D.self) }
            if type == DecodedColumnTypes.optionalInt { return unsafeBitCast(Int?.none, to: D.self) }
            if type == DecodedColumnTypes.optionalInt64 { return unsafeBitCast(Int64?.none, to: D.self) }
        case .blob:
            break
        }
        return try Self.decoder.decode(D.self, from: value)
    }

    /// Made once: each one holds a `JSONDecoder`, and rows decode a column at a time.
    private static let decoder = SQLiteDataDecoder()

    private func value(_ column: String) -> SQLiteData? { columns.index(of: column).map { values[$0] } }
}
