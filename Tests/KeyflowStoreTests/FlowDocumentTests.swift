import Foundation
import Keyflow
import KeyflowJSON
import Testing

@testable import KeyflowStore

/// The flow's hand-written document coding against `Codable`'s: the same JSON, the same value read back, on
/// a flow that sets every field (checked, so a field added to the model but not to the document fails here).
@Suite("Flow document")
struct FlowDocumentTests {
    static let now = Date(timeIntervalSinceReferenceDate: 817_431_841.746_090_8)

    /// Every optional set, every list and map non-empty, each kind of assignee, due date and output.
    static func everyField() -> Flow {
        let client = UUID.random()
        var jumio = FlowAction(
            definition: ActionDefinition(
                type: .jumio, title: "Verify {{role.Client.name}}", description: "Line one\nsays \"hi\" 👋",
                attachments: [UUID.random()], assignee: .role("Client"), due: .days(3, excludeWeekends: true),
                jumio: JumioSettings(
                    dataCenter: .eu, workflowType: .idIdentityVerificationScreening, clientID: "client-id",
                    sealedSecret: "sealed", connectionID: UUID.random())))
        jumio.status = .completed
        jumio.resolvedTitle = "Verify Carla"
        jumio.resolvedDescription = "Line one"
        jumio.warnings = ["role.Client.email"]
        jumio.dueAt = now.addingTimeInterval(3 * 86_400)
        jumio.outputs = ["decision": .text("PASSED"), "riskScore": .number(12.5), "adult": .bool(true), "back\\slash": .text("x")]
        jumio.activatedAt = now
        jumio.completedAt = now.addingTimeInterval(61.25)
        jumio.completedBy = client
        jumio.reason = "accepted after review"
        var attempt = VerificationAttempt(
            number: 2, accountID: "account", executionID: "execution", href: "https://example.test/web",
            expiresAt: now.addingTimeInterval(900), startedAt: now)
        attempt.status = .warning
        attempt.label = "DIGITAL_COPY"
        attempt.reasons = ["imageChecks: DIGITAL_COPY"]
        attempt.riskScore = 0.1
        attempt.finishedAt = now.addingTimeInterval(60)
        attempt.results = ["decision": .text("WARNING"), "riskScore": .number(0.1), "flag": .bool(false)]
        var verification = VerificationState()
        verification.attempts = [attempt]
        verification.acceptedBy = UUID.random()
        verification.acceptanceComment = "looks fine"
        jumio.verification = verification
        jumio.remindersSent = [.dueSoon, .overdue]

        let form = FlowAction(
            definition: ActionDefinition(
                type: .form, title: "Details", assignee: .user(client), due: .on(LocalDate(year: 2026, month: 12, day: 24)),
                form: FormSpec(fields: [
                    FormField(name: "country", label: "Country", type: .choice, required: true, options: ["CH", "DE"]),
                ])))
        var flow = Flow(
            organizationID: UUID.random(), templateID: UUID.random(), name: "Onboarding \"Müller\"",
            description: "KYC", ownerID: UUID.random(), roles: ["Client"],
            members: [FlowMember(userID: client, role: "Client")], variables: ["fund": "Alpha", "a \"quoted\" name\n": "Beta"],
            actions: [jumio, form], createdAt: now)
        flow.status = .completed
        flow.completedAt = now.addingTimeInterval(120)
        return flow
    }

    @Test("the fixture sets every field of every type in the document")
    func fixtureIsComplete() {
        #expect(Self.unset(in: Self.everyField(), at: "flow") == [])
    }

    @Test("the document is the JSON Codable writes, and reads back equal from either")
    func sameAsCodable() throws {
        let flow = Self.everyField()
        let document = try FlowDocument.encode(flow).text
        #expect(try DocumentEncoderTests.sameJSON(document, JSONEncoder().encode(flow)), "\(document)")
        let codableText = String(decoding: try JSONEncoder().encode(flow), as: UTF8.self)
        #expect(try Flow(document: DocumentObject(JSONTape(parsing: codableText).root)) == flow)
        #expect(try Flow(document: DocumentObject(JSONTape(parsing: document).root)) == flow)
        #expect(try FlowDocument.decode(document, id: "f") == flow)
    }

    @Test("what the field reader refuses is read through Codable: exact big integers, or an error naming the field")
    func fallback() throws {
        var flow = Self.everyField()
        flow.actions[0].verification?.attempts[0].number = 9_007_199_254_740_993
        let document = try FlowDocument.encode(flow).text
        #expect(throws: DocumentObject.Refused.self) { try Flow(document: DocumentObject(JSONTape(parsing: document).root)) }
        #expect(try FlowDocument.decode(document, id: "f") == flow)

        let broken = document.replacingOccurrences(of: #""status":"completed""#, with: #""status":7"#)
        #expect {
            try FlowDocument.decode(broken, id: "f")
        } throws: { error in
            guard case StoreError.corruptRecord(let entity, _, let reason) = error else { return false }
            return entity == "flow" && reason.contains("status")
        }
    }

    @Test("a number JSON has no form for is refused on save, never written as text that cannot be read back")
    func nonFiniteRefused() {
        var flow = Self.everyField()
        flow.actions[0].verification?.attempts[0].riskScore = .nan
        #expect(throws: EncodingError.self) { try FlowDocument.encode(flow) }
        flow = Self.everyField()
        flow.actions[0].outputs["riskScore"] = .number(.infinity)
        #expect(throws: EncodingError.self) { try FlowDocument.encode(flow) }
    }

    /// The paths of optionals left nil and collections left empty, through the model's own types. A field
    /// inside a collection counts as set when one of the elements sets it.
    static func unset(in value: Any, at path: String) -> [String] {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional:
            guard let wrapped = mirror.children.first?.value else { return [path] }
            return unset(in: wrapped, at: path)
        case .collection, .dictionary, .set:
            let perElement = mirror.children.map { unset(in: $0.value, at: "\(path)[]") }
            guard let first = perElement.first else { return [path] }
            return first.filter { path in perElement.allSatisfy { $0.contains(path) } }
        case .tuple:
            return mirror.children.flatMap { unset(in: $0.value, at: path) }
        case .struct, .enum:
            guard String(reflecting: type(of: value)).hasPrefix("Keyflow.") else { return [] }
            return mirror.children.flatMap { unset(in: $0.value, at: "\(path).\($0.label ?? "?")") }
        default:
            return []
        }
    }
}
