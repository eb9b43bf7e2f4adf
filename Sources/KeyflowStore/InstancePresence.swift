import Synchronization

/// Whether another instance may be listening for this one's timeline notices (PostgreSQL).
///
/// A notice costs PostgreSQL far more than its few bytes: a `NOTIFY` takes a lock at commit that orders every
/// notifying transaction, and wakes each listening backend. With no other instance on the database nobody needs
/// them, so a change leaves its notice out — but only while that is known for sure: this instance's listening
/// connection sees no session on the database but its own connections (`Store.followOtherInstances`). An
/// instance that starts listening says so at once on `InstancePresence.channel`, and anything unsure (no
/// listening connection, a check that failed) counts as "someone may listen".
final class InstancePresence: Sendable {
    /// Where an instance that starts listening says so; the payload is its id.
    static let channel = "keyflow_presence"

    private struct State {
        var othersMayListen = true
        /// Counts what made `othersMayListen` true since a check began, so a check that saw nobody does not
        /// undo news that arrived while it ran.
        var news = 0
    }

    private let state = Mutex(State())

    var othersMayListen: Bool { state.withLock { $0.othersMayListen } }

    /// Another instance said it listens, or this one lost sight of the others.
    func assumeOthers() {
        state.withLock { state in
            state.othersMayListen = true
            state.news += 1
        }
    }

    /// Marks the start of a check of the sessions on the database.
    func checkBegins() -> Int { state.withLock { $0.news } }

    /// The outcome of the check begun at `mark`, unless news came in meanwhile.
    func checked(othersPresent: Bool, since mark: Int) {
        state.withLock { state in
            if state.news == mark { state.othersMayListen = othersPresent }
        }
    }
}
