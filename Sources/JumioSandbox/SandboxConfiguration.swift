import Foundation
import JumioKit

/// How the emulator behaves. The defaults make a friendly demo: any credentials work and verifications
/// finish a moment after the journey is submitted.
public struct SandboxConfiguration: Sendable {
    /// The URL this sandbox is reached at (including any path prefix it is mounted under); journey links and
    /// `href`s are built from it.
    public var publicBaseURL: String
    /// Only these credentials get tokens; nil accepts any client id and secret.
    public var credentials: JumioCredentials?
    public var tokenLifetime: Duration
    /// How long an execution stays ACQUIRED before it is PROCESSED.
    public var processingDelay: Duration
    /// A started journey left idle this long ends SESSION_EXPIRED.
    public var sessionTimeout: Duration
    /// How often time-driven changes (expiry, processing, callback retries) are looked at.
    public var tickInterval: Duration
    /// Failed callback deliveries are retried this many times, doubling from `callbackRetryBase`.
    public var callbackAttempts: Int
    public var callbackRetryBase: Duration
    /// Callbacks are kept for the host to take (`takeHeldCallbacks`) instead of being sent: a load generator
    /// sends them itself to time how fast they are accepted.
    public var holdsCallbacks: Bool
    public var faults: SandboxFaults

    public init(
        publicBaseURL: String, credentials: JumioCredentials? = nil, tokenLifetime: Duration = .seconds(3600),
        processingDelay: Duration = .seconds(2), sessionTimeout: Duration = .seconds(900),
        tickInterval: Duration = .milliseconds(250), callbackAttempts: Int = 6, callbackRetryBase: Duration = .seconds(1),
        holdsCallbacks: Bool = false, faults: SandboxFaults = .none
    ) {
        self.publicBaseURL = publicBaseURL.hasSuffix("/") ? String(publicBaseURL.dropLast()) : publicBaseURL
        self.credentials = credentials
        self.tokenLifetime = tokenLifetime
        self.processingDelay = processingDelay
        self.sessionTimeout = sessionTimeout
        self.tickInterval = tickInterval
        self.callbackAttempts = callbackAttempts
        self.callbackRetryBase = callbackRetryBase
        self.holdsCallbacks = holdsCallbacks
        self.faults = faults
    }
}

/// Misbehaviour on demand, for tests and benchmarks of the client's resilience.
public struct SandboxFaults: Sendable, Equatable {
    /// Added before every API answer.
    public var latency: Duration
    /// Share of API calls answered 503.
    public var serverErrorRate: Double
    /// Share of API calls answered 429.
    public var rateLimitRate: Double
    /// Share of callbacks never sent.
    public var dropCallbackRate: Double
    /// Every callback is sent twice.
    public var duplicateCallbacks: Bool
    /// After each final callback, a stale `ACQUIRED` one follows.
    public var outOfOrderCallbacks: Bool
    /// The PROCESSED callback goes out on acquisition, before retrieval shows PROCESSED.
    public var callbackBeforeProcessed: Bool

    public init(
        latency: Duration = .zero, serverErrorRate: Double = 0, rateLimitRate: Double = 0, dropCallbackRate: Double = 0,
        duplicateCallbacks: Bool = false, outOfOrderCallbacks: Bool = false, callbackBeforeProcessed: Bool = false
    ) {
        self.latency = latency
        self.serverErrorRate = serverErrorRate
        self.rateLimitRate = rateLimitRate
        self.dropCallbackRate = dropCallbackRate
        self.duplicateCallbacks = duplicateCallbacks
        self.outOfOrderCallbacks = outOfOrderCallbacks
        self.callbackBeforeProcessed = callbackBeforeProcessed
    }

    public static let none = SandboxFaults()
}

/// The sandbox's time, behind a seam so tests can move it forward.
public struct SandboxClock: Sendable {
    public var now: @Sendable () -> Date

    public init(now: @escaping @Sendable () -> Date) { self.now = now }

    public static let live = SandboxClock { Date() }
}
