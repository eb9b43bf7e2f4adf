import Foundation
import KeyflowMail
import Hummingbird
import JumioKit
import JumioSandbox
import KeyflowStore
import Logging
import ServiceLifecycle

/// What the application is made of besides its configuration; tests swap these.
public struct Dependencies: Sendable {
    public var clock: AppClock
    public var tokens: TokenGenerator
    public var jumioTransport: JumioTransport
    public var logger: Logger?

    public init(
        clock: AppClock = .live, tokens: TokenGenerator = .live, jumioTransport: JumioTransport = .live(),
        logger: Logger? = nil
    ) {
        self.clock = clock
        self.tokens = tokens
        self.jumioTransport = jumioTransport
        self.logger = logger
    }
}

/// Builds the whole server: storage (migrated), routes, middleware and services. `keyflow serve` and the
/// tests both start here.
public func buildApplication(
    _ configuration: KeyflowConfiguration, dependencies: Dependencies = Dependencies()
) async throws -> some ApplicationProtocol {
    var logger = dependencies.logger ?? Logger(label: "keyflow")
    logger.logLevel = configuration.logLevel
    let store = try Store(configuration.store, logger: logger)
    let components: Components
    do {
        try await store.migrate()
        components = try Components(configuration, store: store, dependencies: dependencies, logger: logger)
        if configuration.demo,
            try await DemoSeed.seedIfEmpty(
                store: store, clock: dependencies.clock, bcryptCost: configuration.bcryptCost,
                secrets: components.gateway.secrets)
        {
            logger.info("seeded the demo organization", metadata: ["admin": "\(DemoSeed.adminEmail)"])
        }
    } catch {
        await store.shutdown()
        throw error
    }
    let address = components.address
    let sandbox = components.sandbox
    let hub = components.hub
    let intake = components.callbackIntake
    let serverName = "Keyflow"
    let router = try buildRouter(components)
    try await PageController.load(demo: configuration.demo, store: store, gateway: components.gateway)
        .addRoutes(to: router)
    components.routes.load(router)
    return Application(
        router: router,
        server: .http1(
            configuration: .init(additionalChannelHandlers: [
                EventStreamTap(hub: hub),
                CallbackTap(intake: intake, strictTransportSecurity: address.isHTTPS, serverName: serverName),
            ])),
        configuration: .init(address: .hostname(configuration.host, port: configuration.port), serverName: serverName),
        services: components.services(configuration),
        onServerRunning: { channel in
            address.listening(on: channel.localAddress)
            sandbox?.setPublicBaseURL("\(address.url)/\(JumioGateway.sandboxPath)")
        },
        logger: logger)
}

/// The parts of the application, made once and shared by routes and services.
struct Components: Sendable {
    let configuration: KeyflowConfiguration
    let store: Store
    let dependencies: Dependencies
    let logger: Logger
    let address: PublicAddress
    let hub = EventHub()
    let metrics = Metrics()
    let jobWakeup = JobWakeup()
    let routes = KnownRoutes()
    let flows: FlowService
    let webhooks: Webhooks
    let gateway: JumioGateway
    let verifications: VerificationService
    let callbackIntake: CallbackIntake
    let retention: RetentionService
    /// Mail for clients, when a mail server is configured.
    let outbox: Outbox?
    /// The built-in Jumio emulator, when SANDBOX is on and no other sandbox URL is configured.
    let sandbox: JumioSandbox?

    init(_ configuration: KeyflowConfiguration, store: Store, dependencies: Dependencies, logger: Logger) throws {
        self.configuration = configuration
        self.store = store
        self.dependencies = dependencies
        self.logger = logger
        address = PublicAddress(configuration)
        let secrets = try Self.secrets(configuration, logger: logger)
        webhooks = Webhooks(
            secrets: secrets, clock: dependencies.clock, logger: logger,
            allowPrivateAddresses: configuration.webhooksAllowPrivateAddresses)
        flows = FlowService(store: store, hub: hub, clock: dependencies.clock, webhooks: webhooks)
        gateway = JumioGateway(
            client: JumioClient(
                transport: dependencies.jumioTransport.metered(metrics, logger: logger),
                configuration: JumioClientConfiguration(
                    initiationsPerSecond: configuration.jumio.initiationsPerSecond,
                    initiationBurst: max(5, Int(configuration.jumio.initiationsPerSecond)),
                    retrievalsPerSecond: configuration.jumio.retrievalsPerSecond,
                    retrievalBurst: max(15, Int(configuration.jumio.retrievalsPerSecond))),
                logger: logger),
            secrets: secrets, configuration: configuration.jumio, address: address)
        verifications = VerificationService(
            store: store, flows: flows, gateway: gateway, clock: dependencies.clock, tokens: dependencies.tokens,
            logger: logger)
        callbackIntake = CallbackIntake(
            inbox: CallbackInbox(store: store, clock: dependencies.clock, configuration: configuration.jumio),
            configuration: configuration.jumio, logger: logger, metrics: metrics, jobWakeup: jobWakeup)
        retention = RetentionService(
            store: store, flows: flows, gateway: gateway, clock: dependencies.clock, logger: logger,
            interval: configuration.retentionInterval)
        outbox = try Self.outbox(configuration, secrets: gateway.secrets, logger: logger)
        sandbox =
            configuration.jumio.sandboxEnabled && configuration.jumio.sandboxURL == nil
            ? JumioSandbox(
                configuration: SandboxConfiguration(
                    publicBaseURL: "\(configuration.publicURL)/\(JumioGateway.sandboxPath)",
                    processingDelay: configuration.jumio.sandboxProcessingDelay))
            : nil
    }

