import Foundation
import SQLKit
import Testing

@testable import KeyflowStore

/// Both engines' rows read the store's usual column types directly and everything else through the
/// drivers' own decoders; the two paths must agree.
@Suite("Columns as the store reads them")
struct RowDecodingTests {
    @Test(
        "text, integers and doubles, present or missing, read alike on both engines; a mismatch is refused",
        arguments: TestStores.configurations)
    func columns(_ configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            try await store.read { session in
                // The first run prepares the statement; the second finds it kept.
                for _ in 0..<2 {
                    let row = try #require(
                        try await session.sql.raw(
                            "SELECT 'x' AS text, NULL AS missing, 3 AS integer, CAST(2.5 AS DOUBLE PRECISION) AS real, 2.5 AS decimal"
                        ).first())
                    #expect(try row.decode(column: "text", as: String.self) == "x")
                    #expect(try row.decode(column: "text", as: String?.self) == "x")
                    #expect(try row.decode(column: "missing", as: String?.self) == nil)
                    #expect(try row.decode(column: "missing", as: Int?.self) == nil)
                    #expect(try row.decode(column: "missing", as: Int64?.self) == nil)
                    #expect(try row.decode(column: "missing", as: Double?.self) == nil)
                    #expect(try row.decode(column: "integer", as: Int.self) == 3)
                    #expect(try row.decode(column: "integer", as: Int64.self) == 3)
                    #expect(try row.decode(column: "integer", as: Int?.self) == 3)
                    #expect(try row.decode(column: "real", as: Double.self) == 2.5)
                    #expect(try row.decode(column: "real", as: Double?.self) == 2.5)
                    #expect(try row.decode(column: "decimal", as: Double.self) == 2.5)
                    #expect(throws: (any Error).self) { try row.decode(column: "text", as: Int.self) }
                    #expect(throws: (any Error).self) { try row.decode(column: "missing", as: String.self) }
                }
            }
        }
    }

    @Test(
        "every row of a result finds its columns by name in any order, names of one length told apart, a missing one absent",
        arguments: TestStores.configurations)
    func columnsByName(_ configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            try await store.read { session in
                let rows = try await session.sql.raw(
                    """
                    SELECT 'a1' AS first, 'b1' AS other, NULL AS third, 1 AS number
                    UNION ALL SELECT 'a2', 'b2', NULL, 2 ORDER BY number
                    """
                ).all()
                #expect(rows.count == 2)
                for (offset, row) in rows.enumerated() {
                    #expect(row.allColumns == ["first", "other", "third", "number"])
                    #expect(try row.decode(column: "number", as: Int.self) == offset + 1)
                    #expect(try row.decode(column: "other", as: String.self) == "b\(offset + 1)")
                    #expect(try row.decode(column: "first", as: String.self) == "a\(offset + 1)")
                    #expect(try row.decode(column: "third", as: String?.self) == nil)
                    #expect(try row.decodeNil(column: "third"))
                    #expect(try !row.decodeNil(column: "other"))
                    #expect(row.contains(column: "first"))
                    #expect(!row.contains(column: "fourth"))
                    #expect(try row.decodeNil(column: "fourth"))
                    #expect(throws: (any Error).self) { try row.decode(column: "fourth", as: String.self) }
                }
            }
        }
    }
}
