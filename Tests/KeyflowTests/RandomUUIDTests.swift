import Foundation
import Keyflow
import Testing

@Suite("Random ids")
struct RandomUUIDTests {
    @Test("every id is a version 4 UUID in the RFC 4122 variant, and ten thousand of them are all different")
    func versionAndUniqueness() {
        let ids = (0..<10_000).map { _ in UUID.random() }
        #expect(Set(ids).count == ids.count)
        for id in ids.prefix(100) {
            let text = id.uuidString
            #expect(text[text.index(text.startIndex, offsetBy: 14)] == "4")
            #expect("89AB".contains(text[text.index(text.startIndex, offsetBy: 19)]))
            #expect(UUID(uuidString: text) == id)
        }
    }
}
