import ArgumentParser
import Foundation
import Hummingbird
import KeyflowServer

@main
struct KeyflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyflow",
        abstract: "Client workflow workspaces with built-in identity verification.",
        subcommands: [Serve.self, Migrate.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Keyflow server.")

    @Flag(help: "Seed a demo organization on first start (same as KEYFLOW_DEMO=true).")
    var demo = false

    @Option(help: "Port to listen on (overrides KEYFLOW_PORT).")
    var port: Int?

    func run() async throws {
        var configuration = try KeyflowConfiguration(environment: ProcessInfo.processInfo.environment)
        if demo { configuration.demo = true }
        if let port {
            configuration.port = port
            if ProcessInfo.processInfo.environment["KEYFLOW_PUBLIC_URL"] == nil {
                configuration.publicURL = "http://\(configuration.host):\(port)"
            }
        }
        let app = try await buildApplication(configuration)
        print("Keyflow is listening on \(configuration.publicURL)")
        if configuration.demo {
            print("Demo: sign in as admin@example.com or client@example.com with the password keyflow-demo")
        }
        try await app.runService()
    }
}

struct Migrate: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Apply pending database migrations and exit.")

    func run() async throws {
        let configuration = try KeyflowConfiguration(environment: ProcessInfo.processInfo.environment)
        try await migrateStore(configuration)
        print("Migrations are up to date.")
    }
}
