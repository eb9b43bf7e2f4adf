import Foundation

/// The answer to an account create or update: the new workflow execution and how to reach its journey.
public struct JumioAccountResponse: Codable, Sendable, Equatable {
    public init(timestamp: String?, account: Reference, web: Web?, sdk: SDK?, workflowExecution: Execution) {
        self.timestamp = timestamp
        self.account = account
        self.web = web
        self.sdk = sdk
        self.workflowExecution = workflowExecution
    }

    public var timestamp: String?
    public var account: Reference
    public var web: Web?
    public var sdk: SDK?
    public var workflowExecution: Execution

    public struct Reference: Codable, Sendable, Equatable {
        public init(id: String, href: String?) {
            self.id = id
            self.href = href
        }

        public var id: String
        public var href: String?
    }

    public struct Web: Codable, Sendable, Equatable {
        public init(href: String?, successUrl: String?, errorUrl: String?) {
            self.href = href
            self.successUrl = successUrl
            self.errorUrl = errorUrl
        }

        public var href: String?
        public var successUrl: String?
        public var errorUrl: String?
    }

    public struct SDK: Codable, Sendable, Equatable {
        public init(token: String?) { self.token = token }

        public var token: String?
    }

    public struct Execution: Codable, Sendable, Equatable {
        public init(id: String, credentials: [JumioAccountResponse.Credential]?) {
            self.id = id
            self.credentials = credentials
        }

        public var id: String
        public var credentials: [Credential]?
    }

    public struct Credential: Codable, Sendable, Equatable {
        public init(id: String, category: String, allowedChannels: [String]?, api: JumioAccountResponse.API?) {
            self.id = id
            self.category = category
            self.allowedChannels = allowedChannels
            self.api = api
        }

        public var id: String
        public var category: String
        public var allowedChannels: [String]?
        public var api: API?
    }

    public struct API: Codable, Sendable, Equatable {
        public var token: String?
        public var parts: [String: String]?
        public var workflowExecution: String?
    }
}

/// Where an execution stands.
public struct JumioExecutionStatus: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let initiated = Self(rawValue: "INITIATED")
    public static let acquired = Self(rawValue: "ACQUIRED")
    public static let processed = Self(rawValue: "PROCESSED")
    public static let sessionExpired = Self(rawValue: "SESSION_EXPIRED")
    public static let tokenExpired = Self(rawValue: "TOKEN_EXPIRED")

    /// No further change will come.
    public var isFinal: Bool { self == .processed || self == .sessionExpired || self == .tokenExpired }
}

public struct JumioDecisionType: OpenEnum {
    public let rawValue: String
    public init(rawValue: String) { self.rawValue = rawValue }

    public static let notExecuted = Self(rawValue: "NOT_EXECUTED")
    public static let passed = Self(rawValue: "PASSED")
    public static let rejected = Self(rawValue: "REJECTED")
    public static let warning = Self(rawValue: "WARNING")
}

/// `GET …/workflow-executions/{id}/status`.
public struct JumioStatusResponse: Codable, Sendable, Equatable {
    public init(account: JumioAccountResponse.Reference?, workflowExecution: ExecutionSummary) {
        self.account = account
        self.workflowExecution = workflowExecution
    }

    public var account: JumioAccountResponse.Reference?
    public var workflowExecution: ExecutionSummary

    public struct ExecutionSummary: Codable, Sendable, Equatable {
        public init(id: String, href: String?, definitionKey: String?, status: JumioExecutionStatus) {
            self.id = id
            self.href = href
            self.definitionKey = definitionKey
            self.status = status
        }

        public var id: String
        public var href: String?
        public var definitionKey: String?
        public var status: JumioExecutionStatus
    }
}

/// The health endpoint's answer: `UP`, `DEGRADED` or `DOWN`, overall and per part.
public struct JumioHealth: Codable, Sendable, Equatable {
    public init(status: String, details: [String: String]?) {
        self.status = status
        self.details = details
    }

    public var status: String
    public var details: [String: String]?
}

/// Jumio's problem-style error body; every field optional, since only 401 and 429 bodies are documented.
struct JumioProblem: Decodable {
    var title: String?
    var status: Int?
    var detail: String?
}

/// The token endpoint's answer.
struct JumioTokenResponse: Decodable {
    var access_token: String
    var expires_in: Int?
    var token_type: String?
}
