import Foundation
import JumioKit
import KeyflowJSON

/// A retrieval's details, shaped as §7.2 documents them, written straight as JSON text: built as a tree of
/// values, serialized and freed, they were ≈ 19 % of the benchmark generator's CPU while it answered retrievals.
extension SandboxExecution {
    func details(base: String) throws -> [UInt8] {
        var json = JSONText(capacity: 4096)
        json.beginObject()
        json.key("workflow")
        json.beginObject()
        json.field("id", id)
        json.field("status", status.rawValue)
        json.field("definitionKey", String(key))
        json.field("customerInternalReference", customerInternalReference)
        if let userReference { json.field("userReference", userReference) }
        if let reportingCriteria { json.field("reportingCriteria", reportingCriteria) }
        json.endObject()
        json.key("account")
        json.beginObject()
        json.field("id", accountID)
        json.endObject()
        json.field("createdAt", Self.timestamp(createdAt))
        json.key("steps")
        json.beginObject()
        json.field("href", href(base: base) + "/steps")
        json.endObject()
        if let startedAt { json.field("startedAt", Self.timestamp(startedAt)) }
        if let wipedOutAt { json.field("wipedOutAt", Self.timestamp(wipedOutAt)) }
        let final = status == .processed || status == .sessionExpired || status == .tokenExpired
        guard final, wipedOutAt == nil else {
            if status == .processed, let processedAt { json.field("completedAt", Self.timestamp(processedAt)) }
            json.endObject()
            return json.bytes
        }
        if let processedAt { json.field("completedAt", Self.timestamp(processedAt)) }
        let outcome: SandboxOutcome = status == .processed ? (self.outcome ?? .pass) : .expire
        let decisions = Capabilities.decisions(key: key, outcome: outcome, credential: credentialWithDecision)
        try writeDecision(decisions, outcome: outcome, to: &json)
        writeCredentials(outcome: outcome, base: base, to: &json)
        json.key("capabilities")
        json.beginObject()
        for (name, decision) in decisions { writeCapability(name, decision, to: &json) }
        json.endObject()
        json.endObject()
        return json.bytes
    }

    private func writeDecision(
        _ decisions: [String: (type: String, label: String)], outcome: SandboxOutcome, to json: inout JSONText
    ) throws {
        let overall = ["REJECTED", "WARNING"].first { type in decisions.values.contains { $0.type == type } }
            ?? (outcome == .expire ? "REJECTED" : "PASSED")
        let label = decisions.values.first { $0.type == overall }?.label ?? (outcome == .expire ? "REJECTED" : "PASSED")
        let score: Double = outcome == .expire ? 100 : overall == "REJECTED" ? 95 : overall == "WARNING" ? 40 : 12.5
        json.key("decision")
        json.beginObject()
        json.verdict(type: overall, label: overall == "PASSED" ? "PASSED" : label)
        json.key("risk")
        json.beginObject()
        json.key("score")
        try json.number(score)
        json.endObject()
        json.endObject()
    }

