import Foundation
import JumioKit
import JumioSandbox
import Testing

@Suite("JumioClient against the sandbox: outcomes, retrieval and deletion")
struct RetrievalAndOutcomeTests {
    func start(_ key: Int, reference: String = "attempt", on harness: SandboxHarness, callback: String? = nil)
        async throws -> JumioAccountResponse
    {
        try await JumioClient.forTests().createAccount(
            JumioAccountRequest(
                customerInternalReference: reference, workflowKey: key, userReference: "user-7", callbackUrl: callback),
            on: harness.connection())
    }

    func details(_ created: JumioAccountResponse, _ harness: SandboxHarness) async throws -> JumioExecutionDetails {
        try await JumioClient.forTests().details(
            accountID: created.account.id, executionID: created.workflowExecution.id, on: harness.connection())
    }

    /// An execution of workflow `key` whose journey finished with `outcome`, and its details as retrieved.
    func finished(_ key: Int, _ outcome: SandboxOutcome, on harness: SandboxHarness) async throws
        -> (created: JumioAccountResponse, details: JumioExecutionDetails)
    {
        let created = try await start(key, on: harness)
        try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: outcome)
        return (created, try await details(created, harness))
    }

    @Test("a passed ID verification carries every capability and real-looking extracted data")
    func passed() async throws {
        try await SandboxHarness.with { harness async throws in
            let (created, result) = try await finished(2, .pass, on: harness)
            #expect(result.workflow?.status == .processed)
            #expect(result.decision?.type == .passed)
            #expect(Set(result.capabilities.keys) == ["usability", "imageChecks", "extraction", "dataChecks"])
            #expect(result.extraction?["firstName"]?.string == "JANE")
            #expect(result.extraction?["documentNumber"]?.string == "C4X72R9K1")
            #expect(result.decision?.risk?.score != nil)
        }
    }

    @Test("a finished execution's details are the same on every retrieval, ids and Jumio's timestamps included")
    func sameDetailsEveryTime() async throws {
        try await SandboxHarness.with { harness async throws in
            let (created, first) = try await finished(32, .warning(label: "ALERT"), on: harness)
            #expect(try await details(created, harness) == first)
            let ids = first.capabilities.values.flatMap { $0.compactMap(\.id) }
            #expect(ids.count == first.capabilities.values.map(\.count).reduce(0, +))
            #expect(Set(ids).count == ids.count)
            for timestamp in [first.createdAt, first.completedAt] {
                #expect(timestamp?.wholeMatch(of: /\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z/) != nil)
            }
        }
    }

    @Test("a rejected document leaves the capabilities that depend on it not executed")
    func rejectedWithDependencyRule() async throws {
        try await SandboxHarness.with { harness async throws in
            let (created, result) = try await finished(3, .reject(label: "DIGITAL_COPY"), on: harness)
            let decisions = result.capabilityDecisions
            #expect(result.decision?.type == .rejected)
            #expect(result.decision?.label == "DIGITAL_COPY")
            #expect(decisions["imageChecks"]?.type == .rejected)
            #expect(decisions["extraction"]?.type == .notExecuted)
            #expect(decisions["extraction"]?.label == "PRECONDITION_NOT_FULFILLED")
            #expect(decisions["dataChecks"]?.type == .notExecuted)
            #expect(decisions["liveness"]?.type == .passed)
            #expect(decisions["similarity"]?.label == "MATCH")
            #expect(result.capabilities["usability"]?.count == 3)
        }
    }

    @Test("a passed identity verification reports each capability's data and the document's image parts as Jumio does")
    func capabilityDataAndParts() async throws {
        try await SandboxHarness.with { harness async throws in
            let (created, result) = try await finished(3, .pass, on: harness)
            #expect(result.decision?.risk?.score == 12.5)
            #expect(result.capabilities["liveness"]?.first?.data?["type"]?.string == "JUMIO_STANDARD")
            #expect(result.capabilities["liveness"]?.first?.data?["predictedAge"] == .number(34))
            #expect(result.capabilities["similarity"]?.first?.data?["similarity"]?.string == "MATCH")
            #expect(result.extraction?["address"]?["city"]?.string == "Zurich")
            let parts = Dictionary(uniqueKeysWithValues: result.credentials.map { ($0.category ?? "", $0.parts ?? []) })
            #expect(parts["ID"]?.map(\.classifier) == ["FRONT", "BACK"])
            let base = "\(harness.baseURL)/api/v1/accounts/\(created.account.id)/credentials/"
            #expect(parts["ID"]?.allSatisfy { $0.href?.hasPrefix(base) == true } == true)
            #expect(parts["FACEMAP"]?.map(\.classifier) == ["FACEMAP"])
            #expect(parts["FACEMAP"]?.first?.href == nil)
        }
    }

    @Test("a screening alert is a warning on workflow 32")
    func screeningWarning() async throws {
        try await SandboxHarness.with { harness async throws in
            let (created, result) = try await finished(32, .warning(label: "ALERT"), on: harness)
            #expect(result.decision?.type == .warning)
            #expect(result.capabilityDecisions["watchlistScreening"]?.label == "ALERT")
            #expect(result.capabilities["watchlistScreening"]?.first?.data?["searchResults"] == .number(2))
        }
    }

    @Test("outcomes can be forced the Mock Service way, through customerInternalReference")
    func mockServiceConvention() async throws {
        try await SandboxHarness.with { harness async throws in
            let reference = #"{"customerInternalReference":"mockuser","decisionLabel":"NO_MATCH","credentialWithDecision":"SELFIE","extractionOverrides":{"firstName":"JOHN","idType":"PASSPORT"}}"#
            let created = try await start(3, reference: reference, on: harness)
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            let result = try await details(created, harness)
            #expect(result.decision?.type == .rejected)
            #expect(result.capabilityDecisions["similarity"]?.label == "NO_MATCH")
            #expect(result.extraction?["firstName"]?.string == "JOHN")
            #expect(result.extraction?["type"]?.string == "PASSPORT")
        }
    }

    @Test("an unused link ends TOKEN_EXPIRED, an abandoned journey SESSION_EXPIRED, both rejected with risk 100")
    func expiry() async throws {
        let clock = ManualClock()
        try await SandboxHarness.with(clock: clock.sandboxClock) { harness async throws in
            let unused = try await start(2, on: harness)
            let abandoned = try await start(2, reference: "second", on: harness)
            try harness.sandbox.completeJourney(executionID: abandoned.workflowExecution.id, outcome: .expire)
            clock.advance(by: 31 * 60)
            let tokenExpired = try await details(unused, harness)
            #expect(tokenExpired.workflow?.status == .tokenExpired)
            #expect(tokenExpired.decision?.type == .rejected)
            #expect(tokenExpired.decision?.risk?.score == 100)
            #expect(tokenExpired.capabilityDecisions["usability"]?.label == "NOT_UPLOADED")
            #expect(try await details(abandoned, harness).workflow?.status == .sessionExpired)
        }
    }

    @Test("ids that are not plain ASCII letters, digits and hyphens are refused before Jumio is asked",
        arguments: ["../accounts", "a/b", "a?b", "é1", "", String(repeating: "a", count: 65)])
    func unsafeIDs(id: String) async throws {
        try await SandboxHarness.with { harness async throws in
            await #expect(throws: JumioError.invalidRequest("'\(id)' is not a Jumio id")) {
                try await JumioClient.forTests().details(accountID: id, executionID: "e1", on: harness.connection())
            }
            #expect(harness.sandbox.tokenRequestCount == 0)
        }
    }

    @Test("processing takes its time: ACQUIRED first, PROCESSED after the delay")
    func processingDelay() async throws {
        let clock = ManualClock()
        try await SandboxHarness.with(clock: clock.sandboxClock, processingDelay: .seconds(5)) { harness async throws in
            let created = try await start(2, on: harness)
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            #expect(try await details(created, harness).workflow?.status == .acquired)
            #expect(try await details(created, harness).decision == nil)
            clock.advance(by: 6)
            #expect(try await details(created, harness).workflow?.status == .processed)
        }
    }

    @Test("deleting an execution wipes it; deleting the account makes it unknown")
    func deletion() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests()
            let created = try await start(2, on: harness)
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            try await client.deleteExecution(
                accountID: created.account.id, executionID: created.workflowExecution.id, on: harness.connection())
            let wiped = try await details(created, harness)
            #expect(wiped.wipedOutAt != nil)
            #expect(wiped.extraction == nil)
            try await client.deleteAccount(created.account.id, on: harness.connection())
            await #expect(throws: JumioError.self) { try await details(created, harness) }
            await #expect(throws: JumioError.self) { try await client.deleteAccount(created.account.id, on: harness.connection()) }
        }
    }

    @Test("the four workflow types map to keys 1, 2, 3 and 32, and overrides win")
    func workflowKeys() {
        let defaults = JumioWorkflowKeys()
        #expect(JumioWorkflowType.allCases.map(defaults.key(for:)) == [1, 2, 3, 32])
        let modern = JumioWorkflowKeys(overrides: [.idAndIdentityVerification: 10163, .idIdentityVerificationScreening: 10013])
        #expect(JumioWorkflowType.allCases.map(modern.key(for:)) == [1, 2, 10163, 10013])
    }
}
