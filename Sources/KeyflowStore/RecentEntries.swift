import Synchronization

/// A map that holds at most `capacity` entries and forgets the oldest first: the memory behind the store's
/// caches, bounded however long the instance runs.
final class RecentEntries<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    private struct Entries {
        var byKey: [Key: Value] = [:]
        /// Keys in the order they were first remembered; the next slot holds the oldest.
        var ring: [Key?]
        var next = 0
    }

    private let entries: Mutex<Entries>

    init(capacity: Int) {
        entries = Mutex(Entries(ring: Array(repeating: nil, count: max(1, capacity))))
    }

    subscript(key: Key) -> Value? {
        entries.withLock { $0.byKey[key] }
    }

    func remember(_ value: Value, for key: Key) {
        entries.withLock { entries in
            guard entries.byKey.updateValue(value, forKey: key) == nil else { return }
            if let oldest = entries.ring[entries.next] { entries.byKey[oldest] = nil }
            entries.ring[entries.next] = key
            entries.next = (entries.next + 1) % entries.ring.count
        }
    }

    var count: Int { entries.withLock { $0.byKey.count } }
}
