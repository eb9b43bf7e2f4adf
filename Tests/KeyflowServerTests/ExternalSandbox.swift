import Foundation
import Hummingbird
import JumioSandbox
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// A Jumio sandbox running as a server of its own, for tests in which Keyflow restarts but Jumio does not.
enum ExternalSandbox {
    static func with<T: Sendable>(_ body: (String) async throws -> T) async throws -> T {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .bind(host: "127.0.0.1", port: 0).get()
        let port = channel.localAddress?.port ?? 0
        try await channel.close()
        let url = "http://127.0.0.1:\(port)"
        let app = buildSandboxApplication(
            host: "127.0.0.1", port: port,
            configuration: SandboxConfiguration(publicBaseURL: url, processingDelay: .zero, tickInterval: .milliseconds(20)))
        let group = ServiceGroup(configuration: .init(services: [app], logger: Logger(label: "test.sandbox")))
        let running = Task { try await group.run() }
        defer { running.cancel() }
        for _ in 0..<200 {
            if (try? await HTTPClientProbe.ok("\(url)/status")) == true { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        let result = try await body(url)
        await group.triggerGracefulShutdown()
        _ = try? await running.value
        return result
    }
}

import AsyncHTTPClient

enum HTTPClientProbe {
    static func ok(_ url: String) async throws -> Bool {
        let response = try await HTTPClient.shared.execute(HTTPClientRequest(url: url), timeout: .seconds(1))
        return response.status == .ok
    }
}
