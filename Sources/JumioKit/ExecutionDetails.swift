import Foundation

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
    /// The response as Jumio sent it; `raw` reads it as JSON when someone asks, since nothing on the hot path does.
    private let body: Data

    /// The whole response as Jumio sent it.
    public var raw: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: body)) ?? .null }

    public struct Workflow: Codable, Sendable, Equatable {
        public var id: String?
        public var status: JumioExecutionStatus?
        public var definitionKey: String?
        public var userReference: String?
        public var customerInternalReference: String?
    }

    public struct Decision: Codable, Sendable, Equatable {
        public var type: JumioDecisionType?
        public var details: Details?
        public var risk: Risk?

        public struct Details: Codable, Sendable, Equatable {
            public var label: String?
        }

        public struct Risk: Codable, Sendable, Equatable {
            public var score: Double?
        }

        public var label: String? { details?.label }
    }

    public struct Credential: Codable, Sendable, Equatable {
        public var id: String?
        public var category: String?
        public var parts: [Part]?

        public struct Part: Codable, Sendable, Equatable {
            public var classifier: String?
            public var href: String?
        }
    }

    public struct Capability: Codable, Sendable, Equatable {
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
    /// Reads a details response; fails only when it is not a JSON object.
    public init(json: Data) throws {
        let fields = try JSONDecoder().decode(Fields.self, from: json)
        workflow = fields.workflow
        accountID = fields.accountID
        createdAt = fields.createdAt
        startedAt = fields.startedAt
        completedAt = fields.completedAt
        wipedOutAt = fields.wipedOutAt
        decision = fields.decision
        credentials = fields.credentials
        capabilities = fields.capabilities
        body = json
    }

    /// The typed part of the response, each field read leniently.
    private struct Fields: Decodable {
        enum CodingKeys: String, CodingKey {
            case workflow, account, createdAt, startedAt, completedAt, wipedOutAt, decision, credentials, capabilities
        }

        struct AccountReference: Decodable { var id: String? }

        var workflow: Workflow?
        var accountID: String?
        var createdAt, startedAt, completedAt, wipedOutAt: String?
        var decision: Decision?
        var credentials: [Credential]
        var capabilities: [String: [Capability]]

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            workflow = try? container.decodeIfPresent(Workflow.self, forKey: .workflow)
            accountID = (try? container.decodeIfPresent(AccountReference.self, forKey: .account))??.id
            createdAt = try? container.decodeIfPresent(String.self, forKey: .createdAt)
            startedAt = try? container.decodeIfPresent(String.self, forKey: .startedAt)
            completedAt = try? container.decodeIfPresent(String.self, forKey: .completedAt)
            wipedOutAt = try? container.decodeIfPresent(String.self, forKey: .wipedOutAt)
            decision = try? container.decodeIfPresent(Decision.self, forKey: .decision)
            credentials = (try? container.decodeIfPresent([Credential].self, forKey: .credentials)) ?? []
            // One capability of an unexpected shape must not hide the others.
            let lenient = ((try? container.decodeIfPresent([String: Lenient<[Capability]>].self, forKey: .capabilities)) ?? nil) ?? [:]
            capabilities = lenient.compactMapValues(\.value)
        }
    }
}

/// A value that decodes to nil instead of failing when its shape is unexpected.
struct Lenient<Value: Decodable>: Decodable {
    var value: Value?

    init(from decoder: any Decoder) throws {
        value = try? decoder.singleValueContainer().decode(Value.self)
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
        try? JSONDecoder().decode(Announcement.self, from: body).workflowExecution.status
    }

    private struct Announcement: Decodable {
        struct Execution: Decodable {
            var status: JumioExecutionStatus
        }

        var workflowExecution: Execution
    }

    /// Decodes a callback body, unknown fields and statuses included.
    public static func decode(_ body: Data) throws(JumioError) -> JumioCallback {
        do {
            return try JSONDecoder().decode(JumioCallback.self, from: body)
        } catch {
            throw .invalidResponse("the callback body is not a Jumio callback: \(error)")
        }
    }
}
