import NIOConcurrencyHelpers
import PostgresNIO

/// Which statements Keyflow runs prepared on PostgreSQL, and under which name, by SQL text and value types.
///
/// PostgresNIO prepares a named statement on each connection the first time it runs there and keeps it for
/// the connection's life, so a name must always stand for the same text and types, and the names are few:
/// at most `limit`, past which statements run unprepared (a multi-row insert is a text per row count).
final class PreparedStatements: Sendable {
    static let limit = 512

    /// A statement as prepared: its text and its values' types (`.null`: left for the server to infer).
    struct Key: Hashable, Sendable {
        var sql: String
        var types: [PostgresDataType]
    }

    enum Use: Equatable {
        /// Run it prepared under `name`; `proven` once it has been prepared and run without error.
        case prepared(name: String, proven: Bool)
        case unprepared
    }

    private enum Entry {
        case named(String, proven: Bool)
        /// The server refused to prepare it (a parameter whose type it cannot infer, say).
        case refused
    }

    private struct Names {
        var entries: [Key: Entry] = [:]
        var issued = 0
    }

    private let names = NIOLockedValueBox(Names())

    func use(_ key: Key) -> Use {
        names.withLockedValue { names in
            switch names.entries[key] {
            case .named(let name, let proven)?: return .prepared(name: name, proven: proven)
            case .refused?: return .unprepared
            case nil:
                guard names.entries.count < Self.limit else { return .unprepared }
                names.issued += 1
                let name = "keyflow_\(names.issued)"
                names.entries[key] = .named(name, proven: false)
                return .prepared(name: name, proven: false)
            }
        }
    }

    /// The statement was prepared and ran: later uses need no precautions.
    func prove(_ key: Key) {
        names.withLockedValue { names in
            if case .named(let name, _)? = names.entries[key] { names.entries[key] = .named(name, proven: true) }
        }
    }

    /// The server will not prepare this statement; it runs unprepared from now on.
    func refuse(_ key: Key) {
        names.withLockedValue { $0.entries[key] = .refused }
    }

    /// A connection on which the statement failed keeps the failure under its name, and a statement whose
    /// table changed under it keeps failing: the next use prepares it afresh under a new name.
    func rename(_ key: Key) {
        _ = names.withLockedValue { $0.entries.removeValue(forKey: key) }
    }
}
