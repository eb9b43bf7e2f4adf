import Foundation
import JumioKit
import KeyflowJSON

/// One emulated workflow execution and everything that happened to it.
struct SandboxExecution: Sendable {
    var id: String
    var accountID: String
    var key: Int
    var status: JumioExecutionStatus
    var customerInternalReference: String
    var userReference: String?
    var reportingCriteria: String?
    var callbackURL: String?
    var successURL: String?
    var errorURL: String?
    var locale: String
    var authorizationToken: String
    var credentials: [(id: String, category: String)]
    var createdAt: Date
    var tokenExpiresAt: Date
    var startedAt: Date?
    var lastActivityAt: Date?
    var acquiredAt: Date?
    var processedAt: Date?
    var wipedOutAt: Date?
    /// Forced by the Mock Service convention, else chosen on the journey page.
    var outcome: SandboxOutcome?
    var credentialWithDecision: String?
    var extractionOverrides: [String: String]
}

struct SandboxAccount: Sendable {
    var id: String
    var executionIDs: [String]
    var deleted: Bool
}

/// A callback waiting to be delivered.
/// A callback the sandbox would have sent: where to, and the JSON body.
public struct HeldCallback: Sendable {
    public var url: String
    public var body: Data
}

struct PendingCallback: Sendable {
    var url: String
    var body: Data
    var attempt: Int
    var notBefore: Date
}

extension SandboxExecution {
    /// Jumio's timestamps: UTC with milliseconds, `2026-11-28T16:11:31.123Z`. One style made once: making it
    /// and mending its zone's text on every call was a third of the cost of a retrieval's details.
    static func timestamp(_ date: Date) -> String {
        timestampStyle.format(date)
    }

    private static let timestampStyle = Date.ISO8601FormatStyle(includingFractionalSeconds: true)

    /// An id for `part` of this execution's details that is the same on every retrieval, as Jumio's are: two
    /// FNV-1a hashes of the execution's id and the part's name, shaped as a version 4 UUID.
    func stableID(_ part: String) -> String {
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        withUnsafeMutableBytes(of: &uuid) { raw in
            raw.storeBytes(of: Self.fnv1a(id + "/" + part), toByteOffset: 0, as: UInt64.self)
            raw.storeBytes(of: Self.fnv1a(part + "/" + id), toByteOffset: 8, as: UInt64.self)
            raw[6] = raw[6] & 0x0f | 0x40
            raw[8] = raw[8] & 0x3f | 0x80
        }
        return UUID(uuid: uuid).text(uppercase: false)
    }

    private static func fnv1a(_ text: String) -> UInt64 {
        text.utf8.reduce(0xcbf2_9ce4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01b3 }
    }

    func href(base: String) -> String { "\(base)/api/v1/accounts/\(accountID)/workflow-executions/\(id)" }

    /// The callback Jumio would POST for `status`.
    func callback(status: JumioExecutionStatus, base: String, at now: Date) -> JumioCallback {
        JumioCallback(
            callbackSentAt: Self.timestamp(now), userReference: userReference,
            workflowExecution: .init(id: id, href: href(base: base), definitionKey: String(key), status: status),
            account: .init(id: accountID, href: "\(base)/api/v1/accounts/\(accountID)"))
    }