    private func writeCredentials(outcome: SandboxOutcome, base: String, to json: inout JSONText) {
        json.key("credentials")
        json.beginArray()
        for credential in credentials {
            json.beginObject()
            json.credential(credential)
            json.key("parts")
            json.beginArray()
            let classifiers = credential.category == "ID" ? ["FRONT", "BACK"] : credential.category == "SELFIE" ? ["FACE"] : ["FACEMAP"]
            for classifier in classifiers {
                json.beginObject()
                json.field("classifier", classifier)
                if classifier != "FACEMAP", outcome != .expire {
                    json.field("href", "\(base)/api/v1/accounts/\(accountID)/credentials/\(credential.id)/parts/\(classifier)")
                }
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.endArray()
    }

    /// One capability's entries: one per credential for usability, as Jumio reports it; one for the others.
    private func writeCapability(_ name: String, _ decision: (type: String, label: String), to json: inout JSONText) {
        json.key(named: name)
        json.beginArray()
        if name == "usability" {
            for credential in credentials {
                writeEntry(name, decision, id: stableID("usability.\(credential.id)"), on: [credential], to: &json)
            }
        } else {
            let onCredentials: [(id: String, category: String)]
            switch name {
            case "liveness": onCredentials = credentials.filter { $0.category != "ID" }
            case "similarity": onCredentials = credentials.filter { $0.category != "FACEMAP" }
            default: onCredentials = credentials.first { $0.category == "ID" }.map { [$0] } ?? []
            }
            writeEntry(name, decision, id: stableID(name), on: onCredentials, to: &json)
        }
        json.endArray()
    }

    private func writeEntry(
        _ name: String, _ decision: (type: String, label: String), id: String, on covered: [(id: String, category: String)],
        to json: inout JSONText
    ) {
        json.beginObject()
        json.field("id", id)
        json.key("credentials")
        json.beginArray()
        for credential in covered {
            json.beginObject()
            json.credential(credential)
            json.endObject()
        }
        json.endArray()
        json.key("decision")
        json.beginObject()
        json.verdict(type: decision.type, label: decision.label)
        json.endObject()
        writeData(name, decision.type, to: &json)
        json.endObject()
    }

    /// The `data` of the capabilities that report some.
    private func writeData(_ name: String, _ type: String, to json: inout JSONText) {
        switch name {
        case "extraction" where type == "PASSED":
            json.key("data")
            writeExtraction(to: &json)
        case "similarity" where type != "NOT_EXECUTED":
            json.key("data")
            json.beginObject()
            json.field("similarity", type == "PASSED" ? "MATCH" : type == "WARNING" ? "NOT_POSSIBLE" : "NOT_MATCH")
            json.endObject()
        case "liveness" where type != "NOT_EXECUTED":
            json.key("data")
            json.beginObject()
            json.field("type", "JUMIO_STANDARD")
            json.key("predictedAge")
            json.integer(34)
            json.field("ageConfidenceRange", "25-34")
            json.endObject()
        case "watchlistScreening" where type != "NOT_EXECUTED":
            json.key("data")
            json.beginObject()
            json.field("searchStatus", "DONE")
            json.key("searchResults")
            json.integer(type == "WARNING" ? 2 : 0)
            json.field("searchId", stableID("watchlistScreening.search"))
            json.endObject()
        default:
            break
        }
    }

    /// A plausible ID card; `extractionOverrides` change any field (`idType` sets the type) but the age and
    /// the address.
    private func writeExtraction(to json: inout JSONText) {
        var fields: [String: String] = [
            "type": "ID_CARD", "subType": "NATIONAL_ID", "issuingCountry": "CHE", "firstName": "JANE",
            "lastName": "SAMPLE", "dateOfBirth": "1990-04-12", "expiryDate": "2031-08-31", "issuingDate": "2021-09-01",
            "documentNumber": "C4X72R9K1", "gender": "F", "nationality": "CHE", "placeOfBirth": "ZURICH",
        ]
        for (key, value) in extractionOverrides { fields[key == "idType" ? "type" : key] = value }
        json.beginObject()
        for (key, value) in fields where key != "currentAge" && key != "address" {
            json.key(named: key)
            json.string(value)
        }
        json.key("currentAge")
        json.integer(36)
        json.key("address")
        json.beginObject()
        json.field("city", "Zurich")
        json.field("country", "CHE")
        json.field("postalCode", "8001")
        json.endObject()
        json.endObject()
    }
}

extension JSONText {
    fileprivate mutating func field(_ name: StaticString, _ text: String) {
        key(name)
        string(text)
    }

    fileprivate mutating func credential(_ credential: (id: String, category: String)) {
        field("id", credential.id)
        field("category", credential.category)
    }

    /// A decision's type and label, as the overall decision and each capability's carry them.
    fileprivate mutating func verdict(type: String, label: String) {
        field("type", type)
        key("details")
        beginObject()
        field("label", label)
        endObject()
    }
}
