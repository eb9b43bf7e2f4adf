import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Keyflow
import Logging
import NIOCore
import NIOPosix
import PostgresKit
import PostgresNIO
import SQLKit
import ServiceLifecycle

/// Keyflow's persistence: one interface over SQLite and PostgreSQL.
///
/// Every query is a method of `StoreSession`; `read` hands out a plain session and `write` one inside a
/// transaction, so a state change and its timeline event commit together or not at all.
public final class Store: Sendable {
    public let engine: StoreEngine
    /// Names this process among the instances sharing a database: its notifications, so it can ignore its own,
    /// and its PostgreSQL sessions (`application_name`), so it can tell whether it is alone.
    public let instanceID: UUID
    let databases: Databases
    /// The connection settings, kept to open the dedicated LISTEN connection on PostgreSQL.
    let postgres: SQLPostgresConfiguration?
    let logger: Logger
    private let eventLoop: any EventLoop
    private let ownsThreadPool: NIOThreadPool?
    /// SQLite's writes, committed in groups (nil on PostgreSQL, whose connections commit side by side).
    private let groupCommit: GroupCommit?
    /// SQLite's write connection and its read connections (nil on PostgreSQL).
    private let writer: SQLiteHandle?
    private let readers: SQLiteReaders?
    /// The file behind `.sqliteInMemory`, deleted at shutdown.
    private let scratchFile: String?
    /// The statements Keyflow runs prepared on PostgreSQL; nil when they run unprepared.
    private let preparedStatements: PreparedStatements?
    /// PostgreSQL's pool as seen from each event loop, made once: FluentKit makes a new database value (and a
    /// logger with its metadata) on every request for one.
    private let postgresPools: [any PostgresDatabase]
    /// What every session of this store remembers between units of work.
    let memory = StoreMemory()

    public init(
        _ configuration: StoreConfiguration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        // The SQLite calls that may wait — BEGIN IMMEDIATE for another process's lock, COMMIT for the disk —
        // and the migrator's run here, never on the cooperative threads.
        let threadPool = NIOThreadPool(numberOfThreads: 4)
        threadPool.start()
        self.ownsThreadPool = threadPool
        self.engine = configuration.engine
        self.logger = logger
        let instanceID = UUID.random()
        self.instanceID = instanceID
        self.databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        self.eventLoop = configuration.engine == .sqlite ? eventLoopGroup.next() : eventLoopGroup.any()
        var postgresSettings: SQLPostgresConfiguration?
        var sqlitePath: String?
        var preparing = false
        switch configuration {
        case .sqlite(let path):
            sqlitePath = path
            scratchFile = nil
        case .sqliteInMemory:
            let path = Self.scratchPath()
            sqlitePath = path
            scratchFile = path
        case .postgres(let url, let perLoop, let prepare):
            preparing = prepare
            scratchFile = nil
            var postgres: SQLPostgresConfiguration
            do {
                postgres = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.invalidConfiguration("KEYFLOW_DATABASE_URL is not a PostgreSQL URL (\(error))")
            }
            postgres.coreConfiguration.options.additionalStartupParameters.append(
                ("application_name", Self.applicationName(instanceID)))
            postgresSettings = postgres
            databases.use(
                .postgres(
                    configuration: postgres, maxConnectionsPerEventLoop: perLoop,
                    connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                as: .psql)
        }
        self.postgres = postgresSettings
        preparedStatements = preparing ? PreparedStatements() : nil
        let databases = self.databases
        postgresPools =
            postgresSettings == nil
            ? []
            : eventLoopGroup.makeIterator().map { databases.database(logger: logger, on: $0) as! any PostgresDatabase }
        if let sqlitePath {
            // The migrator works through Fluent on a connection of its own.
            databases.use(.sqlite(.file(sqlitePath), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
            // All writes go through one connection of Keyflow's own, committed in groups. In WAL mode readers
            // never wait for the writer, so reads get connections of their own and go on while a group of
            // writes waits for the disk.
            let writer = SQLiteDirect(handle: try SQLiteHandle(path: sqlitePath), logger: logger, eventLoop: eventLoop)
            self.writer = writer.handle
            readers = try SQLiteReaders(path: sqlitePath, count: min(System.coreCount, SQLiteReaders.maximum))
            let (engine, origin, shared) = (configuration.engine, instanceID, memory)
            groupCommit = GroupCommit(writer: writer, threadPool: threadPool) {
                StoreSession($0, engine: engine, origin: origin, memory: shared)
            }
        } else {
            writer = nil
            readers = nil
            groupCommit = nil
        }
    }

    /// A throwaway database for `.sqliteInMemory`: a file in shared memory when the system has it, so it
    /// behaves exactly like the default store (WAL, readers beside the writer) at memory's speed.
    private static func scratchPath() -> String {
        var isDirectory: ObjCBool = false
        let shared = FileManager.default.fileExists(atPath: "/dev/shm", isDirectory: &isDirectory) && isDirectory.boolValue
        let directory = shared ? "/dev/shm" : FileManager.default.temporaryDirectory.path
        return "\(directory)/keyflow-\(UUID.random().uuidString.lowercased()).sqlite"
    }

    func database(logger: Logger? = nil) -> any Database {
        let loop = engine == .sqlite ? eventLoop : databases.eventLoopGroup.any()
        return databases.database(logger: logger ?? self.logger, on: loop)!
    }

    /// Runs queries outside a transaction. SQLite has reader connections apart from the writer; PostgreSQL
    /// reads on a connection of its pool.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        if let readers {
            let reader = SQLiteDirect(handle: readers.next(), logger: logger, eventLoop: eventLoop)
            return try await body(session(reader))
        }
        return try await withPostgresConnection { try await body(self.session($0)) }
    }

    /// Runs queries in one transaction: all of them commit, or none.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        if let groupCommit { return try await groupCommit.write(body) }
        return try await withPostgresConnection { connection in
            try await connection.raw("BEGIN").run()
            return try await self.unit(connection.insideTransaction, body)
        }
    }