    /// The retrieval details, shaped as §7.2 documents them.
    func details(base: String) -> JSONValue {
        var workflow: [String: JSONValue] = [
            "id": .string(id), "status": .string(status.rawValue), "definitionKey": .string(String(key)),
            "customerInternalReference": .string(customerInternalReference),
        ]
        if let userReference { workflow["userReference"] = .string(userReference) }
        if let reportingCriteria { workflow["reportingCriteria"] = .string(reportingCriteria) }
        var body: [String: JSONValue] = [
            "workflow": .object(workflow),
            "account": .object(["id": .string(accountID)]),
            "createdAt": .string(Self.timestamp(createdAt)),
            "steps": .object(["href": .string(href(base: base) + "/steps")]),
        ]
        if let startedAt { body["startedAt"] = .string(Self.timestamp(startedAt)) }
        if let wipedOutAt { body["wipedOutAt"] = .string(Self.timestamp(wipedOutAt)) }
        let final = status == .processed || status == .sessionExpired || status == .tokenExpired
        guard final, wipedOutAt == nil else {
            if status == .processed, let processedAt { body["completedAt"] = .string(Self.timestamp(processedAt)) }
            return .object(body)
        }
        if let processedAt { body["completedAt"] = .string(Self.timestamp(processedAt)) }
        let outcome: SandboxOutcome = status == .processed ? (self.outcome ?? .pass) : .expire
        let decisions = Capabilities.decisions(key: key, outcome: outcome, credential: credentialWithDecision)
        let overall = ["REJECTED", "WARNING"].first { type in decisions.values.contains { $0.type == type } }
            ?? (outcome == .expire ? "REJECTED" : "PASSED")
        let label = decisions.values.first { $0.type == overall }?.label ?? (outcome == .expire ? "REJECTED" : "PASSED")
        let score: Double = outcome == .expire ? 100 : overall == "REJECTED" ? 95 : overall == "WARNING" ? 40 : 12.5
        body["decision"] = .object([
            "type": .string(overall), "details": .object(["label": .string(overall == "PASSED" ? "PASSED" : label)]),
            "risk": .object(["score": .number(score)]),
        ])
        body["credentials"] = .array(credentials.map { credential in
            let classifiers = credential.category == "ID" ? ["FRONT", "BACK"] : credential.category == "SELFIE" ? ["FACE"] : ["FACEMAP"]
            return .object([
                "id": .string(credential.id), "category": .string(credential.category),
                "parts": .array(classifiers.map { classifier in
                    var part: [String: JSONValue] = ["classifier": .string(classifier)]
                    if classifier != "FACEMAP", outcome != .expire {
                        part["href"] = .string("\(base)/api/v1/accounts/\(accountID)/credentials/\(credential.id)/parts/\(classifier)")
                    }
                    return .object(part)
                }),
            ])
        })
        body["capabilities"] = .object(capabilities(decisions))
        return .object(body)
    }

    private func capabilities(_ decisions: [String: (type: String, label: String)]) -> [String: JSONValue] {
        var result: [String: JSONValue] = [:]
        let idCredential = credentials.first { $0.category == "ID" }
        for (name, decision) in decisions {
            let onCredentials: [(id: String, category: String)]
            switch name {
            case "usability": onCredentials = credentials
            case "liveness": onCredentials = credentials.filter { $0.category != "ID" }
            case "similarity": onCredentials = credentials.filter { $0.category != "FACEMAP" }
            default: onCredentials = idCredential.map { [$0] } ?? []
            }
            var entry: [String: JSONValue] = [
                "id": .string(stableID(name)),
                "credentials": .array(onCredentials.map { .object(["id": .string($0.id), "category": .string($0.category)]) }),
                "decision": .object(["type": .string(decision.type), "details": .object(["label": .string(decision.label)])]),
            ]
            if name == "extraction", decision.type == "PASSED" { entry["data"] = extractionData() }
            if name == "similarity", decision.type != "NOT_EXECUTED" {
                entry["data"] = .object(["similarity": .string(decision.type == "PASSED" ? "MATCH" : decision.type == "WARNING" ? "NOT_POSSIBLE" : "NOT_MATCH")])
            }
            if name == "liveness", decision.type != "NOT_EXECUTED" {
                entry["data"] = .object(["type": .string("JUMIO_STANDARD"), "predictedAge": .number(34), "ageConfidenceRange": .string("25-34")])
            }
            if name == "watchlistScreening", decision.type != "NOT_EXECUTED" {
                entry["data"] = .object([
                    "searchStatus": .string("DONE"), "searchResults": .number(decision.type == "WARNING" ? 2 : 0),
                    "searchId": .string(stableID("watchlistScreening.search")),
                ])
            }
            // One usability entry per credential, as Jumio reports it.
            result[name] = .array(name == "usability" ? onCredentials.map { credential in
                var perCredential = entry
                perCredential["id"] = .string(stableID("usability.\(credential.id)"))
                perCredential["credentials"] = .array([.object(["id": .string(credential.id), "category": .string(credential.category)])])
                return .object(perCredential)
            } : [.object(entry)])
        }
        return result
    }

    /// A plausible ID card; `extractionOverrides` change any field (`idType` sets the type).
    private func extractionData() -> JSONValue {
        var fields: [String: String] = [
            "type": "ID_CARD", "subType": "NATIONAL_ID", "issuingCountry": "CHE", "firstName": "JANE",
            "lastName": "SAMPLE", "dateOfBirth": "1990-04-12", "expiryDate": "2031-08-31", "issuingDate": "2021-09-01",
            "documentNumber": "C4X72R9K1", "gender": "F", "nationality": "CHE", "placeOfBirth": "ZURICH",
        ]
        for (key, value) in extractionOverrides { fields[key == "idType" ? "type" : key] = value }
        var object = fields.mapValues { JSONValue.string($0) }
        object["currentAge"] = .number(36)
        object["address"] = .object(["city": .string("Zurich"), "country": .string("CHE"), "postalCode": .string("8001")])
        return .object(object)
    }
}
