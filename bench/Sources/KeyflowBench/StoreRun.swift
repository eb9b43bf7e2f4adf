import AsyncHTTPClient
import Foundation

/// One store's whole run: a fresh database, `keyflow serve` started and timed, the journey, the push test,
/// the HTTP limit and the database limit.
struct StoreRun {
    enum Engine: Sendable {
        case sqlite
        case postgres(PostgresURL)

        var name: String {
            switch self {
            case .sqlite: "SQLite"
            case .postgres: "PostgreSQL"
            }
        }

        /// PostgreSQL on this machine, whose processes' CPU time can be read beside Keyflow's.
        var isLocalPostgres: Bool {
            guard case .postgres(let url) = self else { return false }
            return ["127.0.0.1", "localhost", "::1"].contains(url.host)
        }
    }

    let binary: String
    let engine: Engine
    let scale: Scale
    let http: HTTPClient
    let phaseCommand: String?

    func run() async throws -> StoreReport {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-bench-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let sandbox = try await BenchSandbox.start()
        var environment = [
            "KEYFLOW_MASTER_KEY": Data((0..<32).map { _ in UInt8.random(in: .min ... .max) }).base64EncodedString(),
            "KEYFLOW_LOG_LEVEL": "warning",
            "KEYFLOW_JUMIO_SANDBOX_URL": sandbox.url,
            "KEYFLOW_JUMIO_INITIATIONS_PER_SECOND": "100000",
            "KEYFLOW_JUMIO_RETRIEVALS_PER_SECOND": "100000",
            "KEYFLOW_SIGN_IN_LIMIT": "100000",
            "KEYFLOW_BCRYPT_COST": "4",
            "KEYFLOW_ADMIN_PASSWORD": JourneyBenchmark.adminPassword,
        ]
        switch engine {
        case .sqlite:
            environment["KEYFLOW_SQLITE_PATH"] = directory.appendingPathComponent("keyflow.sqlite").path
        case .postgres(let server):
            environment["KEYFLOW_DATABASE_URL"] = try await server.freshDatabase("keyflow_bench").text
        }
        try ServerUnderTest.runToEnd(
            binary,
            ["create-organization", "--name", "Bench Wealth", "--time-zone", "Europe/Zurich",
             "--admin-email", JourneyBenchmark.adminEmail, "--admin-name", "Ada Admin"],
            environment: environment)
        let server = try await ServerUnderTest.start(
            binary, environment: environment, port: try await freePort(), http: http, phaseCommand: phaseCommand)
        defer { server.stop() }
        try await Task.sleep(for: .seconds(1))
        let idle = server.memory.resident
        let api = try KeyflowAPI(http: http, base: server.base)
        do {
            let journey = try await JourneyBenchmark(
                api: api, server: server, sandbox: sandbox, flows: scale.flows, concurrency: scale.concurrency,
                watched: scale.watched, progressInterval: .milliseconds(scale.progressInterval),
                measuresLocalPostgres: engine.isLocalPostgres
            ).run()
            let push = try await FanOutBenchmark(
                admin: journey.admin, client: journey.client, server: server, flowID: journey.sampleFlowID,
                clients: scale.sseClients, messages: scale.sseMessages
            ).run()
            let healthRequest = LoopSender.Request(head: api.plain.head(.GET, "/health", headers: [], contentLength: 0))
            let healthSender = try await LoopSender(
                http: api.plain, requests: Array(repeating: healthRequest, count: scale.healthRequests), pace: .asAnswered,
                inFlight: scale.concurrency)
            let healthPhase = try server.begin("health")
            let health = try await healthSender.run().result
            let healthCPU = try server.end(healthPhase, operations: scale.healthRequests)
            // The same request at the callbacks' target rate, paced as they are: what latency this machine, its
            // HTTP stack and the generator allow at that rate with no work behind the answer.
            let pacedHealthSender = try await LoopSender(
                http: api.plain, requests: Array(repeating: healthRequest, count: scale.flows),
                pace: .perSecond(JourneyBenchmark.targetCallbackRate), inFlight: 4 * scale.concurrency)
            let (pacedHealth, pacedHealthCPU) = try await CPUAtRate.measuring(
                server, includingPostgres: engine.isLocalPostgres, requests: scale.flows
            ) { try await pacedHealthSender.run().result }
            let peak = server.memory.peak
            server.stop()
            await sandbox.stop()
            let duration = Duration.seconds(scale.databaseSeconds)
            let database = switch engine {
            case .sqlite: try await DatabaseLimit.sqlite(directory: directory, duration: duration)
            case .postgres(let server):
                try await DatabaseLimit.postgres(
                    try await server.freshDatabase("keyflow_bench_limit"), connections: scale.concurrency, duration: duration)
            }
            let figures = journey.figures
            return StoreReport(
                store: engine.name, startToReadyMs: milliseconds(server.startToReady), idleResidentMiB: idle,
                flowsStarted: .init(figures.flowsStarted), verificationsStarted: .init(figures.verificationsStarted),
                callbacksAccepted: .init(figures.callbacks), repeatedCallbacksAccepted: .init(figures.repeatedCallbacks),
                callbacksAtTargetRate: .init(figures.callbacksAtTargetRate), cpuAtTargetRate: figures.cpuAtTargetRate,
                cpuMicrosecondsPerRepeatedCallback: figures.cpuMicrosecondsPerRepeatedCallback,
                verificationsCompletedPerSecond: figures.verificationsPerSecond,
                completionP50: figures.completion.p50, completionP99: figures.completion.p99,
                completionSamples: figures.completion.count, cpuMsPerVerification: figures.cpuMillisecondsPerVerification,
                generatorCpuMsPerVerification: figures.generatorCPUMillisecondsPerVerification,
                databaseCpuMsPerVerification: figures.databaseCPUMillisecondsPerVerification,
                cores: ProcessInfo.processInfo.activeProcessorCount,
                ssePush: .init(clients: push.clients, p50: push.latencies.p50, p99: push.latencies.p99, missing: push.missing),
                residentWithStreamsMiB: push.residentWithStreams, cpuMicrosecondsPerPush: push.cpuMicrosecondsPerPush, peakResidentMiB: peak, health: .init(health),
                cpuMicrosecondsPerHealth: healthCPU * 1_000_000 / Double(max(1, scale.healthRequests)),
                healthAtTargetRate: .init(pacedHealth), healthCpuAtTargetRate: pacedHealthCPU,
                databaseTransactionsPerSecond: database)
        } catch {
            await sandbox.stop()
            let log = (try? String(contentsOf: server.log, encoding: .utf8)) ?? ""
            throw KeyflowAPI.Failure(description: "\(engine.name): \(error)\n--- keyflow serve's log (last lines) ---\n\(log.suffix(4000))")
        }
    }
}