    /// As `write`, for a unit of work that reads first and then writes, and whose flow saves may be checked
    /// by the statement that makes them. On PostgreSQL its reads run before any transaction (a flow read for a
    /// change is not locked), its writes are held, and `BEGIN` is sent only if something must be sent before
    /// the unit's last write (`StoreSession.lastWrite`): a change then costs its reads and one statement,
    /// without `BEGIN` and `COMMIT` and the lock's write to the flow's row. If someone saved the flow meanwhile
    /// that statement fails as a whole, and the unit runs again as a `write`, whose lock lets nobody in
    /// between. On SQLite a flow read before the unit (`flowForChange(_:readBefore:)`) is checked by its save
    /// in the same way, and a unit whose save finds the flow changed runs again. The second run reads afresh
    /// (`StoreSession.readsAfresh`). `body` may therefore run twice; it must do nothing but through
    /// `StoreSession` that a second run would not set right.
    @discardableResult
    public func writeOptimistically<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws
        -> T
    {
        do {
            return try await writeOptimisticallyOnce(body)
        } catch StoreError.concurrentUpdate where groupCommit != nil {
            return try await write { try await body($0.readingAfresh) }
        } catch let error as PSQLError where Self.savedMeanwhile(error) {
            return try await write { try await body($0.readingAfresh) }
        }
    }

