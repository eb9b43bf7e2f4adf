/// The value of recently read or written documents, keyed by record id. A hit needs the stored text to be
/// exactly the text remembered, so a stale entry can only miss, never answer wrongly; a flow read twice in one
/// step (to call Jumio, then to change it) is decoded once, and a flow read after this instance saved it is
/// not decoded at all.
final class DecodedDocuments<Value: Sendable>: Sendable {
    private struct Decoded: Sendable {
        var document: DocumentBytes
        var value: Value
    }

    private let entries: RecentEntries<String, Decoded>

    init(capacity: Int) {
        entries = RecentEntries(capacity: capacity)
    }

    /// The value `text` decodes to: remembered if this exact text was decoded or written before, else decoded now.
    func value(id: String, text: String, decode: (String) throws -> Value) rethrows -> Value {
        if let hit = entries[id], hit.document.isText(text) { return hit.value }
        let value = try decode(text)
        remember(id: id, document: DocumentBytes(utf8: Array(text.utf8)), value: value)
        return value
    }

    /// Remembers the document just written for `value`, which decodes back to it: the next step's read of the
    /// record then decodes nothing. If the write never lands, the stored text differs and the entry misses.
    func remember(id: String, document: DocumentBytes, value: Value) {
        entries.remember(Decoded(document: document, value: value), for: id)
    }

    var count: Int { entries.count }
}
