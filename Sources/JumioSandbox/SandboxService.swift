import ServiceLifecycle

/// Keeps the sandbox's clock-driven work going: expiries, processing and callback delivery.
public struct SandboxService: Service {
    let sandbox: JumioSandbox

    public init(sandbox: JumioSandbox) { self.sandbox = sandbox }

    public func run() async throws {
        while !Task.isCancelled, !Task.isShuttingDownGracefully {
            await sandbox.tick()
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: sandbox.configuration.tickInterval) }
        }
    }
}
