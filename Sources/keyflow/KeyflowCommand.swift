import ArgumentParser
import Foundation
import Hummingbird
import JumioKit
import JumioSandbox
import KeyflowServer

@main
struct KeyflowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyflow",
        abstract: "Client workflow workspaces with built-in identity verification.",
        subcommands: [Serve.self, Migrate.self, CreateOrganization.self, Sandbox.self],
        defaultSubcommand: Serve.self)
}

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the Keyflow server.")

    @Flag(help: "Seed a demo organization on first start (same as KEYFLOW_DEMO=true).")
    var demo = false

    @Option(help: "Port to listen on (overrides KEYFLOW_PORT).")
    var port: Int?

    func run() async throws {
        var configuration = try KeyflowConfiguration(
            environment: ProcessInfo.processInfo.environment, demo: demo ? true : nil)
        KeyflowLogging.bootstrap(format: configuration.logFormat)
        if let port {
            configuration.port = port
            if ProcessInfo.processInfo.environment["KEYFLOW_PUBLIC_URL"] == nil {
                configuration.publicURL = "http://\(configuration.host):\(port)"
            }
        }
        let app = try await buildApplication(configuration)
        var hint = "Keyflow is listening on \(configuration.publicURL)\n"
        if configuration.demo {
            hint += "Demo: sign in as admin@example.com or client@example.com with the password keyflow-demo\n"
        }
        // Unbuffered, so the hint shows at once even when output goes to a file or a pipe.
        FileHandle.standardOutput.write(Data(hint.utf8))
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

struct CreateOrganization: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "create-organization", abstract: "Create an organization and its first admin.")

    @Option(help: "The organization's name.") var name: String
    @Option(help: "IANA time zone that due dates are computed in.") var timeZone = "UTC"
    @Option(help: "The admin's email address.") var adminEmail: String
    @Option(help: "The admin's name.") var adminName: String
    @Option(help: "Environment variable holding the admin's password (kept off the command line).")
    var passwordVariable = "KEYFLOW_ADMIN_PASSWORD"

    func run() async throws {
        let environment = ProcessInfo.processInfo.environment
        guard let password = environment[passwordVariable], !password.isEmpty else {
            throw ValidationError("set \(passwordVariable) to the admin's password")
        }
        let configuration = try KeyflowConfiguration(environment: environment)
        let (organization, admin) = try await OrganizationBootstrap.create(
            organizationName: name, timeZone: timeZone,
            admin: .init(email: adminEmail, name: adminName, password: password), configuration: configuration)
        print("Created \(organization.name); \(admin.email) can sign in now.")
    }
}

struct Sandbox: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the local Jumio emulator on its own (for tests, demos and benchmarks).")

    @Option(help: "Port to listen on.") var port = 8081
    @Option(help: "Address to listen on.") var host = "127.0.0.1"
    @Option(help: "Accept only this OAuth2 client id (with --client-secret); by default any is accepted.")
    var clientId: String?
    @Option(help: "The secret that goes with --client-id.") var clientSecret: String?
    @Option(help: "Seconds an acquired execution takes to be processed.") var processingSeconds = 2

    func run() async throws {
        let credentials = try clientId.map { id in
            guard let secret = clientSecret else { throw ValidationError("--client-id needs --client-secret") }
            return JumioCredentials(clientID: id, clientSecret: secret)
        }
        let configuration = SandboxConfiguration(
            publicBaseURL: "http://\(host):\(port)", credentials: credentials,
            processingDelay: .seconds(processingSeconds))
        FileHandle.standardOutput.write(Data("Jumio sandbox on http://\(host):\(port)\n".utf8))
        try await buildSandboxApplication(host: host, port: port, configuration: configuration).runService()
    }
}
