/// Where Keyflow keeps its data: an embedded SQLite file (the default) or a PostgreSQL server (to scale out).
public enum StoreConfiguration: Sendable, Equatable {
    case sqlite(path: String)
    /// An in-memory SQLite database that lives as long as the store; for tests.
    case sqliteInMemory
    case postgres(url: String, maxConnectionsPerEventLoop: Int)

    public var engine: StoreEngine {
        switch self {
        case .sqlite, .sqliteInMemory: .sqlite
        case .postgres: .postgres
        }
    }
}

public enum StoreEngine: String, Sendable {
    case sqlite
    case postgres
}
