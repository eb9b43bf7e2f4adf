import Foundation
import JumioKit
import JumioSandbox
import Testing

@Suite("Sandbox callbacks")
struct CallbackTests {
    func start(on harness: SandboxHarness, hook: String) async throws -> JumioAccountResponse {
        try await JumioClient.forTests().createAccount(
            JumioAccountRequest(customerInternalReference: "cb", workflowKey: 3, userReference: "u-1", callbackUrl: harness.hook(hook)),
            on: harness.connection())
    }

    @Test("a finished verification is POSTed as Jumio's callback JSON")
    func processedCallback() async throws {
        try await SandboxHarness.with { harness async throws in
            let created = try await start(on: harness, hook: "processed")
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            #expect(await harness.eventually { !harness.callbacks("processed").isEmpty })
            let callback = try #require(harness.callbacks("processed").first)
            #expect(callback.workflowExecution.status == .processed)
            #expect(callback.workflowExecution.id == created.workflowExecution.id)
            #expect(callback.workflowExecution.definitionKey == "3")
            #expect(callback.account.id == created.account.id)
            #expect(callback.userReference == "u-1")
            #expect(callback.workflowExecution.href?.hasSuffix("/workflow-executions/\(created.workflowExecution.id)") == true)
        }
    }

    @Test("an unused link sends TOKEN_EXPIRED when its lifetime passes")
    func tokenExpiredCallback() async throws {
        let clock = ManualClock()
        try await SandboxHarness.with(clock: clock.sandboxClock) { harness async throws in
            _ = try await start(on: harness, hook: "expired")
            clock.advance(by: 3600)
            #expect(await harness.eventually { harness.callbacks("expired").map(\.workflowExecution.status) == [.tokenExpired] })
        }
    }

    @Test("a receiver that fails gets the callback again later")
    func retriedDelivery() async throws {
        try await SandboxHarness.with { harness async throws in
            harness.refusals.withLock { $0 = 2 }
            let created = try await start(on: harness, hook: "flaky")
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            #expect(await harness.eventually { harness.callbacks("flaky").count == 1 })
            #expect(harness.refusals.withLock { $0 } == 0)
        }
    }

    @Test("faults: duplicated, out-of-order and dropped callbacks")
    func faults() async throws {
        try await SandboxHarness.with { harness async throws in
            harness.sandbox.faults = SandboxFaults(duplicateCallbacks: true, outOfOrderCallbacks: true)
            let twice = try await start(on: harness, hook: "messy")
            try harness.sandbox.completeJourney(executionID: twice.workflowExecution.id, outcome: .pass)
            #expect(await harness.eventually { harness.callbacks("messy").count == 4 })
            let statuses = harness.callbacks("messy").map(\.workflowExecution.status)
            #expect(statuses.filter { $0 == .processed }.count == 2)
            #expect(statuses.last == .acquired)

            harness.sandbox.faults = SandboxFaults(dropCallbackRate: 1)
            let dropped = try await start(on: harness, hook: "dropped")
            try harness.sandbox.completeJourney(executionID: dropped.workflowExecution.id, outcome: .pass)
            #expect(harness.sandbox.executionStatus(dropped.workflowExecution.id) == .processed)
            try await Task.sleep(for: .milliseconds(200))
            #expect(harness.callbacks("dropped").isEmpty)
        }
    }

    @Test("fault: the PROCESSED callback can arrive before retrieval shows PROCESSED")
    func callbackBeforeProcessed() async throws {
        try await SandboxHarness.with(processingDelay: .seconds(60)) { harness async throws in
            harness.sandbox.faults = SandboxFaults(callbackBeforeProcessed: true)
            let created = try await start(on: harness, hook: "early")
            try harness.sandbox.completeJourney(executionID: created.workflowExecution.id, outcome: .pass)
            #expect(await harness.eventually { harness.callbacks("early").count == 1 })
            #expect(harness.callbacks("early").first?.workflowExecution.status == .processed)
            let status = try await JumioClient.forTests().status(
                accountID: created.account.id, executionID: created.workflowExecution.id, on: harness.connection())
            #expect(status.workflowExecution.status == .acquired)
        }
    }
}
