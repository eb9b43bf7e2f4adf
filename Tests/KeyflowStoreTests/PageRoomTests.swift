import Foundation
import Keyflow
import Testing

@testable import KeyflowStore

@Suite("Room on the pages of flows (PostgreSQL)")
struct PageRoomTests {
    /// Without room on its page an update goes to another page and adds an entry to each of the table's indexes
    /// (M0020). Rows are inserted one after the other, so without the room each page would be full. One flow of
    /// each page is saved again: a single new version fits in the room left however many rows the page holds,
    /// so the test does not depend on PostgreSQL pruning old versions first, which a concurrent snapshot (an
    /// autovacuum's ANALYZE) can hold back.
    @Test("a flow saved again stays on its page, so its indexes gain no entry")
    func savesStayOnTheirPage() async throws {
        guard let configuration = try TestStores.postgresAlone() else { return }
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            var flows: [Flow] = []
            for _ in 0..<60 {
                let (flow, _) = try seed.flow()
                try await store.write { try await $0.insert(flow, at: seed.now) }
                flows.append(flow)
            }
            let before = try await Self.pages(in: store)
            #expect(Set(before.values).count > 2, "the flows fill several pages")
            let onePerPage = Dictionary(grouping: before, by: \.value).values.compactMap { $0.map(\.key).min() }
            for key in onePerPage {
                let flow = try #require(flows.first { $0.id.key == key })
                let stored = try #require(try await store.read { try await $0.flow(flow.id) })
                var renamed = stored.flow
                renamed.name = "Renamed"
                try await store.write { [renamed] in try await $0.update(renamed, from: stored, at: seed.now) }
            }
            let after = try await Self.pages(in: store)
            let moved = before.filter { after[$0.key] != $0.value }
            let rowsPerPage = Dictionary(grouping: before.values, by: { $0 }).mapValues(\.count)
            #expect(moved.isEmpty, "\(moved.count) flows moved to another page: \(moved); rows per page: \(rowsPerPage)")
        }
    }

    /// The page each flow's current row is on.
    private static func pages(in store: Store) async throws -> [String: Int] {
        try await store.read { db in
            try await db.sql.raw("SELECT id, (ctid::text::point)[0]::int8 AS page FROM flows").all()
                .reduce(into: [:]) { pages, row in
                    pages[try row.decode(column: "id", as: String.self)] = try row.decode(column: "page", as: Int.self)
                }
        }
    }
}
