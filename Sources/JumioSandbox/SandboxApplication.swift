import Hummingbird
import Logging

/// The sandbox as a server of its own (`keyflow sandbox --port N`): every path at the root.
public func buildSandboxApplication(
    host: String, port: Int, configuration: SandboxConfiguration, clock: SandboxClock = .live
) -> some ApplicationProtocol {
    let sandbox = JumioSandbox(configuration: configuration, clock: clock)
    let router = Router()
    sandbox.addRoutes(to: router.group())
    return Application(
        router: router, configuration: .init(address: .hostname(host, port: port), serverName: "Jumio sandbox"),
        services: [SandboxService(sandbox: sandbox)], logger: Logger(label: "keyflow.jumio-sandbox"))
}
