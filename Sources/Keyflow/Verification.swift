import Foundation

/// One try at verifying: a Jumio workflow execution and what became of it.
public struct VerificationAttempt: Codable, Sendable, Equatable, Identifiable {
    public enum Status: String, Codable, Sendable {
        /// The journey link is out; nothing has come back yet.
        case started
        /// The assignee finished the journey; Jumio is deciding.
        case submitted
        case passed
        case rejected
        case warning
        /// The link or the session ran out before a decision.
        case expired

        /// No later news changes this attempt.
        public var isFinal: Bool { self == .passed || self == .rejected || self == .warning || self == .expired }
    }

    public var id: UUID
    public var number: Int
    public var accountID: String
    public var executionID: String
    public var href: String
    public var expiresAt: Date
    public var status: Status
    /// Jumio's decision label (e.g. `DIGITAL_COPY`), for a failed attempt.
    public var label: String?
    /// What stood in the way, capability by capability ("imageChecks: DIGITAL_COPY").
    public var reasons: [String]
    public var riskScore: Double?
    public var startedAt: Date
    public var finishedAt: Date?
    /// What a pass would leave as outputs; kept for a failed attempt so the owner can accept it.
    public var results: [String: OutputValue]

    public init(
        id: UUID = UUID.random(), number: Int, accountID: String, executionID: String, href: String, expiresAt: Date,
        startedAt: Date
    ) {
        self.id = id
        self.number = number
        self.accountID = accountID
        self.executionID = executionID
        self.href = href
        self.expiresAt = expiresAt
        self.status = .started
        self.reasons = []
        self.results = [:]
        self.startedAt = startedAt
    }

    public func isLive(at now: Date) -> Bool { (status == .started || status == .submitted) && expiresAt > now }
}

/// What Jumio's retrieval API said about an execution, in the domain's words.
public struct VerificationResult: Sendable, Equatable {
    public enum Outcome: String, Sendable {
        case passed, rejected, warning, expired
        /// Not decided yet (INITIATED, ACQUIRED, or a status we do not know).
        case pending
    }

    public var outcome: Outcome
    public var label: String?
    public var riskScore: Double?
    /// Every capability's decision, `name → "PASSED"` or `"REJECTED: DIGITAL_COPY"`.
    public var capabilities: [String: String]
    public var documentType: String?
    public var issuingCountry: String?
    public var firstName: String?
    public var lastName: String?
    public var dateOfBirth: String?
    public var documentNumber: String?

    public init(
        outcome: Outcome, label: String? = nil, riskScore: Double? = nil, capabilities: [String: String] = [:],
        documentType: String? = nil, issuingCountry: String? = nil, firstName: String? = nil, lastName: String? = nil,
        dateOfBirth: String? = nil, documentNumber: String? = nil
    ) {
        self.outcome = outcome
        self.label = label
        self.riskScore = riskScore
        self.capabilities = capabilities
        self.documentType = documentType
        self.issuingCountry = issuingCountry
        self.firstName = firstName
        self.lastName = lastName
        self.dateOfBirth = dateOfBirth
        self.documentNumber = documentNumber
    }

    /// The outputs later actions may read. The document number keeps only its last four characters.
    public func outputs(at now: Date) -> [String: OutputValue] {
        var outputs: [String: OutputValue] = ["decision": .text(outcome.rawValue.uppercased())]
        if let riskScore { outputs["riskScore"] = .number(riskScore) }
        let texts: [(String, String?)] = [
            ("documentType", documentType), ("issuingCountry", issuingCountry), ("firstName", firstName),
            ("lastName", lastName), ("dateOfBirth", dateOfBirth), ("documentNumber", documentNumber.map(Self.mask)),
        ]
        for (name, value) in texts { if let value, !value.isEmpty { outputs[name] = .text(value) } }
        for (capability, decision) in capabilities { outputs["\(capability)Decision"] = .text(decision) }
        outputs["verifiedAt"] = .text(now.formatted(.iso8601))
        return outputs
    }

    static func mask(_ number: String) -> String { "••••" + String(number.suffix(4)) }

    /// What a person reads about a failure, capability by capability.
    public var reasons: [String] {
        capabilities.filter { !$0.value.hasPrefix("PASSED") && !$0.value.hasPrefix("NOT_EXECUTED") }
            .map { "\($0.key): \($0.value)" }.sorted()
    }
}

/// A Jumio action's verification history.
public struct VerificationState: Codable, Sendable, Equatable {
    public var attempts: [VerificationAttempt]
    /// Set when an internal user accepted a WARNING or REJECTED result.
    public var acceptedBy: UUID?
    public var acceptanceComment: String?

    public init() { attempts = [] }

    public var latest: VerificationAttempt? { attempts.last }
}
