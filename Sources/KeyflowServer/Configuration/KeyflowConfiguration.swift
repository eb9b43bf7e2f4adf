import Foundation
import KeyflowMail
import KeyflowStore
import Logging

/// Everything Keyflow reads from its environment, read once at start and checked there.
///
/// Each option is documented in the README's configuration table; keep the two in step.
public struct KeyflowConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// The address people and Jumio reach this server at; links and callback URLs are built from it.
    public var publicURL: String
    /// Whether `publicURL` was configured; if not, it follows the port the server actually listens on.
    public var publicURLIsExplicit = false
    public var store: StoreConfiguration
    /// Seeds a demo organization on first start.
    public var demo: Bool
    public var attachmentMaxBytes: Int
    public var sessionLifetime: TimeInterval
    public var bcryptCost: UInt8
    public var logLevel: Logger.Level
    /// Base64 of 32 random bytes that seal stored secrets (AES-GCM); `masterKeyID` names it for rotation.
    public var masterKey: String?
    public var masterKeyID: String
    /// Earlier keys (`id:base64`), still able to open what they sealed.
    public var previousMasterKeys: [String: String]
    public var jumio: JumioConfiguration
    /// Run the background workers (job queue, reconciler, reminders, retention, housekeeping) in this process.
    public var runWorkers: Bool
    /// How often idle workers look for new jobs.
    public var jobPollInterval: Duration
    /// Back-off of failed jobs.
    public var jobRetry: RetryPolicy
    /// How often the reconciler looks for attempts whose check with Jumio is due.
    public var reconcileInterval: Duration
    /// How often the retention worker looks for verification data past its retention period.
    public var retentionInterval: Duration
    /// The mail server for clients' sign-in links; without one the links are only shown to who asked for them.
    public var mail: SMTPSettings?
    /// Seconds a claimed job stays with its worker before another may take it (when the worker died).
    public var jobLease: Double = 120
    /// Jobs one process runs side by side (`KEYFLOW_JOB_CONCURRENCY`; by default after the store).
    public var jobConcurrency: Int
    /// On PostgreSQL the results of a claimed batch of verification jobs are written together
    /// (`ChangeGathering`), so the jobs wait for their batch and more side by side mean larger batches: with 32
    /// the cores idled at the old rate, with 128 PostgreSQL's CPU per verification was ≈ 0.37 ms against ≈ 0.72
    /// ms with 32 and each result alone (the benchmark, 3,000 flows). SQLite, whose group commit already shares
    /// commits, gained nothing from more than 32.
    static func defaultJobConcurrency(_ store: StoreConfiguration) -> Int {
        if case .postgres = store { 128 } else { 32 }
    }
    /// Let webhooks go to plain `http://` and to private or loopback addresses (development and tests).
    public var webhooksAllowPrivateAddresses = false
    /// Days a finished job is kept before housekeeping deletes it; while kept, it stops the same news from
    /// Jumio from being queued twice.
    public var keepDoneJobsDays = 7
    /// Days a webhook delivery is kept in its endpoint's log after its last attempt.
    public var keepWebhookDeliveriesDays = 30
    /// How often housekeeping deletes finished jobs, settled webhook deliveries, expired sessions and sign-in
    /// links, and old rate-limit windows.
    public var housekeepingInterval: Duration = .seconds(3600)
    /// How often the reminder worker looks for actions due soon or overdue.
    public var reminderInterval: Duration = .seconds(60)
    /// When set, `/metrics` answers only requests bearing it.
    public var metricsToken: String?
    /// How often sign-ins and sign-in links may be tried.
    var rateLimits = RateLimits()
    /// `text` or `json` lines on standard error (`keyflow serve` sets the logging system up with it).
    public var logFormat: KeyflowLogging.Format = .text

    public init(
        host: String = "127.0.0.1", port: Int = 8080, publicURL: String? = nil,
        store: StoreConfiguration = .sqlite(path: "keyflow.sqlite"), demo: Bool = false,
        attachmentMaxBytes: Int = 10 * 1024 * 1024, sessionLifetime: TimeInterval = 12 * 3600, bcryptCost: UInt8 = 12,
        logLevel: Logger.Level = .info, masterKey: String? = nil, masterKeyID: String = "k1",
        previousMasterKeys: [String: String] = [:], jumio: JumioConfiguration = .init(), runWorkers: Bool = true,
        jobPollInterval: Duration = .milliseconds(200), jobRetry: RetryPolicy = .init(base: 5, cap: 600),
        reconcileInterval: Duration = .seconds(5), retentionInterval: Duration = .seconds(3600), mail: SMTPSettings? = nil,
        metricsToken: String? = nil
    ) {
        self.host = host
        self.port = port
        self.publicURL = publicURL ?? "http://\(host):\(port)"
        self.store = store
        jobConcurrency = Self.defaultJobConcurrency(store)
        self.demo = demo
        self.attachmentMaxBytes = attachmentMaxBytes
        self.sessionLifetime = sessionLifetime
        self.bcryptCost = bcryptCost
        self.logLevel = logLevel
        self.masterKey = masterKey
        self.masterKeyID = masterKeyID
        self.previousMasterKeys = previousMasterKeys
        self.jumio = jumio
        self.runWorkers = runWorkers
        self.jobPollInterval = jobPollInterval
        self.jobRetry = jobRetry
        self.reconcileInterval = reconcileInterval
        self.retentionInterval = retentionInterval
        self.mail = mail
        self.metricsToken = metricsToken
    }

    /// Reads the `KEYFLOW_*` variables; a value that cannot be used stops the start with its name.
    /// `demo` (from `serve --demo`) wins over `KEYFLOW_DEMO`, and like it switches the Jumio sandbox on.
    public init(environment: [String: String], demo demoFlag: Bool? = nil) throws(ConfigurationError) {
        let reader = EnvironmentReader(environment)
        let host = reader.string("KEYFLOW_HOST") ?? "127.0.0.1"
        let port = try reader.integer("KEYFLOW_PORT", range: 0...65535) ?? 8080
        let store: StoreConfiguration
        if let url = reader.string("KEYFLOW_DATABASE_URL") {
            guard url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") else {
                throw ConfigurationError(
                    variable: "KEYFLOW_DATABASE_URL", problem: "must be a postgres:// or postgresql:// URL")
            }
            store = .postgres(
                url: url, maxConnectionsPerEventLoop: try reader.integer("KEYFLOW_DATABASE_POOL_SIZE", range: 1...100) ?? 4,
                preparedStatements: try reader.bool("KEYFLOW_DATABASE_PREPARED_STATEMENTS") ?? true)
        } else {
            store = .sqlite(path: reader.string("KEYFLOW_SQLITE_PATH") ?? "keyflow.sqlite")
        }
        let publicURL = reader.string("KEYFLOW_PUBLIC_URL").map { $0.hasSuffix("/") ? String($0.dropLast()) : $0 }
        if let publicURL, URL(string: publicURL)?.scheme.map({ ["http", "https"].contains($0) }) != true {
            throw ConfigurationError(variable: "KEYFLOW_PUBLIC_URL", problem: "must be an http:// or https:// URL")
        }
        let levelName = reader.string("KEYFLOW_LOG_LEVEL") ?? "info"
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ConfigurationError(
                variable: "KEYFLOW_LOG_LEVEL",
                problem: "must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let demoVariable = try reader.bool("KEYFLOW_DEMO")
        let demo = demoFlag ?? demoVariable ?? false
        var previous: [String: String] = [:]
        for entry in reader.list("KEYFLOW_PREVIOUS_MASTER_KEYS") ?? [] {
            let parts = entry.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2 else {
                throw ConfigurationError(variable: "KEYFLOW_PREVIOUS_MASTER_KEYS", problem: "must list id:base64key pairs separated by commas")
            }
            previous[parts[0]] = parts[1]
        }
        var mail: SMTPSettings?
        if let url = reader.string("KEYFLOW_SMTP_URL") {
            guard let from = reader.string("KEYFLOW_MAIL_FROM") else {
                throw ConfigurationError(variable: "KEYFLOW_MAIL_FROM", problem: "must name the sender (Keyflow <no-reply@example.com>) when KEYFLOW_SMTP_URL is set")
            }
            do {
                mail = try SMTPSettings(url: url, from: from)
            } catch {
                throw ConfigurationError(variable: "KEYFLOW_SMTP_URL", problem: "is unusable: \(error)")
            }
        }
        let masterKey = reader.string("KEYFLOW_MASTER_KEY")
        if mail != nil, masterKey == nil, !demo {
            throw ConfigurationError(
                variable: "KEYFLOW_MASTER_KEY",
                problem: "must be set when KEYFLOW_SMTP_URL is: queued mail carries sign-in links and is stored sealed")
        }
        self.init(
            host: host, port: port, publicURL: publicURL, store: store, demo: demo,
            attachmentMaxBytes: try reader.integer("KEYFLOW_ATTACHMENT_MAX_BYTES", range: 1...1_073_741_824)
                ?? 10 * 1024 * 1024,
            sessionLifetime: TimeInterval(try reader.integer("KEYFLOW_SESSION_HOURS", range: 1...8760) ?? 12) * 3600,
            bcryptCost: UInt8(try reader.integer("KEYFLOW_BCRYPT_COST", range: 4...31) ?? 12), logLevel: level,
            masterKey: masterKey, masterKeyID: reader.string("KEYFLOW_MASTER_KEY_ID") ?? "k1",
            previousMasterKeys: previous, jumio: try JumioConfiguration(reader, demo: demo),
            runWorkers: try reader.bool("KEYFLOW_WORKERS") ?? true, mail: mail,
            metricsToken: reader.string("KEYFLOW_METRICS_TOKEN"))
        publicURLIsExplicit = publicURL != nil
        let format = reader.string("KEYFLOW_LOG_FORMAT") ?? "text"
        guard let logFormat = KeyflowLogging.Format(rawValue: format) else {
            throw ConfigurationError(variable: "KEYFLOW_LOG_FORMAT", problem: "must be text or json, got '\(format)'")
        }
        self.logFormat = logFormat
        if let seconds = try reader.integer("KEYFLOW_JOB_LEASE_SECONDS", range: 5...86400) { jobLease = Double(seconds) }
        jobConcurrency = try reader.integer("KEYFLOW_JOB_CONCURRENCY", range: 1...1000) ?? Self.defaultJobConcurrency(store)
        webhooksAllowPrivateAddresses = try reader.bool("KEYFLOW_WEBHOOKS_ALLOW_PRIVATE") ?? false
        if let seconds = try reader.integer("KEYFLOW_REMINDER_INTERVAL", range: 1...86400) { reminderInterval = .seconds(seconds) }
        if let days = try reader.integer("KEYFLOW_KEEP_DONE_JOBS_DAYS", range: 1...3650) { keepDoneJobsDays = days }
        if let days = try reader.integer("KEYFLOW_KEEP_WEBHOOK_DELIVERIES_DAYS", range: 1...3650) {
            keepWebhookDeliveriesDays = days
        }
        if let limit = try reader.integer("KEYFLOW_SIGN_IN_LIMIT", range: 1...100_000) { rateLimits.signIn.limit = limit }
        if let limit = try reader.integer("KEYFLOW_MAGIC_LINK_LIMIT", range: 1...100_000) { rateLimits.magicLinks.limit = limit }
    }
}

public struct ConfigurationError: Error, CustomStringConvertible, Equatable {
    public var variable: String
    public var problem: String
    public var description: String { "\(variable) \(problem)" }
}

struct EnvironmentReader {
    let environment: [String: String]

    init(_ environment: [String: String]) { self.environment = environment }

    func string(_ name: String) -> String? {
        guard let value = environment[name]?.trimmingCharacters(in: .whitespaces), !value.isEmpty else { return nil }
        return value
    }

    func integer(_ name: String, range: ClosedRange<Int>) throws(ConfigurationError) -> Int? {
        guard let text = string(name) else { return nil }
        guard let value = Int(text), range.contains(value) else {
            throw ConfigurationError(
                variable: name, problem: "must be a whole number from \(range.lowerBound) to \(range.upperBound), got '\(text)'")
        }
        return value
    }

    func list(_ name: String) -> [String]? {
        string(name).map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
    }

    func bool(_ name: String) throws(ConfigurationError) -> Bool? {
        guard let text = string(name)?.lowercased() else { return nil }
        switch text {
        case "1", "true", "yes", "on": return true
        case "0", "false", "no", "off": return false
        default: throw ConfigurationError(variable: name, problem: "must be true or false, got '\(text)'")
        }
    }
}
