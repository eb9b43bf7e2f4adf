import Foundation
import KeyflowJSON
import Testing

@testable import KeyflowStore

/// Ids as stored: the same text Foundation writes, lower-cased, and read back from either case.
@Suite("Ids as text")
struct UUIDTextTests {
    @Test("an id is written as Foundation writes it, lower-cased, and reads back to itself")
    func roundTrip() {
        for _ in 0..<500 {
            let id = UUID()
            #expect(id.key == id.uuidString.lowercased())
            #expect(id.text(uppercase: true) == id.uuidString)
            #expect(UUID(text: id.key) == id)
            #expect(UUID(text: id.uuidString) == id)
        }
    }

    @Test("text that is not an id reads as none", arguments: [
        "", "not-a-uuid", "4c43fbb2-cbd8-4a13-8552-e3876d51dd2", "4c43fbb2-cbd8-4a13-8552-e3876d51dd255",
        "4c43fbb2cbd8-4a13-8552-e3876d51dd25-", "4c43fbb2-cbd8-4a13-8552-e3876d51dg25", "{4c43fbb2-cbd8-4a13-8552-e3876d51dd2}",
    ])
    func rejects(text: String) {
        #expect(UUID(text: text) == nil)
    }
}
