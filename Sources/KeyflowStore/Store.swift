import FluentKit
import FluentPostgresDriver
import FluentSQLiteDriver
import Foundation
import Keyflow
import Logging
import NIOCore
import NIOPosix
import SQLKit
import ServiceLifecycle

/// Keyflow's persistence: one interface over SQLite and PostgreSQL.
///
/// Every query is a method of `StoreSession`; `read` hands out a plain session and `write` one inside a
/// transaction, so a state change and its timeline event commit together or not at all.
public final class Store: Sendable {
    public let engine: StoreEngine
    /// Names this process among the instances sharing a database, so it can ignore its own notifications.
    public let instanceID = UUID()
    let databases: Databases
    /// The connection settings, kept to open the dedicated LISTEN connection on PostgreSQL.
    let postgres: SQLPostgresConfiguration?
    let logger: Logger
    private let eventLoop: any EventLoop
    private let ownsThreadPool: NIOThreadPool?
    /// SQLite's writes, committed in groups (nil on PostgreSQL, whose connections commit side by side).
    private let groupCommit: GroupCommit?
    /// Whether reads have connections of their own (a SQLite file).
    private let hasReaders: Bool
    /// Recently decoded flow documents, shared by every session of this store.
    let decodedFlows = DecodedDocuments<Flow>(capacity: 512)

    public init(
        _ configuration: StoreConfiguration, logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) throws {
        // SQLite calls block: one thread may wait for the disk during a commit while the others serve reads.
        let threadPool = NIOThreadPool(numberOfThreads: 4)
        threadPool.start()
        self.ownsThreadPool = threadPool
        self.engine = configuration.engine
        self.logger = logger
        self.databases = Databases(threadPool: threadPool, on: eventLoopGroup)
        // SQLite allows one writer at a time: a single pooled connection on one event loop serializes all
        // work without busy errors or upgrade deadlocks. PostgreSQL gets a pool on every loop.
        self.eventLoop = configuration.engine == .sqlite ? eventLoopGroup.next() : eventLoopGroup.any()
        var postgresSettings: SQLPostgresConfiguration?
        switch configuration {
        case .sqlite(let path):
            databases.use(
                .sqlite(.file(path), connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
            // In WAL mode readers never wait for the writer, so reads get connections of their own and go on
            // while a group of writes waits for the disk.
            databases.use(
                .sqlite(.file(path), maxConnectionsPerEventLoop: 2, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                as: .sqliteReaders)
        case .sqliteInMemory:
            databases.use(.sqlite(.memory, connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace), as: .sqlite)
        case .postgres(let url, let perLoop):
            let postgres: SQLPostgresConfiguration
            do {
                postgres = try SQLPostgresConfiguration(url: url)
            } catch {
                throw StoreError.invalidConfiguration("KEYFLOW_DATABASE_URL is not a PostgreSQL URL (\(error))")
            }
            postgresSettings = postgres
            databases.use(
                .postgres(
                    configuration: postgres, maxConnectionsPerEventLoop: perLoop,
                    connectionPoolTimeout: .seconds(60), sqlLogLevel: .trace),
                as: .psql)
        }
        self.postgres = postgresSettings
        if case .sqlite = configuration { hasReaders = true } else { hasReaders = false }
        let (databases, loop, engine, origin, flows) = (databases, eventLoop, configuration.engine, instanceID, decodedFlows)
        groupCommit = configuration.engine == .sqlite
            ? GroupCommit(
                database: { databases.database(logger: logger, on: loop)! },
                session: { StoreSession($0, engine: engine, origin: origin, decodedFlows: flows) })
            : nil
    }

    func database(logger: Logger? = nil) -> any Database {
        let loop = engine == .sqlite ? eventLoop : databases.eventLoopGroup.any()
        return databases.database(logger: logger ?? self.logger, on: loop)!
    }

    /// Runs queries outside a transaction.
    public func read<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        try await body(StoreSession(readDatabase(), engine: engine, origin: instanceID, decodedFlows: decodedFlows))
    }

    /// SQLite files have reader connections apart from the writer; in-memory SQLite and PostgreSQL read where
    /// they write.
    private func readDatabase() -> any Database {
        guard hasReaders else { return database() }
        return databases.database(.sqliteReaders, logger: logger, on: databases.eventLoopGroup.any())!
    }

    /// Runs queries in one transaction: all of them commit, or none.
    @discardableResult
    public func write<T: Sendable>(_ body: @escaping @Sendable (StoreSession) async throws -> T) async throws -> T {
        if let groupCommit { return try await groupCommit.write(body) }
        return try await database().transaction { db in
            try await body(StoreSession(db, engine: self.engine, origin: self.instanceID, decodedFlows: self.decodedFlows))
        }
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
        try? await ownsThreadPool?.shutdownGracefully()
    }
}

/// A database handle for one unit of work; all queries are its methods.
public struct StoreSession: Sendable {
    let database: any Database
    public let engine: StoreEngine
    /// The instance this session works for (`Store.instanceID`).
    let origin: UUID
    let decodedFlows: DecodedDocuments<Flow>

    init(_ database: any Database, engine: StoreEngine, origin: UUID, decodedFlows: DecodedDocuments<Flow>) {
        self.database = database
        self.engine = engine
        self.origin = origin
        self.decodedFlows = decodedFlows
    }

    var sql: any SQLDatabase { database as! any SQLDatabase }

    /// `FOR UPDATE` where the engine has row locks; SQLite's single connection already serializes writers.
    var forUpdate: SQLQueryString { engine == .postgres ? " FOR UPDATE" : "" }
}

extension Store: Service {
    /// Keeps the connections open until the service group shuts down, then closes them.
    public func run() async throws {
        try? await gracefulShutdown()
        await shutdown()
    }
}

extension DatabaseID {
    /// The read-only side of a SQLite file: its own pooled connections.
    static let sqliteReaders = DatabaseID(string: "sqlite-readers")
}
