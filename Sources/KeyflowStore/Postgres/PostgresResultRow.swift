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
    private let columns: ResultColumns

    init(_ row: PostgresRow, cells: PostgresRandomAccessRow, columns: ResultColumns) {
        self.row = row
        self.cells = cells
        self.columns = columns
    }

    /// Rows of one result, which share its columns' names.
    static func rows(_ onRow: @escaping (any SQLRow) -> Void) -> (PostgresRow) -> Void {
        var columns: ResultColumns?
        return { row in
            let cells = row.makeRandomAccess()
            let names = columns ?? ResultColumns(cells)
            columns = names
            onRow(PostgresResultRow(row, cells: cells, columns: names))
        }
    }

    var allColumns: [String] { cells.map(\.columnName) }

    func contains(column: String) -> Bool { columns.index(of: column) != nil }

    func decodeNil(column: String) throws -> Bool {
        guard let index = columns.index(of: column) else { return true }
        return cells[index].bytes == nil
    }

    func decode<D: Decodable>(column: String, as type: D.Type) throws -> D {
        // Each type is decoded where it is named, not through a helper answering `D?`: that optional of a
        // generic type has its metadata made at run time on every call.
        if let index = columns.index(of: column) {
            let cell = cells[index]
            // PostgresKit reads a user-defined type (an enum) as text by renaming the cell's type, and a binary
            // `numeric` as a `Double` its own way: those stay with it. So does a cell that fails, for its error.
            let text = !cell.dataType.isUserDefined
            let number = !(cell.format == .binary && cell.dataType == .numeric)
            switch ObjectIdentifier(D.self) {
            case DecodedColumnTypes.string where text:
                do { return unsafeBitCast(try cell.decode(String.self), to: D.self) } catch {}
            case DecodedColumnTypes.optionalString where text:
                do { return unsafeBitCast(try cell.decode(String?.self), to: D.self) } catch {}
            case DecodedColumnTypes.int:
                do { return unsafeBitCast(try cell.decode(Int.self), to: D.self) } catch {}
            case DecodedColumnTypes.int64:
                do { return unsafeBitCast(try cell.decode(Int64.self), to: D.self) } catch {}
            case DecodedColumnTypes.optionalInt:
                do { return unsafeBitCast(try cell.decode(Int?.self), to: D.self) } catch {}
            case DecodedColumnTypes.optionalInt64:
                do { return unsafeBitCast(try cell.decode(Int64?.self), to: D.self) } catch {}
            case DecodedColumnTypes.bool:
                do { return unsafeBitCast(try cell.decode(Bool.self), to: D.self) } catch {}
            case DecodedColumnTypes.double where number:
                do { return unsafeBitCast(try cell.decode(Double.self), to: D.self) } catch {}
            case DecodedColumnTypes.optionalDouble where number:
                do { return unsafeBitCast(try cell.decode(Double?.self), to: D.self) } catch {}
            default:
                break
            }
        }
        return try row.sql().decode(column: column, as: D.self)
    }
}

/// The column names of one statement's result, read once for all its rows. A column is found by comparing
/// names (most differ in length, which is one comparison), where `PostgresRandomAccessRow` hashes the name
/// twice for every column read (`contains`, then its subscript): reading the columns took ≈ 81,000
/// instructions a verification, ≈ 53,000 now (`bench/callgrind --store postgres`).
final class ResultColumns: Sendable {
    private let names: [String]

    init(_ cells: PostgresRandomAccessRow) {
        names = cells.map(\.columnName)
    }

    func index(of column: String) -> Int? {
        let length = column.utf8.count
        return names.firstIndex { $0.utf8.count == length && $0 == column }
    }
}
