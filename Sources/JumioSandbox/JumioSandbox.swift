import AsyncHTTPClient
import Foundation
import JumioKit
import Logging
import Synchronization

/// A local emulator of Jumio's KYX API and web journey, for tests, the demo and benchmarks. It enforces what
/// Jumio enforces, moves executions through their states by its clock, and POSTs callbacks.
public final class JumioSandbox: Sendable {
    public let configuration: SandboxConfiguration
    let clock: SandboxClock
    let httpClient: HTTPClient
    let logger: Logger
    let state: Mutex<State>
    private let baseURL: Mutex<String>

    struct State {
        var tokens: [String: (clientID: String, expiresAt: Date)] = [:]
        var currentToken: [String: String] = [:]
        var tokenRequests = 0
        var accounts: [String: SandboxAccount] = [:]
        var executions: [String: SandboxExecution] = [:]
        /// The executions not final yet: the only ones `settle()` looks at, so a request costs the same however
        /// many finished executions the sandbox keeps.
        var unsettled: Set<String> = []
        var executionByAuthorization: [String: String] = [:]
        var pendingCallbacks: [PendingCallback] = []
        var faults: SandboxFaults
        var forcedFailures: [(status: Int, retryAfter: Int?)] = []
    }

    public init(
        configuration: SandboxConfiguration, clock: SandboxClock = .live, httpClient: HTTPClient = .shared,
        logger: Logger = Logger(label: "keyflow.jumio-sandbox")
    ) {
        self.configuration = configuration
        self.clock = clock
        self.httpClient = httpClient
        self.logger = logger
        self.state = Mutex(State(faults: configuration.faults))
        self.baseURL = Mutex(configuration.publicBaseURL)
    }

    /// Where this sandbox is reached; starts as `configuration.publicBaseURL`.
    public var publicBaseURL: String { baseURL.withLock { $0 } }

    /// For a host that learns its address only once it listens (a server on port 0).
    public func setPublicBaseURL(_ url: String) {
        baseURL.withLock { $0 = url.hasSuffix("/") ? String(url.dropLast()) : url }
    }

    /// The faults in force; change them while running.
    public var faults: SandboxFaults {
        get { state.withLock { $0.faults } }
        set { state.withLock { $0.faults = newValue } }
    }

    /// Answers the next `count` API calls (token calls included) with `status`, e.g. 503 or 429.
    public func failNext(_ count: Int, status: Int, retryAfter: Int? = nil) {
        state.withLock { $0.forcedFailures += Array(repeating: (status, retryAfter), count: count) }
    }

    /// Forgets every issued token, as if they had all expired: the next API call with one gets 401.
    public func revokeTokens() {
        state.withLock { state in
            state.tokens.removeAll()
            state.currentToken.removeAll()
        }
    }

    /// How many tokens were issued; lets tests check that the client shares them.
    public var tokenRequestCount: Int { state.withLock { $0.tokenRequests } }

    public func executionStatus(_ executionID: String) -> JumioExecutionStatus? {
        state.withLock { $0.executions[executionID]?.status }
    }

    /// Drives an execution through the journey without a browser: start, then submit with an outcome.
    public func completeJourney(executionID: String, outcome: SandboxOutcome) throws(SandboxError) {
        let token = try state.withLock { state throws(SandboxError) -> String in
            guard let execution = state.executions[executionID] else { throw .notFound("no execution \(executionID)") }
            return execution.authorizationToken
        }
        try completeJourney(authorizationToken: token, outcome: outcome)
    }

    /// The same, for a host that holds the journey link (its `authorizationToken`) rather than the execution id.
    public func completeJourney(authorizationToken token: String, outcome: SandboxOutcome) throws(SandboxError) {
        try startJourney(authorizationToken: token)
        _ = try submitJourney(authorizationToken: token, outcome: outcome)
    }
}

/// A refusal, carried to the HTTP edge as Jumio's `{title, status, detail}` body.
public struct SandboxError: Error, Sendable, Equatable {
    public var status: Int
    public var title: String
    public var detail: String
    /// Sent as `Retry-After` (seconds) when set.
    public var retryAfter: Int?

    static func badRequest(_ detail: String) -> Self { .init(status: 400, title: "Bad Request", detail: detail) }
    static func unauthorized(_ detail: String = "The provided credentials are invalid") -> Self {
        .init(status: 401, title: "Unauthorized", detail: detail)
    }
    static func forbidden(_ detail: String) -> Self { .init(status: 403, title: "Forbidden", detail: detail) }
    static func notFound(_ detail: String) -> Self { .init(status: 404, title: "Not Found", detail: detail) }
    static let tooManyRequests = SandboxError(status: 429, title: "Too Many Requests", detail: "Request limit exceeded")
    static let unavailable = SandboxError(status: 503, title: "Service Unavailable", detail: "Try again later")
}
