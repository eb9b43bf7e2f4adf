import ArgumentParser
import AsyncHTTPClient
import Foundation

@main
struct BenchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keyflow-bench",
        abstract: "Drives Keyflow's main journey under load and compares it with this machine's limits.",
        discussion: "Starts `keyflow serve` (SQLite, then PostgreSQL when --postgres-url is given) with an in-process Jumio sandbox and prints a table per store; --json writes the same figures to a file.")

    @Option(help: "The keyflow executable to start (default: the one next to this program).")
    var keyflow: String?

    @Option(help: "A PostgreSQL server to benchmark on as well (a database keyflow_bench is created on it).")
    var postgresURL: String?

    @Option(help: "Run on this store only: sqlite or postgres (default: SQLite, and PostgreSQL when --postgres-url is given).")
    var store: String?

    @Option(help: "Flows started, verified and completed per store.") var flows = 5000
    @Option(help: "Requests the generator keeps in flight.") var concurrency = 64
    @Option(help: "Flows whose event stream is watched to time completion.") var watched = 500
    @Option(help: "The fewest milliseconds between the generator's reads of /metrics while it waits for verifications (it reads when a third of the expected rest has passed).")
    var progressInterval = 50
    @Option(help: "Clients holding an event stream open on one workspace for the push test.") var sseClients = 5000
    @Option(help: "Chat messages pushed to them.") var sseMessages = 10
    @Option(help: "Requests to /health for the HTTP limit.") var healthRequests = 50000
    @Option(help: "Seconds each bare database loop runs.") var databaseSeconds = 3
    @Option(help: "Write the figures as JSON to this file.") var json: String?
    @Option(help: "An executable run before and after each measured phase (see bench/callgrind).")
    var phaseCommand: String?
    @Flag(help: "A seconds-long run that only checks the harness works (small counts; figures mean nothing).")
    var smoke = false

    func run() async throws {
        let scale = smoke ? Scale.smoke : Scale(
            flows: flows, concurrency: concurrency, watched: watched, progressInterval: progressInterval, sseClients: sseClients, sseMessages: sseMessages,
            healthRequests: healthRequests, databaseSeconds: databaseSeconds)
        let binary = keyflow ?? URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
            .appendingPathComponent("keyflow").path
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw ValidationError("\(binary) is not an executable; build keyflow first or pass --keyflow")
        }
        var stores: [StoreRun.Engine] = store == "postgres" ? [] : [.sqlite]
        if store != "sqlite", let postgresURL { stores.append(.postgres(try PostgresURL(postgresURL))) }
        guard store == nil || ["sqlite", "postgres"].contains(store), !stores.isEmpty else {
            throw ValidationError("--store takes sqlite or postgres; postgres needs --postgres-url")
        }
        let http = KeyflowAPI.makeHTTPClient(connections: scale.concurrency + 64)
        var reports: [StoreReport] = []
        do {
            for engine in stores {
                let report = try await StoreRun(
                    binary: binary, engine: engine, scale: scale, http: http, phaseCommand: phaseCommand
                ).run()
                // Unbuffered, so each store's table shows as soon as it is done, also when output goes to a file.
                FileHandle.standardOutput.write(Data((report.table() + "\n\n").utf8))
                if smoke { try report.requireEveryArrival(watched: JourneyBenchmark.watchedIndices(flows: scale.flows, watched: scale.watched).count) }
                reports.append(report)
            }
        } catch {
            try? await http.shutdown()
            throw error
        }
        try await http.shutdown()
        if let json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            try encoder.encode(reports).write(to: URL(fileURLWithPath: json))
        }
    }
}

/// How big a run is.
struct Scale: Sendable {
    var flows: Int
    var concurrency: Int
    var watched: Int
    var progressInterval: Int
    var sseClients: Int
    var sseMessages: Int
    var healthRequests: Int
    var databaseSeconds: Int

    static let smoke = Scale(
        flows: 40, concurrency: 8, watched: 10, progressInterval: 50, sseClients: 20, sseMessages: 2, healthRequests: 200, databaseSeconds: 1)
}