    /// The key that seals stored secrets; the demo falls back to a fixed key, anything else runs without one
    /// (and refuses to store Jumio secrets, saying why).
    static func secrets(_ configuration: KeyflowConfiguration, logger: Logger) throws -> SecretBox? {
        if let key = configuration.masterKey {
            return try SecretBox(keyID: configuration.masterKeyID, base64Key: key, previous: configuration.previousMasterKeys)
        }
        guard configuration.demo else { return nil }
        logger.warning("KEYFLOW_MASTER_KEY is not set; the demo seals secrets with a fixed demo key, never use it for real data")
        return .demo
    }

    static func outbox(_ configuration: KeyflowConfiguration, secrets: SecretBox?, logger: Logger) throws -> Outbox? {
        guard let settings = configuration.mail else { return nil }
        guard let secrets else {
            throw ConfigurationError(variable: "KEYFLOW_MASTER_KEY", problem: "must be set to queue mail sealed")
        }
        return Outbox(client: SMTPClient(settings: settings), secrets: secrets, logger: logger)
    }

    func services(_ configuration: KeyflowConfiguration) -> [any Service] {
        var services: [any Service] = [store, StreamHeartbeat(hub: hub, interval: .seconds(15))]
        if let sandbox { services.append(SandboxService(sandbox: sandbox)) }
        if store.engine == .postgres { services.append(EventRelay(store: store, hub: hub, logger: logger)) }
        guard configuration.runWorkers else { return services }
        let verifications = self.verifications
        let metrics = self.metrics
        var handlers: [String: JobRunner.Handler] = [
            VerificationService.queue: { job, completion in
                let payload = try VerificationJob.decode(job.payload)
                try await verifications.process(
                    attemptID: payload.attemptID, requireFinal: payload.source == .callback,
                    expectProcessed: payload.hint == JumioExecutionStatus.processed.rawValue, completion: completion)
                if payload.source == .callback {
                    metrics.increment("keyflow_jumio_callbacks_total", ["result": "processed"], help: CallbackMetrics.help)
                }
            }
        ]
        if let outbox { handlers[Outbox.queue] = { job, _ in try await outbox.deliver(job) } }
        let webhooks = self.webhooks
        let store = self.store
        handlers[Webhooks.queue] = { job, _ in try await webhooks.deliver(job, store: store) }
        services.append(
            JobRunner(
                store: store, clock: dependencies.clock, logger: logger, pollInterval: configuration.jobPollInterval,
                retry: configuration.jobRetry, handlers: handlers, lease: configuration.jobLease,
                concurrency: configuration.jobConcurrency, wakeup: jobWakeup,
                preparations: [VerificationService.queue: { await verifications.prepare($0) }]))
        services.append(
            Reconciler(store: store, clock: dependencies.clock, logger: logger, interval: configuration.reconcileInterval))
        services.append(
            ReminderService(
                store: store, flows: flows, clock: dependencies.clock, logger: logger, interval: configuration.reminderInterval))
        services.append(retention)
        services.append(
            HousekeepingService(
                store: store, clock: dependencies.clock, logger: logger, metrics: metrics,
                interval: configuration.housekeepingInterval, keepDoneJobsDays: configuration.keepDoneJobsDays,
                keepWebhookDeliveriesDays: configuration.keepWebhookDeliveriesDays,
                longestRateLimitWindow: configuration.rateLimits.longestWindow))
        return services
    }
}

func buildRouter(_ components: Components) throws -> Router<KeyflowRequestContext> {
    let configuration = components.configuration
    let store = components.store
    let clock = components.dependencies.clock
    let router = Router(context: KeyflowRequestContext.self)
    router.add(middleware: RequestTraceMiddleware(strictTransportSecurity: components.address.isHTTPS))
    router.add(middleware: MetricsMiddleware(metrics: components.metrics))
    router.add(middleware: ErrorMiddleware())
    router.add(middleware: MethodNotAllowedMiddleware(known: components.routes))

    let contract = try OpenAPIDocument.load()
    router.get("openapi.yaml") { _, _ in contract.response() }
    router.get("health") { _, _ in try JSONBody.response(["status": "ok"]) }
    OperationsController(components: components).addRoutes(to: router)
    JumioHookController(intake: components.callbackIntake).addRoutes(to: router)
    components.sandbox?.addRoutes(to: router.group(RouterPath(JumioGateway.sandboxPath)))

    let audit = AuditTrail(clock: clock)
    let api = router.group("api/v1").add(middleware: AuthenticationMiddleware(store: store, clock: clock))
    SessionController(
        store: store, clock: clock, tokens: components.dependencies.tokens, sessionLifetime: configuration.sessionLifetime,
        address: components.address, logger: components.logger, demo: configuration.demo, outbox: components.outbox,
        limits: configuration.rateLimits, audit: audit
    ).addRoutes(to: api)
    AuditController(store: store).addRoutes(to: api)
    WebhookController(store: store, webhooks: components.webhooks, clock: clock, audit: audit).addRoutes(to: api)
    UserController(store: store, clock: clock, bcryptCost: configuration.bcryptCost, audit: audit).addRoutes(to: api)
    TemplateController(store: store, clock: clock, gateway: components.gateway, audit: audit).addRoutes(to: api)
    FlowController(
        store: store, flows: components.flows, clock: clock,
        stream: EventStream(hub: components.hub, store: store), gateway: components.gateway
    ).addRoutes(to: api)
    ActionController(flows: components.flows, clock: clock).addRoutes(to: api)
    VerificationController(
        store: store, flows: components.flows, verifications: components.verifications,
        retention: components.retention, gateway: components.gateway, clock: clock, audit: audit
    ).addRoutes(to: api)
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
