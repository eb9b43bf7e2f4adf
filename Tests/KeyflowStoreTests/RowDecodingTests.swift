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
}
