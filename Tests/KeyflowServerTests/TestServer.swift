import Foundation
import Hummingbird
import HummingbirdTesting
import Keyflow
import KeyflowServer
import KeyflowStore
import Logging
import NIOCore
import Testing

/// A Keyflow server for one test, on SQLite (a fresh file) or the shared test PostgreSQL, with its own
/// organization and admin.
struct TestServer {
    static var stores: [StoreKind] {
        var kinds: [StoreKind] = [.sqlite]
        if let url = ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"], !url.isEmpty {
            kinds.append(.postgres)
        }
        return kinds
    }

    enum StoreKind: String, CustomTestStringConvertible, Sendable {
        case sqlite, postgres
        var testDescription: String { rawValue }

        func configuration() -> StoreConfiguration {
            switch self {
            case .sqlite:
                .sqlite(path: FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-test-\(UUID()).sqlite").path)
            case .postgres:
                .postgres(url: try! Self.freshPostgresDatabase(), maxConnectionsPerEventLoop: 2)
            }
        }

        /// Each server test gets a database of its own on the test cluster: its job queue and reconciler
        /// must not pick up another test's work (each test has its own in-process sandbox).
        static func freshPostgresDatabase() throws -> String {
            let base = ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"]!
            let name = "keyflow_\(UUID().uuidString.prefix(12).lowercased().replacingOccurrences(of: "-", with: ""))"
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["psql", base, "-q", "-c", "CREATE DATABASE \(name)"]
            try process.run()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else { throw API.Unexpected(description: "could not create database \(name)") }
            var components = URLComponents(string: base)!
            components.path = "/\(name)"
            return components.string!
        }
    }

    var configuration: KeyflowConfiguration
    let admin: Credentials

    struct Credentials: Sendable {
        var email: String
        var password: String
    }

    /// A 32-byte key for sealing secrets in tests.
    static let masterKey = Data((0..<32).map { UInt8($0 * 7 % 251) }).base64EncodedString()

    static func make(_ kind: StoreKind, _ adjust: (inout KeyflowConfiguration) -> Void = { _ in }) async throws
        -> TestServer
    {
        var configuration = KeyflowConfiguration(
            store: kind.configuration(), attachmentMaxBytes: 64 * 1024, bcryptCost: 4, logLevel: .warning,
            masterKey: masterKey,
            jumio: JumioConfiguration(sandboxEnabled: true, sandboxProcessingDelay: .zero, reconcileAfter: 3600),
            jobPollInterval: .milliseconds(20), jobRetry: RetryPolicy(base: 0.05, cap: 0.5),
            reconcileInterval: .milliseconds(50))
        adjust(&configuration)
        let bootstrapConfiguration = configuration
        let admin = Credentials(email: "admin-\(UUID())@example.test", password: "admin-password")
        _ = try await Serialized.migrations.run {
            try await OrganizationBootstrap.create(
                organizationName: "Test Org", timeZone: "Europe/Zurich",
                admin: .init(email: admin.email, name: "Ada Admin", password: admin.password),
                configuration: bootstrapConfiguration)
        }
        return TestServer(configuration: configuration, admin: admin)
    }

    func run<T: Sendable>(
        _ mode: TestingSetup = .router, dependencies: Dependencies = Dependencies(),
        _ body: @Sendable (any TestClientProtocol) async throws -> T
    ) async throws -> T {
        let configuration = self.configuration
        let app = try await Serialized.migrations.run {
            try await buildApplication(configuration, dependencies: dependencies)
        }
        return try await app.test(mode, body)
    }

    /// Opens the server's database beside it, for what the API does not show or offer, and closes it whatever
    /// happens.
    func withStore<T: Sendable>(_ body: (Store) async throws -> T) async throws -> T {
        let store = try Store(configuration.store, logger: Logger(label: "test.store"))
        do {
            let result = try await body(store)
            await store.shutdown()
            return result
        } catch {
            await store.shutdown()
            throw error
        }
    }
}

/// Migrations on the shared PostgreSQL must not run twice at once; this queues them.
/// Each body starts after the previous one has finished (an actor alone would interleave them at awaits).
actor Serialized {
    static let migrations = Serialized()
    private var tail: Task<Void, Never>?

    func run<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> T {
        let previous = tail
        let task = Task {
            await previous?.value
            return try await body()
        }
        tail = Task { _ = try? await task.value }
        return try await task.value
    }
}

/// Small JSON helpers over the test client.
struct API {
    let client: any TestClientProtocol
    var token: String?

    func call(
        _ method: HTTPRequest.Method, _ path: String, json: String? = nil, headers: HTTPFields = [:]
    ) async throws -> TestResponse {
        var fields = headers
        if let token { fields[.authorization] = "Bearer \(token)" }
        if json != nil { fields[.contentType] = "application/json" }
        return try await client.execute(
            uri: path, method: method, headers: fields, body: json.map { ByteBuffer(string: $0) })
    }

    func object(_ method: HTTPRequest.Method, _ path: String, json: String? = nil, expect status: HTTPResponse.Status)
        async throws -> [String: Any]
    {
        let response = try await call(method, path, json: json)
        let text = String(buffer: response.body)
        guard response.status == status else {
            throw Unexpected(description: "\(method) \(path): expected \(status.code), got \(response.status.code) \(text)")
        }
        return (try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any]) ?? [:]
    }

    func signedIn(_ email: String, _ password: String) async throws -> API {
        let session = try await object(
            .post, "/api/v1/sessions", json: #"{"email": "\#(email)", "password": "\#(password)"}"#, expect: .created)
        var copy = self
        copy.token = session["token"] as? String
        return copy
    }

    /// The signed-in user's id.
    func userID() async throws -> String {
        guard let id = try await object(.get, "/api/v1/me", expect: .ok)[string: "id"] else {
            throw Unexpected(description: "GET /api/v1/me has no id")
        }
        return id
    }

    /// Starts an instant flow of To-Dos, each assigned to the signed-in user: the flow as the API shows it.
    func todoFlow(named name: String, titles: [String]) async throws -> [String: Any] {
        let me = try await userID()
        let actions = titles.map { #"{"type": "todo", "title": "\#($0)", "assignee": {"userId": "\#(me)"}}"# }
        return try await object(
            .post, "/api/v1/flows", json: #"{"name": "\#(name)", "actions": [\#(actions.joined(separator: ", "))]}"#,
            expect: .created)
    }

    /// Adds a client (as an admin) and signs them in: their id, and an API acting as them.
    func addClient(name: String = "Carla Client", locale: String? = nil) async throws -> (id: String, api: API) {
        let email = "client-\(UUID())@example.test"
        let chosen = locale.map { #", "locale": "\#($0)""# } ?? ""
        let user = try await object(
            .post, "/api/v1/users",
            json: #"{"email": "\#(email)", "name": "\#(name)", "role": "client", "password": "client-password"\#(chosen)}"#,
            expect: .created)
        guard let id = user[string: "id"] else { throw Unexpected(description: "the new user has no id") }
        return (id, try await API(client: client).signedIn(email, "client-password"))
    }

    struct Unexpected: Error, CustomStringConvertible { var description: String }
}

extension Dictionary where Key == String, Value == Any {
    subscript(string key: String) -> String? { self[key] as? String }
    subscript(list key: String) -> [[String: Any]] { (self[key] as? [[String: Any]]) ?? [] }
}
