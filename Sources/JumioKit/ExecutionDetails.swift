import Foundation
import KeyflowJSON

/// `GET /api/v1/accounts/{accountId}/workflow-executions/{id}`: the decision and everything behind it.
/// Every field is optional and unknown ones are passed over, so new Jumio fields never break decoding.
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
    /// an unexpected shape is left out and hides nothing else. Read from a `JSONTape`: a response holds far more
    /// than these few dozen fields, and only capabilities' data is made into values.
    public init(json: Data) throws(JSONParseError) {
        let root = try JSONTape(parsing: json).root
        guard root.isObject else { throw JSONParseError(offset: 0, reason: "a details response must be a JSON object") }
        workflow = root["workflow"].flatMap(Workflow.init(json:))
        accountID = root["account"]?["id"]?.text
        createdAt = root["createdAt"]?.text
        startedAt = root["startedAt"]?.text
        completedAt = root["completedAt"]?.text
        wipedOutAt = root["wipedOutAt"]?.text
        decision = root["decision"].flatMap(Decision.init(json:))
        credentials = root["credentials"]?.items?.compactMap(Credential.init(json:)) ?? []
        var capabilities: [String: [Capability]] = [:]
        for (name, entries) in root["capabilities"]?.fields ?? [] {
            // A repeated name keeps its last entries, as in a JSON object read into a dictionary.
            capabilities[name] = entries.items?.compactMap(Capability.init(json:))
        }
        self.capabilities = capabilities
    }
}

extension JumioExecutionDetails.Workflow {
    init?(json: JSONTape.Element) {
        guard json.isObject else { return nil }
        id = json["id"]?.text
        status = json["status"]?.text.map(JumioExecutionStatus.init(rawValue:))
        definitionKey = json["definitionKey"]?.text
        userReference = json["userReference"]?.text
        customerInternalReference = json["customerInternalReference"]?.text
    }
}

extension JumioExecutionDetails.Decision {
    init?(json: JSONTape.Element) {
        guard json.isObject else { return nil }
        type = json["type"]?.text.map(JumioDecisionType.init(rawValue:))
        details = json["details"].flatMap { $0.isObject ? Details(label: $0["label"]?.text) : nil }
        risk = json["risk"].flatMap { $0.isObject ? Risk(score: $0["score"]?.number) : nil }
    }
}

extension JumioExecutionDetails.Credential {
    init?(json: JSONTape.Element) {
        guard json.isObject else { return nil }
        id = json["id"]?.text
        category = json["category"]?.text
        parts = json["parts"]?.items?.compactMap { part in
            part.isObject ? Part(classifier: part["classifier"]?.text, href: part["href"]?.text) : nil
        }
    }
}

extension JumioExecutionDetails.Capability {
    init?(json: JSONTape.Element) {
        guard json.isObject else { return nil }
        id = json["id"]?.text
        decision = json["decision"].flatMap(JumioExecutionDetails.Decision.init(json:))
        data = json["data"].flatMap { $0.isNull ? nil : $0.value }
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
        (try? JSONTape(parsing: body))?.root["workflowExecution"]?["status"]?.text.map(JumioExecutionStatus.init(rawValue:))
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
