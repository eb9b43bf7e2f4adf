import AsyncHTTPClient
import Foundation
import Hummingbird
import JumioKit
import JumioSandbox
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Synchronization

/// The sandbox served over real HTTP on loopback under `/jumio`, beside a `/hooks/{name}` receiver that
/// records the callbacks it gets (and can refuse the first few).
final class SandboxHarness: Sendable {
    let sandbox: JumioSandbox
    let port: Int
    let received = Mutex<[String: [Data]]>([:])
    let refusals = Mutex<Int>(0)

    var baseURL: String { "http://127.0.0.1:\(port)/jumio" }
    var endpoints: JumioEndpoints { .custom(baseURL: baseURL) }
    func hook(_ name: String) -> String { "http://127.0.0.1:\(port)/hooks/\(name)" }

    func connection(id: String = "keyflow-test", secret: String = "s3cr3t-value") -> JumioConnection {
        JumioConnection(endpoints: endpoints, credentials: JumioCredentials(clientID: id, clientSecret: secret))
    }

    func callbacks(_ name: String) -> [JumioCallback] {
        received.withLock { $0[name] ?? [] }.compactMap { try? JumioCallback.decode($0) }
    }

    /// Waits (briefly, polling) until `condition` holds; returns whether it did.
    func eventually(_ condition: () -> Bool) async -> Bool {
        for _ in 0..<200 {
            if condition() { return true }
            try? await Task.sleep(for: .milliseconds(25))
        }
        return condition()
    }

    private init(sandbox: JumioSandbox, port: Int) {
        self.sandbox = sandbox
        self.port = port
    }

    static func with<T: Sendable>(
        credentials: JumioCredentials? = nil, clock: SandboxClock = .live, processingDelay: Duration = .zero,
        _ body: (SandboxHarness) async throws -> T
    ) async throws -> T {
        let port = try await freePort()
        let configuration = SandboxConfiguration(
            publicBaseURL: "http://127.0.0.1:\(port)/jumio", credentials: credentials, processingDelay: processingDelay,
            tickInterval: .milliseconds(20), callbackRetryBase: .milliseconds(50))
        let harness = SandboxHarness(sandbox: JumioSandbox(configuration: configuration, clock: clock), port: port)
        let router = Router()
        harness.sandbox.addRoutes(to: router.group("jumio"))
        router.post("hooks/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            let refuse = harness.refusals.withLock { count in
                defer { count = max(count - 1, 0) }
                return count > 0
            }
            if refuse { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 64 * 1024)
            harness.received.withLock { $0[name, default: []].append(Data(buffer: body)) }
            return Response(status: .ok)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            services: [SandboxService(sandbox: harness.sandbox)], logger: Logger(label: "test.sandbox"))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.sandbox")))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        try await waitUntilServing(harness.endpoints.statusURL)
        do {
            let result = try await body(harness)
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            return result
        } catch {
            await group.triggerGracefulShutdown()
            _ = try? await running.value
            throw error
        }
    }

    private static func waitUntilServing(_ url: String) async throws {
        for _ in 0..<200 {
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(1)),
                response.status == .ok
            {
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError(description: "the sandbox did not start at \(url)")
    }

    static func freePort() async throws -> Int {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        return port
    }

    struct HarnessError: Error, CustomStringConvertible { var description: String }
}

/// A clock the test moves by hand.
final class ManualClock: Sendable {
    private let current: Mutex<Date>

    init(_ start: Date = Date(timeIntervalSince1970: 1_795_000_000)) { current = Mutex(start) }

    var now: Date { current.withLock { $0 } }
    func advance(by seconds: TimeInterval) { current.withLock { $0 += seconds } }
    var sandboxClock: SandboxClock { SandboxClock { self.now } }
}

extension JumioClient {
    /// A client that retries without real waiting and is not paced, for fast tests.
    static func forTests(maximumAttempts: Int = 4, userAgent: String = "Keyflow/test") -> JumioClient {
        JumioClient(
            configuration: JumioClientConfiguration(
                userAgent: userAgent, timeout: .seconds(10), maximumAttempts: maximumAttempts,
                initiationsPerSecond: 10_000, initiationBurst: 10_000, retrievalsPerSecond: 10_000, retrievalBurst: 10_000),
            sleep: { _ in })
    }
}
