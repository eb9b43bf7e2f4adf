@testable import KeyflowStore
import Synchronization
import Testing

@Suite("Decoded documents kept for the next read")
struct DecodedDocumentsTests {
    @Test("the same text is decoded once, changed text again, and the cache keeps no more than its capacity")
    func reuseAndBound() throws {
        let decodes = Mutex(0)
        let cache = DecodedDocuments<Int>(capacity: 2)
        func read(_ id: String, _ text: String) -> Int {
            cache.value(id: id, text: text) { text in
                decodes.withLock { $0 += 1 }
                return text.count
            }
        }
        #expect(read("a", "1") == 1 && read("a", "1") == 1)
        #expect(decodes.withLock { $0 } == 1)
        #expect(read("a", "22") == 2)
        #expect(decodes.withLock { $0 } == 2)
        _ = read("b", "1")
        _ = read("c", "1")
        #expect(cache.count == 2)
        _ = read("a", "22")
        #expect(decodes.withLock { $0 } == 5, "the oldest entry was let go")
    }

    @Test("a value remembered with the text written for it is read without decoding, until the stored text differs")
    func rememberedOnWrite() {
        let decodes = Mutex(0)
        let cache = DecodedDocuments<Int>(capacity: 4)
        func read(_ text: String) -> Int {
            cache.value(id: "a", text: text) { text in
                decodes.withLock { $0 += 1 }
                return text.count
            }
        }
        cache.remember(id: "a", document: DocumentBytes(utf8: Array("written ü".utf8)), value: 42)
        #expect(read("written ü") == 42)
        #expect(decodes.withLock { $0 } == 0)
        #expect(read("written ö") == 9, "same length, one byte apart")
        #expect(decodes.withLock { $0 } == 1)
        cache.remember(id: "a", document: DocumentBytes(utf8: Array("written".utf8)), value: 42)
        #expect(read("saved by someone else") == 21)
        #expect(decodes.withLock { $0 } == 2)
    }
}
