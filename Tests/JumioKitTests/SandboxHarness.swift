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
    /// Set when the server stops; before it answered, that means it could not take its port.
    private let stopped = Mutex(false)

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

    /// Serves the sandbox for `body`. A port found free may be taken by another test before the sandbox binds
    /// it; a sandbox that stops before it answers is started again on another port.
    static func with<T: Sendable>(
        credentials: JumioCredentials? = nil, clock: SandboxClock = .live, processingDelay: Duration = .zero,
        _ body: (SandboxHarness) async throws -> T
    ) async throws -> T {
        for _ in 0..<3 {
            let port = try await freePort()
            let configuration = SandboxConfiguration(
                publicBaseURL: "http://127.0.0.1:\(port)/jumio", credentials: credentials, processingDelay: processingDelay,
                tickInterval: .milliseconds(20), callbackRetryBase: .milliseconds(50))
            let harness = SandboxHarness(sandbox: JumioSandbox(configuration: configuration, clock: clock), port: port)
            let group = harness.serviceGroup()
            let running = Task {
                defer { harness.stopped.withLock { $0 = true } }
                try await group.run()
            }
            defer { running.cancel() }
            guard try await harness.waitUntilServing() else { continue }
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
        throw HarnessError(description: "the sandbox could not be started on a free port in three tries")
    }

    /// The sandbox under `/jumio` and the hooks receiver, as one server on `port`.
    private func serviceGroup() -> ServiceGroup {
        let router = Router()
        sandbox.addRoutes(to: router.group("jumio"))
        router.post("hooks/:name") { request, context in
            let name = context.parameters.get("name") ?? ""
            let refuse = self.refusals.withLock { count in
                defer { count = max(count - 1, 0) }
                return count > 0
            }
            if refuse { return Response(status: .serviceUnavailable) }
            let body = try await request.body.collect(upTo: 64 * 1024)
            self.received.withLock { $0[name, default: []].append(Data(buffer: body)) }
            return Response(status: .ok)
        }
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port)),
            services: [SandboxService(sandbox: sandbox)], logger: Logger(label: "test.sandbox"))
        return ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.sandbox")))
    }

    /// Whether the sandbox answers; false as soon as it has stopped (its port was taken).
    private func waitUntilServing() async throws -> Bool {
        let url = endpoints.statusURL
        for _ in 0..<200 {
            if stopped.withLock({ $0 }) { return false }
            if let response = try? await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(1)),
                response.status == .ok
            {
                return true
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        throw HarnessError(description: "the sandbox did not answer at \(url)")
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
