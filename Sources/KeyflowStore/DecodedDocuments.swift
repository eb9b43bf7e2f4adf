import Synchronization

/// The value of recently read or written documents, keyed by record id. A hit needs the stored text to be
/// exactly the text remembered, so a stale entry can only miss, never answer wrongly; a flow read twice in one
/// step (to call Jumio, then to change it) is decoded once, and a flow read after this instance saved it is
/// not decoded at all.
final class DecodedDocuments<Value: Sendable>: Sendable {
    private struct Entries {
        var byID: [String: (text: String, value: Value)] = [:]
        /// Ids in the order they were first remembered; the oldest is forgotten when the cache is full.
        var ring: [String?]
        var next = 0
    }

    private let entries: Mutex<Entries>

    init(capacity: Int) {
        entries = Mutex(Entries(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    /// The value `text` decodes to: remembered if this exact text was decoded or written before, else decoded now.
    func value(id: String, text: String, decode: (String) throws -> Value) rethrows -> Value {
        if let hit = entries.withLock({ $0.byID[id] }), hit.text == text { return hit.value }
        let value = try decode(text)
        remember(id: id, text: text, value: value)
        return value
    }

    /// Remembers the text just written for `value`, which decodes back to it: the next step's read of the
    /// record then decodes nothing. If the write never lands, the stored text differs and the entry misses.
    func remember(id: String, text: String, value: Value) {
        entries.withLock { entries in
            if entries.byID.updateValue((text, value), forKey: id) == nil {
                if let oldest = entries.ring[entries.next] { entries.byID[oldest] = nil }
                entries.ring[entries.next] = id
                entries.next = (entries.next + 1) % entries.ring.count
            }
        }
    }

    var count: Int { entries.withLock { $0.byID.count } }
}
