/// A storage failure the caller can act on.
public enum StoreError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The row changed under us (another writer won); reload and try again.
    case concurrentUpdate(entity: String, id: String)
    /// A unique value is already taken (an email address, say).
    case duplicate(what: String)
    /// The database URL cannot be used.
    case invalidConfiguration(String)
    /// A stored document no longer decodes; the data needs a look.
    case corruptRecord(entity: String, id: String, reason: String)
    /// A unit of work sent a statement after the one it declared its last (`StoreSession.lastWrite`), which
    /// had already committed: a mistake in Keyflow's code, never in the data.
    case statementAfterLastWrite

    public var description: String {
        switch self {
        case .concurrentUpdate(let entity, let id): "\(entity) \(id) was changed by someone else at the same time"
        case .duplicate(let what): "\(what) is already taken"
        case .invalidConfiguration(let reason): "the database configuration is invalid: \(reason)"
        case .corruptRecord(let entity, let id, let reason): "\(entity) \(id) cannot be read: \(reason)"
        case .statementAfterLastWrite: "a statement came after the write its unit of work declared its last"
        }
    }
}
