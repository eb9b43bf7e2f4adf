import Foundation
import JumioKit

/// The Jumio action's settings, read with the rest of the configuration.
public struct JumioConfiguration: Sendable {
    /// Serve the built-in Jumio emulator at `/sandbox/jumio` and offer the SANDBOX data center.
    public var sandboxEnabled: Bool
    /// A Jumio-compatible server to use for SANDBOX instead of the built-in emulator.
    public var sandboxURL: String?
    /// How long an acquired verification takes in the built-in emulator.
    public var sandboxProcessingDelay: Duration
    /// Lifetime of the journey link, in Jumio's format (`30m`, `1d`).
    public var tokenLifetime: String
    public var attemptLimit: Int
    /// Attempts with no callback are checked with Jumio after this long, then on Jumio's retry schedule.
    public var reconcileAfter: TimeInterval
    /// Only accept callbacks for US/EU/SG from Jumio's published addresses.
    public var checkCallbackSource: Bool
    /// Replaces the published addresses when set.
    public var callbackSources: [String]?
    /// Proxies whose `X-Forwarded-For` is believed.
    public var trustedProxies: [String]
    public var workflowKeys: JumioWorkflowKeys
    /// Verification data is reduced and the Jumio account deleted this many days after the action closes.
    public var retentionDays: Int
    /// Account creations per second per Jumio tenant (Jumio asks for 1; raise it only for the sandbox).
    public var initiationsPerSecond: Double = 1
    /// Retrieval calls per second per Jumio tenant (Jumio's default quota is 15; raise it only for the sandbox
    /// or when Jumio has granted more).
    public var retrievalsPerSecond: Double = 15

    public init(
        sandboxEnabled: Bool = false, sandboxURL: String? = nil, sandboxProcessingDelay: Duration = .seconds(2),
        tokenLifetime: String = "30m", attemptLimit: Int = 3, reconcileAfter: TimeInterval = 900,
        checkCallbackSource: Bool = true, callbackSources: [String]? = nil, trustedProxies: [String] = [],
        workflowKeys: JumioWorkflowKeys = .init(), retentionDays: Int = 90
    ) {
        self.sandboxEnabled = sandboxEnabled
        self.sandboxURL = sandboxURL
        self.sandboxProcessingDelay = sandboxProcessingDelay
        self.tokenLifetime = tokenLifetime
        self.attemptLimit = attemptLimit
        self.reconcileAfter = reconcileAfter
        self.checkCallbackSource = checkCallbackSource
        self.callbackSources = callbackSources
        self.trustedProxies = trustedProxies
        self.workflowKeys = workflowKeys
        self.retentionDays = retentionDays
    }

    static let keyVariables: [(JumioWorkflowType, String)] = [
        (.idCaptureAndStorage, "KEYFLOW_JUMIO_KEY_ID_CAPTURE"),
        (.idVerification, "KEYFLOW_JUMIO_KEY_ID_VERIFICATION"),
        (.idAndIdentityVerification, "KEYFLOW_JUMIO_KEY_ID_AND_IDENTITY"),
        (.idIdentityVerificationScreening, "KEYFLOW_JUMIO_KEY_SCREENING"),
    ]

    init(_ reader: EnvironmentReader, demo: Bool) throws(ConfigurationError) {
        let lifetime = reader.string("KEYFLOW_JUMIO_TOKEN_LIFETIME") ?? "30m"
        if let problem = JumioAccountRequest.tokenLifetimeProblem(lifetime) {
            throw ConfigurationError(variable: "KEYFLOW_JUMIO_TOKEN_LIFETIME", problem: problem)
        }
        var overrides: [JumioWorkflowType: Int] = [:]
        for (type, variable) in Self.keyVariables {
            if let key = try reader.integer(variable, range: 1...999_999) { overrides[type] = key }
        }
        let sandboxURL = reader.string("KEYFLOW_JUMIO_SANDBOX_URL")
        if let sandboxURL, URL(string: sandboxURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ConfigurationError(variable: "KEYFLOW_JUMIO_SANDBOX_URL", problem: "must be an http:// or https:// URL")
        }
        self.init(
            sandboxEnabled: try reader.bool("KEYFLOW_JUMIO_SANDBOX") ?? (demo || sandboxURL != nil), sandboxURL: sandboxURL,
            sandboxProcessingDelay: .seconds(try reader.integer("KEYFLOW_JUMIO_SANDBOX_PROCESSING_SECONDS", range: 0...3600) ?? 2),
            tokenLifetime: lifetime,
            attemptLimit: try reader.integer("KEYFLOW_JUMIO_ATTEMPT_LIMIT", range: 1...100) ?? 3,
            reconcileAfter: TimeInterval(try reader.integer("KEYFLOW_JUMIO_RECONCILE_AFTER", range: 1...86400) ?? 900),
            checkCallbackSource: try reader.bool("KEYFLOW_JUMIO_CHECK_CALLBACK_SOURCE") ?? true,
            callbackSources: reader.list("KEYFLOW_JUMIO_CALLBACK_SOURCES"),
            trustedProxies: reader.list("KEYFLOW_TRUSTED_PROXIES") ?? [],
            workflowKeys: JumioWorkflowKeys(overrides: overrides),
            retentionDays: try reader.integer("KEYFLOW_JUMIO_RETENTION_DAYS", range: 1...3650) ?? 90)
        if let rate = try reader.integer("KEYFLOW_JUMIO_INITIATIONS_PER_SECOND", range: 1...100_000) {
            initiationsPerSecond = Double(rate)
        }
        if let rate = try reader.integer("KEYFLOW_JUMIO_RETRIEVALS_PER_SECOND", range: 1...100_000) {
            retrievalsPerSecond = Double(rate)
        }
    }
}

extension JumioConfiguration {
    /// Whether a callback about an attempt in `dataCenter` may come from `source`: one of the data center's
    /// published addresses (or the configured ones instead). Data centers without published addresses (the
    /// sandbox) and a switched-off check accept any sender.
    func acceptsCallback(from source: String?, dataCenter: String) -> Bool {
        guard checkCallbackSource, let region = JumioDataCenter(rawValue: dataCenter) else { return true }
        guard let source else { return false }
        return (callbackSources ?? region.callbackAddresses).contains(source)
    }
}
