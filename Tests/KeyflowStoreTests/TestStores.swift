import Foundation
import Keyflow
import KeyflowStore
import Logging

/// The engines every store test runs on: SQLite always, PostgreSQL when `KEYFLOW_TEST_DATABASE_URL` is set.
enum TestStores {
    static var configurations: [StoreConfiguration] {
        var list: [StoreConfiguration] = [.sqliteInMemory]
        if let url = ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"], !url.isEmpty {
            list.append(.postgres(url: url, maxConnectionsPerEventLoop: 4))
        }
        return list
    }

    /// The engines, and PostgreSQL once more with its statements unprepared (as behind a pooler in transaction
    /// mode), where PostgresKit rather than Keyflow's prepared statements turns the bound values into bytes.
    static var configurationsAndUnprepared: [StoreConfiguration] {
        configurations + configurations.compactMap { configuration in
            guard case .postgres(let url, let perLoop, _) = configuration else { return nil }
            return .postgres(url: url, maxConnectionsPerEventLoop: perLoop, preparedStatements: false)
        }
    }

    /// Each engine on a database of its own, for a test whose writes or deletes reach beyond its own rows.
    static func configurationsAlone() throws -> [StoreConfiguration] {
        [.sqliteInMemory] + [try postgresAlone()].compactMap { $0 }
    }

    /// A PostgreSQL configuration on a database of its own, for a test that must be alone on it; nil without
    /// PostgreSQL.
    static func postgresAlone() throws -> StoreConfiguration? {
        guard let url = ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"], !url.isEmpty,
            var components = URLComponents(string: url)
        else { return nil }
        let name = "keyflow_alone_\(UUID().uuidString.prefix(8).lowercased())"
        let psql = Process()
        psql.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        psql.arguments = ["psql", url, "-q", "-c", "CREATE DATABASE \(name)"]
        try psql.run()
        psql.waitUntilExit()
        guard psql.terminationStatus == 0 else { throw StoreError.invalidConfiguration("could not create database \(name)") }
        components.path = "/\(name)"
        return .postgres(url: components.string!, maxConnectionsPerEventLoop: 2)
    }

    /// Opens a migrated store, runs the body, and closes the store whatever happens.
    static func with<T: Sendable>(
        _ configuration: StoreConfiguration, _ body: (Store) async throws -> T
    ) async throws -> T {
        let store = try Store(configuration, logger: Logger(label: "test.store"))
        do {
            try await Migrations.once.run(configuration, store)
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }
}

/// Tests run in parallel; PostgreSQL is shared, so its migrations run once per process (one task that every
/// caller awaits, since an actor alone would let a second caller in while the first one migrates).
actor Migrations {
    static let once = Migrations()
    private var running: [String: Task<Void, any Error>] = [:]

    func run(_ configuration: StoreConfiguration, _ store: Store) async throws {
        guard case .postgres(let url, _, _) = configuration else { return try await store.migrate() }
        if let task = running[url] { return try await task.value }
        let task = Task { try await store.migrate() }
        running[url] = task
        try await task.value
    }
}

/// An organization with one internal user and one client, written to the store.
struct Seed: Sendable {
    let org = Organization(name: "Test Org \(UUID().uuidString.prefix(6))", timeZone: "Europe/Zurich")
    let owner: User
    let client: User
    let now = Date(timeIntervalSince1970: 1_795_000_000)

    init() {
        owner = User(organizationID: org.id, email: "owner-\(UUID())@example.test", name: "Olga", role: .admin)
        client = User(organizationID: org.id, email: "client-\(UUID())@example.test", name: "Carla", role: .client)
    }

    func write(to store: Store) async throws {
        try await store.write { db async throws in
            try await db.insert(org, at: now)
            try await db.insert(owner, passwordHash: "hash", at: now)
            try await db.insert(client, passwordHash: nil, at: now)
        }
    }

    var context: FlowContext {
        FlowContext(now: now, people: [owner.id: owner.person, client.id: client.person], timeZone: .gmt)
    }

    /// The seed written to `store` with one flow of `flow()` stored: the flow.
    func storedFlow(in store: Store) async throws -> Flow {
        try await write(to: store)
        let (flow, _) = try flow()
        try await store.write { try await $0.insert(flow, at: now) }
        return flow
    }

    /// A new open attempt at verifying the flow's first action, as the store records it.
    func attempt(of flow: Flow, dataCenter: String = "US") -> AttemptRecord {
        AttemptRecord(
            id: UUID.random(), organizationID: org.id, flowID: flow.id, actionID: flow.actions[0].id,
            dataCenter: dataCenter, accountID: "acc", executionID: "exe", open: true, createdAt: now,
            nextCheckAt: now.addingTimeInterval(60), checkCount: 0)
    }

    func flow() throws -> (flow: Flow, events: [FlowEvent]) {
        let template = FlowTemplate(
            organizationID: org.id, ownerID: owner.id, name: "T", roles: ["Client"],
            actions: [
                ActionDefinition(type: .todo, title: "One", assignee: .role("Client")),
                ActionDefinition(type: .todo, title: "Two", assignee: .user(owner.id)),
            ], createdAt: now)
        return try Flow.start(
            from: template, name: "Flow", owner: owner.id, members: [FlowMember(userID: client.id, role: "Client")],
            variables: [:], context: context)
    }
}