    /// As `writeOptimistically`, without the second run: when a flow was saved meanwhile the unit throws, having
    /// stored nothing. For a unit of several flows' changes, whose caller then makes each on its own (a second
    /// run under the flows' locks could meet another doing the same in the other order).
    public func writeOptimisticallyOnce<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T)
        async throws -> T
    {
        if let groupCommit { return try await groupCommit.write(body) }
        return try await withPostgresConnection { try await self.unit($0.beginningWhenNeeded, body) }
    }

    /// Someone saved the flow since it was read (the version check), or removed it (its events' foreign key).
    private static func savedMeanwhile(_ error: PSQLError) -> Bool {
        ["40001", "23503"].contains(error.serverInfo?[.sqlState])
    }

    private func unit<T: Sendable>(_ sql: PostgresStatements, _ body: @escaping @Sendable (StoreSession) async throws -> T)
        async throws -> T
    {
        do {
            let value = try await body(session(sql))
            try await sql.commit()
            return value
        } catch {
            try? await sql.rollback()
            throw error
        }
    }

    private func session(_ sql: any SQLDatabase) -> StoreSession {
        StoreSession(sql, engine: engine, origin: instanceID, memory: memory)
    }

    /// One connection of the PostgreSQL pool for `body`; its statements are prepared once per connection unless
    /// the configuration turns that off.
    private func withPostgresConnection<T: Sendable>(
        _ body: @escaping @Sendable (PostgresStatements) async throws -> T
    ) async throws -> T {
        let (pool, prepared, logger) = (postgresPools.randomElement()!, preparedStatements, logger)
        return try await pool.withConnection { connection in
            let promise = connection.eventLoop.makePromise(of: T.self)
            Task(executorPreference: EventLoopTaskExecutor(connection.eventLoop)) {
                do {
                    promise.succeed(
                        try await body(
                            PostgresStatements(connection: connection, prepared: prepared, logger: logger)))
                } catch {
                    promise.fail(error)
                }
            }
            return promise.futureResult
        }.get()
    }

    /// Applies every migration not applied yet. Safe to run on every start, by several processes at once:
    /// on PostgreSQL they take turns under an advisory lock, all on one connection.
    public func migrate() async throws {
        let engine = self.engine
        try await database().withConnection { connection in
            let sql = connection as! any SQLDatabase
            if engine == .postgres { try await sql.raw("SELECT pg_advisory_lock(\(unsafeRaw: Self.migrationLock))").run() }
            do {
                let migrator = Migrator(
                    databaseFactory: { _ in connection }, migrations: Self.migrations, on: connection.eventLoop)
                try await migrator.setupIfNeeded().get()
                try await migrator.prepareBatch().get()
                if engine == .postgres {
                    try await sql.raw("SELECT pg_advisory_unlock(\(unsafeRaw: Self.migrationLock))").run()
                } else {
                    // WAL lets readers in other processes (backups, the CLI) work while the server writes.
                    try await sql.raw("PRAGMA journal_mode=WAL").run()
                }
            } catch {
                if engine == .postgres {
                    try? await sql.raw("SELECT pg_advisory_unlock(\(unsafeRaw: Self.migrationLock))").run()
                }
                throw error
            }
        }
    }

    /// An arbitrary constant naming Keyflow's migration lock among the database's advisory locks.
    static let migrationLock = "7270001"

    /// Whether every known migration has been applied.
    public func migrationsAreCurrent() async throws -> Bool {
        let migrator = Migrator(databases: databases, migrations: Self.migrations, logger: logger, on: eventLoop)
        return try await migrator.previewPrepareBatch().get().isEmpty
    }

    public func shutdown() async {
        await databases.shutdownAsync()
        writer?.close()
        readers?.close()
        try? await ownsThreadPool?.shutdownGracefully()
        if let scratchFile {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: scratchFile + suffix) }
        }
    }
}

/// A database handle for one unit of work; all queries are its methods.
public struct StoreSession: Sendable {
    let sql: any SQLDatabase
    public let engine: StoreEngine
    /// The instance this session works for (`Store.instanceID`).
    let origin: UUID
    let memory: StoreMemory
    /// Set in an optimistic unit's second run: a flow read before the unit is not taken (see
    /// `flowForChange(_:readBefore:)`).
    private(set) var readsAfresh = false

    init(_ sql: any SQLDatabase, engine: StoreEngine, origin: UUID, memory: StoreMemory) {
        self.sql = sql
        self.engine = engine
        self.origin = origin
        self.memory = memory
    }

    var readingAfresh: StoreSession {
        var session = self
        session.readsAfresh = true
        return session
    }

    /// Runs `body`, whose first write is to be the unit's last (see `Store.writeOptimistically`): on PostgreSQL
    /// in a unit not yet begun, that write goes with everything held as one statement that commits itself, and
    /// nothing may follow it. Elsewhere `body` simply runs.
    public func lastWrite<T: Sendable>(_ body: (StoreSession) async throws -> T) async throws -> T {
        (sql as? PostgresStatements)?.endWithNextWrite()
        return try await body(self)
    }

    /// Sends the writes carried so far (see `carry`), before a write that reads rows they may have written.
    func sendCarriedWrites() async throws {
        try await (sql as? PostgresStatements)?.sendHeldWrites()
    }

    /// Runs a write whose outcome nothing waits for: on PostgreSQL, inside a transaction, it travels with the
    /// transaction's next write instead of costing a round trip of its own (see `CarriedWrites`), so it must
    /// touch no row that write touches; elsewhere (a SQLite statement costs no round trip) it runs now.
    func carry(_ write: SQLQueryString) async throws {
        if let postgres = sql as? PostgresStatements {
            try await postgres.carry(write)
        } else {
            try await sql.raw(write).run()
        }
    }
}

extension Store: Service {
    /// Keeps the connections open until the service group shuts down, then closes them.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}
