import Keyflow

/// What a store's sessions remember between units of work. Nothing here can answer wrongly: a flow's entry is
/// used only while the stored text is the text remembered, and a callback token's attempt never changes.
final class StoreMemory: Sendable {
    /// Recently decoded flow documents.
    let flows = DecodedDocuments<Flow>(capacity: 512)
    /// The attempts of recently seen callback tokens, by the token's hash, as read from the database (never
    /// filled when an attempt is inserted, whose transaction may fail; and `storeCallbacks` stores nothing
    /// about an attempt it does not find). Jumio calls back several times per attempt within minutes, and
    /// repeats itself, so the later callbacks need no look-up; the bound keeps a few megabytes at most.
    let callbackTargets = RecentEntries<String, CallbackTarget>(capacity: 16_384)
    /// Whether another instance may be listening for this one's notices (PostgreSQL).
    let presence = InstancePresence()
}

extension StoreMemory {
    /// Whether a change on `engine` tells other instances of its events: on PostgreSQL, unless this instance
    /// knows it is alone on its database (`InstancePresence`); SQLite has one process and nobody to tell.
    func announcesEvents(on engine: StoreEngine) -> Bool { engine == .postgres && presence.othersMayListen }
}
