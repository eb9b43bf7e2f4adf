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
        if let direct = Self.direct(value, as: D.self) { return direct }
        return try Self.decoder.decode(D.self, from: value)
    }

    /// The store's usual columns — text, integers and doubles, present or missing — read
    /// as SQLiteKit reads them, but told apart by type: its decoder first casts the type to a protocol, which
    /// looks the conformance up on every column read. Anything else (and any mismatch, for its error) goes
    /// to SQLiteKit's decoder.
    private static func direct<D>(_ value: SQLiteData, as type: D.Type) -> D? {
        switch value {
        case .text(let text):
            if D.self == String.self { return unsafeBitCast(text, to: D.self) }
            if D.self == String?.self { return unsafeBitCast(String?.some(text), to: D.self) }
        case .integer(let integer):
            if D.self == Int.self { return unsafeBitCast(integer, to: D.self) }
            if D.self == Int64.self { return unsafeBitCast(Int64(integer), to: D.self) }
            if D.self == Double.self { return unsafeBitCast(Double(integer), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.some(integer), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.some(Int64(integer)), to: D.self) }
        case .float(let double):
            if D.self == Double.self { return unsafeBitCast(double, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.some(double), to: D.self) }
        case .null:
            if D.self == String?.self { return unsafeBitCast(String?.none, to: D.self) }
            if D.self == Double?.self { return unsafeBitCast(Double?.none, to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(Int?.none, to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(Int64?.none, to: D.self) }
        case .blob:
            break
        }
        return nil
    }

    /// Made once: each one holds a `JSONDecoder`, and rows decode a column at a time.
    private static let decoder = SQLiteDataDecoder()

    private func value(_ column: String) -> SQLiteData? { columns.index(of: column).map { values[$0] } }
}
