import Foundation
import Logging
import NIOCore
import NIOPosix
import PostgresNIO
import SQLiteNIO
import Synchronization

/// The machine's own limit for durable writes: one-row insert transactions in a loop, with the settings
/// Keyflow uses (SQLite in WAL mode with synchronous=FULL on one connection; PostgreSQL with as many
/// connections as the generator has requests in flight, so its group commit can work).
enum DatabaseLimit {
    static func sqlite(directory: URL, duration: Duration) async throws -> Double {
        let path = directory.appendingPathComponent("limit.sqlite").path
        let connection = try await SQLiteConnection.open(storage: .file(path: path))
        for statement in [
            "PRAGMA journal_mode=WAL", "PRAGMA synchronous=FULL",
            "CREATE TABLE IF NOT EXISTS limit_rows (id INTEGER PRIMARY KEY, body TEXT NOT NULL)",
        ] {
            _ = try await connection.query(statement, [])
        }
        let clock = ContinuousClock()
        let start = clock.now
        var transactions = 0
        while clock.now - start < duration {
            _ = try await connection.query("BEGIN IMMEDIATE", [])
            _ = try await connection.query("INSERT INTO limit_rows (body) VALUES (?)", [.text(String(repeating: "x", count: 200))])
            _ = try await connection.query("COMMIT", [])
            transactions += 1
        }
        let rate = Double(transactions) / seconds(clock.now - start)
        try await connection.close()
        return rate
    }

    static func postgres(_ url: PostgresURL, connections: Int, duration: Duration) async throws -> Double {
        try await url.withClient(connections: connections) { client in
            try await client.query("CREATE TABLE IF NOT EXISTS limit_rows (id BIGSERIAL PRIMARY KEY, body TEXT NOT NULL)")
            let clock = ContinuousClock()
            let start = clock.now
            let body = String(repeating: "x", count: 200)
            let total = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<connections {
                    group.addTask {
                        var transactions = 0
                        while clock.now - start < duration {
                            try await client.withConnection { connection in
                                try await connection.query("BEGIN", logger: PostgresURL.quiet)
                                try await connection.query("INSERT INTO limit_rows (body) VALUES (\(body))", logger: PostgresURL.quiet)
                                try await connection.query("COMMIT", logger: PostgresURL.quiet)
                            }
                            transactions += 1
                        }
                        return transactions
                    }
                }
                return try await group.reduce(0, +)
            }
            return Double(total) / seconds(clock.now - start)
        }
    }
}

/// A PostgreSQL server named by a `postgres://` URL, and fresh databases on it for each run.
struct PostgresURL: Sendable {
    static let quiet = Logger(label: "bench.postgres", factory: { _ in SwiftLogNoOpLogHandler() })

    var host: String
    var port: Int
    var user: String
    var password: String?
    var database: String

    init(_ text: String) throws {
        guard let url = URLComponents(string: text), url.scheme?.hasPrefix("postgres") == true, let host = url.host else {
            throw KeyflowAPI.Failure(description: "--postgres-url must look like postgres://user@host:port/database")
        }
        self.host = host
        port = url.port ?? 5432
        user = url.user ?? "postgres"
        password = url.password
        database = String(url.path.dropFirst()).isEmpty ? "postgres" : String(url.path.dropFirst())
    }

    func named(_ database: String) -> PostgresURL {
        var copy = self
        copy.database = database
        return copy
    }

    var text: String {
        let credentials = password.map { "\(user):\($0)" } ?? user
        return "postgres://\(credentials)@\(host):\(port)/\(database)?sslmode=disable"
    }

    /// Drops and creates `name` on this server, and answers its URL.
    func freshDatabase(_ name: String) async throws -> PostgresURL {
        try await withClient(connections: 1) { client in
            try await client.query(PostgresQuery(unsafeSQL: "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"))
            try await client.query(PostgresQuery(unsafeSQL: "CREATE DATABASE \(name)"))
        }
        return named(name)
    }

    func withClient<T: Sendable>(connections: Int, _ body: @Sendable (PostgresClient) async throws -> T) async throws -> T {
        var configuration = PostgresClient.Configuration(
            host: host, port: port, username: user, password: password, database: database, tls: .disable)
        configuration.options.maximumConnections = max(connections, 1)
        let client = PostgresClient(configuration: configuration, backgroundLogger: Self.quiet)
        let running = Task { await client.run() }
        defer { running.cancel() }
        return try await body(client)
    }
}
