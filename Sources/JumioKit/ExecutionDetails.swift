import Foundation
import KeyflowJSON

/// `GET /api/v1/accounts/{accountId}/workflow-executions/{id}`: the decision and everything behind it.
/// Every field is optional and unknown ones are kept in `raw`, so new Jumio fields never break decoding.
public struct JumioExecutionDetails: Sendable, Equatable {
    public var workflow: Workflow?
    public var accountID: String?
    public var createdAt: String?
    public var startedAt: String?
    public var completedAt: String?
    public var wipedOutAt: String?
    public var decision: Decision?
    public var credentials: [Credential]
    /// Each capability (usability, imageChecks, extraction, …) with one result per credential it ran on.
    public var capabilities: [String: [Capability]]
    /// The whole response as Jumio sent it.
    public let raw: JSONValue

    public struct Workflow: Sendable, Equatable {
        public var id: String?
        public var status: JumioExecutionStatus?
        public var definitionKey: String?
        public var userReference: String?
        public var customerInternalReference: String?
    }

    public struct Decision: Sendable, Equatable {
        public var type: JumioDecisionType?
        public var details: Details?
        public var risk: Risk?

        public struct Details: Sendable, Equatable {
            public var label: String?
        }

        public struct Risk: Sendable, Equatable {
            public var score: Double?
        }

        public var label: String? { details?.label }
    }

    public struct Credential: Sendable, Equatable {
        public var id: String?
        public var category: String?
        public var parts: [Part]?

        public struct Part: Sendable, Equatable {
            public var classifier: String?
            public var href: String?
        }
    }

    public struct Capability: Sendable, Equatable {
        public var id: String?
        public var decision: Decision?
        public var data: JSONValue?
    }

    /// What the extraction capability read from the document.
    public var extraction: JSONValue? { capabilities["extraction"]?.first?.data }

    /// Each capability's decision (the worst across its entries) as `name → type/label`, for people to read.
    public var capabilityDecisions: [String: Decision] {
        capabilities.compactMapValues { entries in
            let ranked = entries.compactMap(\.decision).sorted { Self.severity($0.type) > Self.severity($1.type) }
            return ranked.first
        }
    }

    static func severity(_ type: JumioDecisionType?) -> Int {
        switch type {
        case .rejected?: 3
        case .warning?: 2
        case .notExecuted?: 1
        default: 0
        }
    }
}

extension JumioExecutionDetails {
    /// Reads a details response; fails only when it is not a JSON object. Each field is read leniently: one of
    /// an unexpected shape is left out and hides nothing else.
    public init(json: Data) throws(JSONParseError) {
        let value = try JSONValue(parsing: json)
        guard case .object(let fields) = value else {
            throw JSONParseError(offset: 0, reason: "a details response must be a JSON object")
        }
        workflow = fields["workflow"].flatMap(Workflow.init(json:))
        accountID = fields["account"]?["id"]?.text
        createdAt = fields["createdAt"]?.text
        startedAt = fields["startedAt"]?.text
        completedAt = fields["completedAt"]?.text
        wipedOutAt = fields["wipedOutAt"]?.text
        decision = fields["decision"].flatMap(Decision.init(json:))
        credentials = fields["credentials"]?.items?.compactMap(Credential.init(json:)) ?? []
        capabilities = fields["capabilities"]?.fields?.compactMapValues { $0.items?.compactMap(Capability.init(json:)) } ?? [:]
        raw = value
    }
}

extension JumioExecutionDetails.Workflow {
    init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        id = fields["id"]?.text
        status = fields["status"]?.text.map(JumioExecutionStatus.init(rawValue:))
        definitionKey = fields["definitionKey"]?.text
        userReference = fields["userReference"]?.text
        customerInternalReference = fields["customerInternalReference"]?.text
    }
}

extension JumioExecutionDetails.Decision {
    init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        type = fields["type"]?.text.map(JumioDecisionType.init(rawValue:))
        details = fields["details"]?.fields.map { Details(label: $0["label"]?.text) }
        risk = fields["risk"]?.fields.map { Risk(score: $0["score"]?.number) }
    }
}

extension JumioExecutionDetails.Credential {
    init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        id = fields["id"]?.text
        category = fields["category"]?.text
        parts = fields["parts"]?.items?.compactMap { part in
            part.fields.map { Part(classifier: $0["classifier"]?.text, href: $0["href"]?.text) }
        }
    }
}

extension JumioExecutionDetails.Capability {
    init?(json: JSONValue) {
        guard case .object(let fields) = json else { return nil }
        id = fields["id"]?.text
        decision = fields["decision"].flatMap(JumioExecutionDetails.Decision.init(json:))
        data = fields["data"].flatMap { $0 == .null ? nil : $0 }
    }
}

/// What Jumio POSTs to the callback URL. It carries no personal data and is only a hint: the retrieval API
/// is the truth.
public struct JumioCallback: Codable, Sendable, Equatable {
    public var callbackSentAt: String?
    public var userReference: String?
    public var workflowExecution: Execution
    public var account: JumioAccountResponse.Reference

    public struct Execution: Codable, Sendable, Equatable {
        public var id: String
        public var href: String?
        public var definitionKey: String?
        public var status: JumioExecutionStatus

        public init(id: String, href: String?, definitionKey: String?, status: JumioExecutionStatus) {
            self.id = id
            self.href = href
            self.definitionKey = definitionKey
            self.status = status
        }
    }

    public init(
        callbackSentAt: String?, userReference: String?, workflowExecution: Execution,
        account: JumioAccountResponse.Reference
    ) {
        self.callbackSentAt = callbackSentAt
        self.userReference = userReference
        self.workflowExecution = workflowExecution
        self.account = account
    }

    /// The status a callback body announces, or nil when the body is not a callback. Only that field is
    /// decoded: a receiver stores the body as it came and takes the status as a hint, since the retrieval API,
    /// not the callback, says where an execution stands.
    public static func announcedStatus(in body: Data) -> JumioExecutionStatus? {
        (try? JSONValue(parsing: body))?["workflowExecution"]?["status"]?.text.map(JumioExecutionStatus.init(rawValue:))
    }

    /// Decodes a callback body, unknown fields and statuses included.
    public static func decode(_ body: Data) throws(JumioError) -> JumioCallback {
        do {
            return try JSONCoding.decode(JumioCallback.self, from: body)
        } catch {
            throw .invalidResponse("the callback body is not a Jumio callback: \(error)")
        }
    }
}
