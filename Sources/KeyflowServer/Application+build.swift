import Foundation
import Hummingbird
import KeyflowStore
import Logging

/// What the application is made of besides its configuration; tests swap the clock and the token source.
public struct Dependencies: Sendable {
    public var clock: AppClock
    public var tokens: TokenGenerator

    public init(clock: AppClock = .live, tokens: TokenGenerator = .live) {
        self.clock = clock
        self.tokens = tokens
    }
}

/// Builds the whole server: storage (migrated), routes, middleware and services. `keyflow serve` and the
/// tests both start here.
public func buildApplication(
    _ configuration: KeyflowConfiguration, dependencies: Dependencies = Dependencies()
) async throws -> some ApplicationProtocol {
    var logger = Logger(label: "keyflow")
    logger.logLevel = configuration.logLevel
    let store = try Store(configuration.store, logger: logger)
    do {
        try await store.migrate()
        if configuration.demo,
            try await DemoSeed.seedIfEmpty(store: store, clock: dependencies.clock, bcryptCost: configuration.bcryptCost)
        {
            logger.info("seeded the demo organization", metadata: ["admin": "\(DemoSeed.adminEmail)"])
        }
    } catch {
        await store.shutdown()
        throw error
    }
    let hub = EventHub()
    let router = try buildRouter(configuration, store: store, hub: hub, dependencies: dependencies)
    return Application(
        router: router,
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: "Keyflow"),
        services: [store],
        logger: logger)
}

func buildRouter(
    _ configuration: KeyflowConfiguration, store: Store, hub: EventHub, dependencies: Dependencies
) throws -> Router<KeyflowRequestContext> {
    let clock = dependencies.clock
    let flows = FlowService(store: store, hub: hub, clock: clock)
    let router = Router(context: KeyflowRequestContext.self)
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: AuthenticationMiddleware(store: store, clock: clock))

    let contract = try OpenAPIDocument.load()
    router.get("openapi.yaml") { _, _ in contract.response() }
    router.get("health") { _, _ in try JSONBody.response(["status": "ok"]) }

    let api = router.group("api/v1")
    SessionController(
        store: store, clock: clock, tokens: dependencies.tokens, sessionLifetime: configuration.sessionLifetime
    ).addRoutes(to: api)
    UserController(store: store, clock: clock, bcryptCost: configuration.bcryptCost).addRoutes(to: api)
    TemplateController(store: store, clock: clock).addRoutes(to: api)
    FlowController(
        store: store, flows: flows, clock: clock, stream: EventStream(hub: hub, store: store, heartbeat: .seconds(15))
    ).addRoutes(to: api)
    ActionController(flows: flows, clock: clock).addRoutes(to: api)
    AttachmentController(store: store, clock: clock, maximumBytes: configuration.attachmentMaxBytes).addRoutes(to: api)
    return router
}

/// Applies pending migrations and closes the store: `keyflow migrate`.
public func migrateStore(_ configuration: KeyflowConfiguration) async throws {
    let store = try Store(configuration.store, logger: Logger(label: "keyflow.migrate"))
    do {
        try await store.migrate()
        await store.shutdown()
    } catch {
        await store.shutdown()
        throw error
    }
}
