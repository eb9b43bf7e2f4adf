/// Where Keyflow keeps its data: an embedded SQLite file (the default) or a PostgreSQL server (to scale out).
public enum StoreConfiguration: Sendable, Equatable {
    case sqlite(path: String)
    /// A throwaway SQLite database (in shared memory where the system has it), deleted at shutdown; for tests.
    case sqliteInMemory
    /// `preparedStatements`: each statement prepared once per connection (see `PostgresStatements`); off for a
    /// connection pooler in transaction mode that does not carry prepared statements between its connections.
    case postgres(url: String, maxConnectionsPerEventLoop: Int, preparedStatements: Bool = true)

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
