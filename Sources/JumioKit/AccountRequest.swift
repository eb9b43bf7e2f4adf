import Foundation

/// The body of `POST /api/v1/accounts` and `PUT /api/v1/accounts/{id}`, checked against Jumio's documented
/// limits before it is sent.
public struct JumioAccountRequest: Codable, Sendable, Equatable {
    public var customerInternalReference: String
    public var userReference: String?
    public var reportingCriteria: String?
    public var callbackUrl: String?
    public var tokenLifetime: String?
    public var workflowDefinition: WorkflowDefinition
    public var web: Web?

    public struct WorkflowDefinition: Codable, Sendable, Equatable {
        public var key: Int
        public var credentials: [CredentialPreset]?

        public init(key: Int, credentials: [CredentialPreset]? = nil) {
            self.key = key
            self.credentials = credentials
        }
    }

    public struct CredentialPreset: Codable, Sendable, Equatable {
        public var category: String
        public var country: Preselection?
        public var type: Preselection?

        public init(category: String, country: Preselection? = nil, type: Preselection? = nil) {
            self.category = category
            self.country = country
            self.type = type
        }
    }

    public struct Preselection: Codable, Sendable, Equatable {
        public var predefinedType: String
        public var values: [String]

        public init(predefinedType: String = "DEFINED", values: [String]) {
            self.predefinedType = predefinedType
            self.values = values
        }
    }

    public struct Web: Codable, Sendable, Equatable {
        public var successUrl: String?
        public var errorUrl: String?
        public var locale: String?

        public init(successUrl: String? = nil, errorUrl: String? = nil, locale: String? = nil) {
            self.successUrl = successUrl
            self.errorUrl = errorUrl
            self.locale = locale
        }
    }

    public init(
        customerInternalReference: String, workflowKey: Int, userReference: String? = nil,
        reportingCriteria: String? = nil, callbackUrl: String? = nil, tokenLifetime: String? = nil, web: Web? = nil,
        credentials: [CredentialPreset]? = nil
    ) {
        self.customerInternalReference = customerInternalReference
        self.userReference = userReference
        self.reportingCriteria = reportingCriteria
        self.callbackUrl = callbackUrl
        self.tokenLifetime = tokenLifetime
        self.workflowDefinition = WorkflowDefinition(key: workflowKey, credentials: credentials)
        self.web = web
    }
}

extension JumioAccountRequest {
    /// Characters Jumio refuses in references (the OpenAPI's full list of ten).
    public static let forbiddenCharacters: Set<Character> = ["<", ">", "\"", "/", ";", "`", "%", "{", "}", "|"]

    /// The problems Jumio would answer 400 for, found before a request is spent on them; nil when none.
    public func problem() -> String? {
        if !isMockServiceReference,
            let problem = Self.referenceProblem(customerInternalReference, name: "customerInternalReference", maxLength: 100)
        {
            return problem
        }
        if let userReference, let problem = Self.referenceProblem(userReference, name: "userReference", maxLength: 100) {
            return problem
        }
        if let reportingCriteria, reportingCriteria.isEmpty || reportingCriteria.count > 255 {
            return "reportingCriteria must have 1 to 255 characters"
        }
        if let callbackUrl, callbackUrl.isEmpty || callbackUrl.count > 255 {
            return "callbackUrl must have 1 to 255 characters"
        }
        if let tokenLifetime, Self.tokenLifetimeProblem(tokenLifetime) != nil {
            return Self.tokenLifetimeProblem(tokenLifetime)
        }
        if let web {
            if (web.successUrl?.count ?? 0) > 255 { return "web.successUrl is longer than 255 characters" }
            if (web.errorUrl?.count ?? 0) > 255 { return "web.errorUrl is longer than 255 characters" }
            if (web.locale?.count ?? 0) > 5 { return "web.locale is longer than 5 characters" }
        }
        return nil
    }

    /// Jumio's Mock Service takes a JSON object as `customerInternalReference` to force outcomes, and its
    /// tenants relax the character rule for it; such a reference is passed through for Jumio to judge.
    public var isMockServiceReference: Bool {
        guard customerInternalReference.hasPrefix("{"),
            let object = try? JSONSerialization.jsonObject(with: Data(customerInternalReference.utf8)) as? [String: Any]
        else { return false }
        return object["customerInternalReference"] is String
    }

    static func referenceProblem(_ value: String, name: String, maxLength: Int) -> String? {
        guard !value.isEmpty, value.count <= maxLength else { return "\(name) must have 1 to \(maxLength) characters" }
        if let bad = value.first(where: { forbiddenCharacters.contains($0) }) {
            return "\(name) must not contain '\(bad)' (forbidden: < > \" / ; ` % { } |)"
        }
        return nil
    }

    /// `^([+-]?\d+)([smhd]{1})$`, between 5 minutes and 60 days.
    public static func tokenLifetimeProblem(_ value: String) -> String? {
        guard let seconds = tokenLifetimeSeconds(value) else {
            return "tokenLifetime '\(value)' must be a number followed by s, m, h or d (e.g. 30m)"
        }
        guard (300...5_184_000).contains(seconds) else { return "tokenLifetime must be between 5m and 60d" }
        return nil
    }

    public static func tokenLifetimeSeconds(_ value: String) -> Int? {
        guard let unit = value.last, let multiplier = ["s": 1, "m": 60, "h": 3600, "d": 86400][unit] else { return nil }
        var digits = value.dropLast()
        if digits.first == "+" || digits.first == "-" {
            let negative = digits.first == "-"
            digits = digits.dropFirst()
            guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits) else { return nil }
            return (negative ? -number : number) * multiplier
        }
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), let number = Int(digits) else { return nil }
        return number * multiplier
    }
}
