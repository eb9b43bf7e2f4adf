import Foundation
import HummingbirdTesting
import KeyflowStore
import NIOCore
import NIOFoundationCompat
import Testing

@Suite("The Jumio action end to end, with the sandbox as Jumio")
struct JumioActionTests {
    @Test("PASSED completes the action by itself and activates the next one", arguments: TestServer.stores)
    func passed(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)

            // only the assignee starts, and a double click gets the same attempt
            _ = try await admin.object(.post, "/api/v1/actions/\(actionID)/verification", expect: .forbidden)
            let first = try await carla.startVerification(actionID)
            let again = try await carla.startVerification(actionID)
            #expect(first == again)
            #expect(first.href.contains("/sandbox/jumio/web/client?authorizationToken="))

            // the journey page reports its postMessage success before Jumio decides
            try await API.finishJourney(first.href, outcome: "pass")
            _ = try await carla.call(.post, "/api/v1/actions/\(actionID)/verification/submitted", json: #"{"attemptId": "\#(first.attemptID)"}"#)
            let done = try await carla.waitForFlow(flowID, "the action to complete") { $0.actionStatuses == ["completed", "active"] }
            let outputs = try #require(done[list: "actions"][0]["outputs"] as? [String: Any])
            #expect(outputs["decision"] as? String == "PASSED")
            #expect(outputs["firstName"] as? String == "JANE")
            #expect(outputs["documentNumber"] as? String == "••••R9K1")
            #expect(done[list: "actions"][1][string: "title"] == "Welcome JANE")
            #expect(done.attempts(of: 0).map { $0[string: "status"] } == ["passed"])
            let kinds = try await carla.timelineKinds(flowID)
            #expect(kinds.contains("verificationStarted"))
            #expect(kinds.contains("actionAssigned"))
            #expect(kinds.filter { $0 == "verificationPassed" }.count == 1)
            #expect(kinds.suffix(3) == ["verificationPassed", "actionCompleted", "actionAssigned"])
        }
    }

    @Test("Jumio's journey opens in the language the assignee chose", arguments: TestServer.stores)
    func assigneeLanguage(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, dora) = try await admin.addClient(name: "Dora Deutsch", locale: "de-CH")
            let (_, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let started = try await dora.startVerification(actionID)
            #expect(started.href.hasSuffix("&locale=de"))
        }
    }

    @Test("REJECTED keeps the action open with the reasons; a new attempt then passes", arguments: TestServer.stores)
    func rejectedThenPassed(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let first = try await carla.startVerification(actionID)
            try await API.finishJourney(first.href, outcome: "reject:FAKE")
            let failed = try await admin.waitForFlow(flowID, "the rejection") { $0.attempts(of: 0).first?[string: "status"] == "rejected" }
            #expect(failed.actionStatuses == ["active", "pending"])
            let attempt = try #require(failed.attempts(of: 0).first)
            #expect(attempt[string: "label"] == "FAKE")
            #expect((attempt["reasons"] as? [String])?.contains("imageChecks: REJECTED: FAKE") == true)
            let timeline = try await admin.object(.get, "/api/v1/flows/\(flowID)/timeline", expect: .ok)[list: "items"]
            let failure = try #require(timeline.first { $0[string: "kind"] == "verificationFailed" })
            #expect(failure[string: "text"]?.contains("REJECTED") == true)

            let second = try await carla.startVerification(actionID)
            #expect(second.attemptID != first.attemptID)
            try await API.finishJourney(second.href, outcome: "pass")
            let done = try await carla.waitForFlow(flowID, "the second attempt to pass") { $0.actionStatuses == ["completed", "active"] }
            let attempts = done.attempts(of: 0)
            #expect(attempts.map { $0[string: "status"] } == ["rejected", "passed"])
            #expect(attempts[0][string: "accountId"] == attempts[1][string: "accountId"])
            #expect(attempts[0][string: "executionId"] != attempts[1][string: "executionId"])
        }
    }

    @Test("a WARNING is accepted by the owner with a comment; the client may not accept it", arguments: TestServer.stores)
    func warningAccepted(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID, workflow: "idIdentityVerificationScreening")
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "warning:ALERT")
            try await admin.waitForFlow(flowID, "the warning") { $0.attempts(of: 0).first?[string: "status"] == "warning" }
            _ = try await carla.object(
                .post, "/api/v1/actions/\(actionID)/verification/accept", json: #"{"comment": "me"}"#, expect: .forbidden)
            _ = try await admin.object(
                .post, "/api/v1/actions/\(actionID)/verification/accept", json: #"{"comment": ""}"#, expect: .unprocessableContent)
            let accepted = try await admin.object(
                .post, "/api/v1/actions/\(actionID)/verification/accept",
                json: #"{"comment": "screening hit is a namesake"}"#, expect: .ok)
            #expect(accepted.actionStatuses == ["completed", "active"])
            let verification = try #require(accepted[list: "actions"][0]["verification"] as? [String: Any])
            #expect(verification["acceptanceComment"] as? String == "screening hit is a namesake")
            #expect(try await admin.timelineKinds(flowID).contains("verificationAccepted"))
        }
    }

    @Test("TOKEN_EXPIRED ends the attempt; the assignee starts again and passes", arguments: TestServer.stores)
    func tokenExpired(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            _ = try await carla.startVerification(actionID)
            let executionID = try #require(try await carla.flow(flowID).attempts(of: 0).first?[string: "executionId"])
            _ = try await admin.object(.post, "/sandbox/jumio/_sandbox/executions/\(executionID)/expire-token", expect: .ok)
            try await carla.waitForFlow(flowID, "the expiry") { $0.attempts(of: 0).first?[string: "status"] == "expired" }
            #expect(try await carla.timelineKinds(flowID).contains("verificationExpired"))
            let second = try await carla.startVerification(actionID)
            try await API.finishJourney(second.href, outcome: "pass")
            try await carla.waitForFlow(flowID, "the retry to pass") { $0.actionStatuses == ["completed", "active"] }
        }
    }

    @Test("duplicate and out-of-order callbacks change nothing twice", arguments: TestServer.stores)
    func messyCallbacks(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            try await admin.setSandboxFaults(#"{"duplicateCallbacks": true, "outOfOrderCallbacks": true}"#)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "pass")
            try await carla.waitForFlow(flowID, "completion") { $0.actionStatuses == ["completed", "active"] }
            try await Task.sleep(for: .milliseconds(300))
            let kinds = try await carla.timelineKinds(flowID)
            #expect(kinds.filter { $0 == "verificationPassed" }.count == 1)
            #expect(kinds.filter { $0 == "actionCompleted" }.count == 1)
            #expect(try await carla.flow(flowID).actionStatuses == ["completed", "active"])
            // every copy, the late ones included, ends marked processed: none is left for a later look
            let callbacks = try await Self.storedCallbacks(of: attempt.attemptID, in: server)
            #expect(callbacks.count >= 3)
            #expect(callbacks.allSatisfy { $0.processedAt != nil })
        }
    }

    @Test("a dropped callback is recovered by the reconciler", arguments: TestServer.stores)
    func droppedCallback(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.reconcileAfter = 1 }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            try await admin.setSandboxFaults(#"{"dropCallbackRate": 1}"#)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "pass")
            try await carla.waitForFlow(flowID, "the reconciler to find the result") { $0.actionStatuses == ["completed", "active"] }
        }
    }

    @Test("a callback with an unknown token is refused with 404", arguments: TestServer.stores)
    func unknownToken(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let response = try await client.execute(
                uri: "/hooks/jumio/not-a-token", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"workflowExecution": {"id": "x", "status": "PROCESSED"}, "account": {"id": "y"}}"#))
            #expect(response.status == .notFound)
        }
    }

    @Test("the four workflow types send keys 1, 2, 3 and 32, or their configured overrides", arguments: TestServer.stores)
    func workflowKeys(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.workflowKeys.overrides = [.idAndIdentityVerification: 10163] }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            var keys: [String] = []
            for workflow in ["idCaptureAndStorage", "idVerification", "idAndIdentityVerification", "idIdentityVerificationScreening"] {
                let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID, workflow: workflow)
                _ = try await carla.startVerification(actionID)
                let attempt = try #require(try await carla.flow(flowID).attempts(of: 0).first)
                keys.append(try await Self.definitionKey(client, attempt[string: "accountId"]!, attempt[string: "executionId"]!))
            }
            #expect(keys == ["1", "2", "10163", "32"])
        }
    }

    /// Asks the sandbox, as Jumio's retrieval API, which key an execution runs.
    static func definitionKey(_ client: any TestClientProtocol, _ account: String, _ execution: String) async throws -> String {
        let status = try await retrievalStatus(client, account, execution)
        let body = try JSONSerialization.jsonObject(with: Data(buffer: status.body)) as? [String: Any]
        let summary = body?["workflowExecution"] as? [String: Any]
        return try #require(summary?["definitionKey"] as? String)
    }

    /// `GET …/status` on the sandbox's retrieval API, with a fresh token.
    static func retrievalStatus(_ client: any TestClientProtocol, _ account: String, _ execution: String) async throws
        -> TestResponse
    {
        let token = try await client.execute(
            uri: "/sandbox/jumio/oauth2/token", method: .post,
            headers: [.authorization: "Basic dGVzdDp0ZXN0", .contentType: "application/x-www-form-urlencoded"],
            body: ByteBuffer(string: "grant_type=client_credentials"))
        let tokenBody = try JSONSerialization.jsonObject(with: Data(buffer: token.body)) as? [String: Any]
        let accessToken = try #require(tokenBody?["access_token"] as? String)
        return try await client.execute(
            uri: "/sandbox/jumio/api/v1/accounts/\(account)/workflow-executions/\(execution)/status", method: .get,
            headers: [.authorization: "Bearer \(accessToken)", .userAgent: "Keyflow tests"])
    }

    /// The callbacks stored for an attempt, read from the server's database once the queue has settled.
    static func storedCallbacks(of attemptID: String, in server: TestServer) async throws -> [StoredCallback] {
        let id = try #require(UUID(uuidString: attemptID))
        return try await server.withStore { store in
            var callbacks: [StoredCallback] = []
            for _ in 0..<100 {
                callbacks = (try? await store.read { try await $0.callbacks(of: id) }) ?? []
                if !callbacks.isEmpty, callbacks.allSatisfy({ $0.processedAt != nil }) { break }
                try? await Task.sleep(for: .milliseconds(50))
            }
            return callbacks
        }
    }
}
