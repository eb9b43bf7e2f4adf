import Foundation
import Hummingbird
import JumioSandbox
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// The Jumio sandbox as a server in the load generator's process: it answers Keyflow's account creations and
/// retrievals, decides at once, and holds its callbacks so the generator can send and time them.
final class BenchSandbox: Sendable {
    let sandbox: JumioSandbox
    let url: String
    private let running: Task<Void, any Error>
    private let group: ServiceGroup

    private init(sandbox: JumioSandbox, url: String, running: Task<Void, any Error>, group: ServiceGroup) {
        self.sandbox = sandbox
        self.url = url
        self.running = running
        self.group = group
    }

    static func start() async throws -> BenchSandbox {
        let port = try await freePort()
        let url = "http://127.0.0.1:\(port)"
        var logger = Logger(label: "bench.sandbox")
        logger.logLevel = .warning
        let sandbox = JumioSandbox(
            configuration: SandboxConfiguration(
                publicBaseURL: url, processingDelay: .zero, tickInterval: .seconds(1), holdsCallbacks: true),
            logger: logger)
        let router = Router()
        sandbox.addRoutes(to: router.group())
        let app = Application(
            router: router, configuration: .init(address: .hostname("127.0.0.1", port: port), serverName: "Jumio sandbox"),
            services: [SandboxService(sandbox: sandbox)], logger: logger)
        let group = ServiceGroup(configuration: .init(services: [app], logger: logger))
        let running = Task { try await group.run() }
        for _ in 0..<500 {
            if await isListening(port) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return BenchSandbox(sandbox: sandbox, url: url, running: running, group: group)
    }

    func stop() async {
        await group.triggerGracefulShutdown()
        _ = try? await running.value
    }
}

func freePort() async throws -> Int {
    let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton).bind(host: "127.0.0.1", port: 0).get()
    let port = channel.localAddress?.port ?? 0
    try await channel.close()
    return port
}

func isListening(_ port: Int) async -> Bool {
    guard let channel = try? await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
        .connect(host: "127.0.0.1", port: port).get()
    else { return false }
    try? await channel.close()
    return true
}
