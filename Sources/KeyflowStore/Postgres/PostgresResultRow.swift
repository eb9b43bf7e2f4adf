import PostgresKit
import PostgresNIO
import SQLKit

/// One row of a kept statement, read as PostgresKit reads its rows (`row.sql()`), with the store's usual
/// columns — text, integers, doubles, booleans, and any of them but booleans missing — decoded by the cell
/// directly. PostgresKit's generic path casts each type to a protocol and looks its decoding context's
/// metadata up every time (≈ 6,400 instructions a column, thirty columns a flow started); for these types it
/// ends in the same `cell.decode`. Any other type, and any cell that fails to decode (for its error), goes
/// through PostgresKit.
struct PostgresResultRow: SQLRow {
    private let row: PostgresRow
    private let cells: PostgresRandomAccessRow

    init(_ row: PostgresRow) {
        self.row = row
        cells = row.makeRandomAccess()
    }

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { cells.contains(column) }

    func decodeNil(column: String) throws -> Bool { !cells.contains(column) || cells[column].bytes == nil }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        if cells.contains(column), let value = Self.direct(cells[column], as: D.self) { return value }
        return try row.sql().decode(column: column, as: D.self)
    }

    private static func direct<D>(_ cell: PostgresCell, as type: D.Type) -> D? {
        do {
            // PostgresKit reads a user-defined type (an enum) as text by renaming the cell's type, and a binary
            // `numeric` as a `Double` its own way: those stay with it.
            if D.self == String.self, !cell.dataType.isUserDefined {
                return unsafeBitCast(try cell.decode(String.self), to: D.self)
            }
            if D.self == String?.self, !cell.dataType.isUserDefined {
                return unsafeBitCast(try cell.decode(String?.self), to: D.self)
            }
            if D.self == Int.self { return unsafeBitCast(try cell.decode(Int.self), to: D.self) }
            if D.self == Int64.self { return unsafeBitCast(try cell.decode(Int64.self), to: D.self) }
            if D.self == Int?.self { return unsafeBitCast(try cell.decode(Int?.self), to: D.self) }
            if D.self == Int64?.self { return unsafeBitCast(try cell.decode(Int64?.self), to: D.self) }
            if D.self == Bool.self { return unsafeBitCast(try cell.decode(Bool.self), to: D.self) }
            let isBinaryNumeric = cell.format == .binary && cell.dataType == .numeric
            if D.self == Double.self, !isBinaryNumeric { return unsafeBitCast(try cell.decode(Double.self), to: D.self) }
            if D.self == Double?.self, !isBinaryNumeric { return unsafeBitCast(try cell.decode(Double?.self), to: D.self) }
        } catch {
            return nil
        }
        return nil
    }
}
