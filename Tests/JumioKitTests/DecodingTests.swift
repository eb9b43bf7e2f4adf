import Foundation
import JumioKit
import KeyflowJSON
import Testing

@Suite("Decoding Jumio's documented payloads")
struct DecodingTests {
    func fixture(_ name: String) throws -> Data {
        let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
        return try Data(contentsOf: url)
    }

    func details(_ name: String) throws -> JumioExecutionDetails {
        try JumioExecutionDetails(json: try fixture(name))
    }

    @Test("a REJECTED execution keeps its labels and the dependency chain")
    func rejected() throws {
        let result = try details("details-rejected")
        #expect(result.workflow?.status == .processed)
        #expect(result.decision?.type == .rejected)
        #expect(result.decision?.label == "DIGITAL_COPY")
        #expect(result.decision?.risk?.score == 100)
        #expect(result.capabilityDecisions["imageChecks"]?.label == "DIGITAL_COPY")
        #expect(result.capabilityDecisions["extraction"]?.type == .notExecuted)
        #expect(result.capabilities["liveness"]?.first?.data?["predictedAge"] == .number(31))
        #expect(result.credentials.map(\.category) == ["ID", "FACEMAP"])
        #expect(result.extraction == nil)
    }

    @Test("a WARNING execution with screening results and extracted data")
    func warning() throws {
        let result = try details("details-warning")
        #expect(result.decision?.type == .warning)
        #expect(result.capabilityDecisions["watchlistScreening"]?.label == "ALERT")
        #expect(result.extraction?["lastName"]?.string == "DOE")
        #expect(result.extraction?["dateOfBirthParts"]?["day"]?.string == "29")
        #expect(result.extraction?["currentAge"]?.string == "38")
    }

    @Test("an expired execution is rejected with nothing uploaded")
    func expired() throws {
        let result = try details("details-expired")
        #expect(result.workflow?.status == .tokenExpired)
        #expect(result.workflow?.status?.isFinal == true)
        #expect(result.capabilityDecisions["usability"]?.label == "NOT_UPLOADED")
    }

    @Test("unknown statuses, decisions and capabilities are kept, unknown fields passed over, never fatal")
    func unknown() throws {
        let result = try details("details-unknown")
        #expect(result.workflow?.status?.rawValue == "ARCHIVED_BY_POLICY")
        #expect(result.workflow?.status?.isFinal == false)
        #expect(result.decision?.type?.rawValue == "NEEDS_REVIEW")
        #expect(result.decision?.label == "CUSTOM_RULE_17")
        #expect(result.capabilityDecisions["ageEstimation"]?.type == .passed)
        #expect(result.capabilities["ageEstimation"]?.first?.data == .object(["age": .number(44)]))
        #expect(result.decision?.risk?.score == 61.25)
        #expect(result.accountID == "abcdef01-2345-4678-9abc-def012345678")
    }

    @Test("any JSON value reads as what it is: strings, numbers, booleans, null, objects and arrays, nested")
    func anyValue() throws {
        let text = #"""
            {"name": "JANE", "age": 36, "score": 12.5, "adult": true, "minor": false, "middleName": null,
             "address": {"city": "Zurich", "lines": ["Bahnhofstrasse 1", 2, null, {"floor": 3}]},
             "empty": {}, "none": [], "digits": "0042"}
            """#
        let value = try JSONDecoder().decode(JSONValue.self, from: Data(text.utf8))
        let expected: JSONValue = .object([
            "name": .string("JANE"), "age": .number(36), "score": .number(12.5), "adult": .bool(true),
            "minor": .bool(false), "middleName": .null,
            "address": .object([
                "city": .string("Zurich"),
                "lines": .array([.string("Bahnhofstrasse 1"), .number(2), .null, .object(["floor": .number(3)])]),
            ]),
            "empty": .object([:]), "none": .array([]), "digits": .string("0042"),
        ])
        #expect(value == expected)
        #expect(try JSONDecoder().decode(JSONValue.self, from: JSONEncoder().encode(expected)) == expected)
    }

    @Test("callbacks decode, unknown statuses included")
    func callbacks() throws {
        let processed = try JumioCallback.decode(try fixture("callback-processed"))
        #expect(processed.workflowExecution.status == .processed)
        #expect(processed.workflowExecution.definitionKey == "3")
        #expect(processed.userReference == "user-8842")
        let unknown = try JumioCallback.decode(try fixture("callback-unknown-status"))
        #expect(unknown.workflowExecution.status.rawValue == "ACQUISITION_STARTED")
        #expect(unknown.workflowExecution.status.isFinal == false)
        #expect(throws: JumioError.self) { try JumioCallback.decode(Data("{\"nope\": 1}".utf8)) }
        #expect(JumioCallback.announcedStatus(in: try fixture("callback-processed")) == .processed)
        #expect(JumioCallback.announcedStatus(in: try fixture("callback-unknown-status"))?.rawValue == "ACQUISITION_STARTED")
        #expect(JumioCallback.announcedStatus(in: Data("{\"nope\": 1}".utf8)) == nil)
        #expect(JumioCallback.announcedStatus(in: Data("not json".utf8)) == nil)
    }
}
