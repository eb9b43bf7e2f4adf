import Foundation
import HummingbirdTesting
import KeyflowServer
import KeyflowStore
import Logging
import Synchronization
import Testing

/// Collects every log line, message and metadata, so a test can look for what must never be logged.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        Logger(label: "keyflow") { _ in Handler(recorder: self) }
    }

    struct Handler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let all = metadata.merging(event.metadata ?? [:]) { $1 }
            recorder.lines.withLock { $0.append("\(event.message) \(all)") }
        }
    }
}

@Suite("The Jumio action's safety: secrets, restarts, bad input")
struct JumioSafetyTests {
    @Test("no API response, timeline event or log line contains the client secret", arguments: TestServer.stores)
    func secretNeverShown(store: TestServer.StoreKind) async throws {
        let secret = "sUp3r-s3cret-\(UUID().uuidString.prefix(8))"
        let recorder = LogRecorder()
        let server = try await TestServer.make(store) { $0.logLevel = .trace }
        try await server.run(.live, dependencies: Dependencies(logger: recorder.logger)) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            var bodies: [String] = []
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID, secret: secret)
            for path in ["/api/v1/templates", "/api/v1/flows/\(flowID)", "/api/v1/flows"] {
                bodies.append(String(buffer: try await admin.call(.get, path).body))
            }
            #expect(bodies[1].contains(#""clientSecretSet":true"#))
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "reject:BLURRED")
            try await admin.waitForFlow(flowID, "the rejection") { $0.attempts(of: 0).first?[string: "status"] == "rejected" }
            bodies.append(String(buffer: try await admin.call(.get, "/api/v1/flows/\(flowID)/timeline").body))
            bodies.append(String(buffer: try await carla.call(.get, "/api/v1/flows/\(flowID)").body))
            let tested = try await admin.object(.post, "/api/v1/jumio/test-connection", json: #"{"actionId": "\#(actionID)"}"#, expect: .ok)
            #expect(tested[string: "result"] == "ok")
            for body in bodies { #expect(!body.contains(secret)) }
            let lines = recorder.lines.withLock { $0 }
            #expect(!lines.isEmpty)
            #expect(lines.allSatisfy { !$0.contains(secret) })
        }
    }

    @Test("a process that stops between storing a callback and processing it finishes the work after a restart", arguments: TestServer.stores)
    func restart(store: TestServer.StoreKind) async throws {
        // Jumio (here a sandbox of its own) outlives Keyflow's process, as the real one does.
        try await ExternalSandbox.with { sandboxURL in
            let first = try await TestServer.make(store) {
                $0.runWorkers = false
                $0.jumio.sandboxURL = sandboxURL
            }
            let (flowID, admin) = try await first.run(.live) { client in
                let admin = try await API(client: client).signedIn(first.admin.email, first.admin.password)
                let (clientID, carla) = try await admin.addClient()
                let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
                let attempt = try await carla.startVerification(actionID)
                try await API.finishJourney(attempt.href, outcome: "pass")
                // the callback arrives and is stored, but this process stops before anything processes it
                #expect(try await Self.waitForStoredCallback(first, attemptID: UUID(uuidString: attempt.attemptID)!))
                #expect(try await admin.flow(flowID).actionStatuses == ["active", "pending"])
                return (flowID, first.admin)
            }
            var second = first
            second.configuration.runWorkers = true
            try await second.run(.live) { client in
                let api = try await API(client: client).signedIn(admin.email, admin.password)
                try await api.waitForFlow(flowID, "the stored callback to be processed after the restart") {
                    $0.actionStatuses == ["completed", "active"]
                }
            }
        }
    }

    static func waitForStoredCallback(_ server: TestServer, attemptID: UUID) async throws -> Bool {
        try await server.withStore { store in
            for _ in 0..<200 {
                if try await !store.read({ try await $0.callbacks(of: attemptID) }).isEmpty { return true }
                try await Task.sleep(for: .milliseconds(25))
            }
            return false
        }
    }

    @Test("a Jumio action with no assignee or several is refused at the assignee field", arguments: TestServer.stores)
    func assigneeRules(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let jumio = #""jumio": {"dataCenter": "SANDBOX", "workflowType": "idVerification", "clientId": "a", "clientSecret": "b"}"#
            let several = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client", "Advisor"], "actions": [{"type": "jumio", "title": "V", "assignee": [{"role": "Client"}, {"role": "Advisor"}], \#(jumio)}]}"#,
                expect: .unprocessableContent)
            #expect((several["error"] as? [String: Any])?[string: "field"] == "actions.1.assignee")
            let none = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "actions": [{"type": "jumio", "title": "V", \#(jumio)}]}"#,
                expect: .unprocessableContent)
            #expect((none["error"] as? [String: Any])?[string: "field"] == "actions.1.assignee")
            let noSecret = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "actions": [{"type": "jumio", "title": "V", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "US", "workflowType": "idVerification", "clientId": "a"}}]}"#,
                expect: .unprocessableContent)
            #expect((noSecret["error"] as? [String: Any])?[string: "field"] == "actions.1.jumio.clientSecret")
        }
    }

    @Test("without a master key, Keyflow refuses to store a Jumio secret and says what to set", arguments: TestServer.stores)
    func noMasterKey(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.masterKey = nil }
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let refused = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "actions": [{"type": "jumio", "title": "V", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "a", "clientSecret": "b"}}]}"#,
                expect: .unprocessableContent)
            #expect(((refused["error"] as? [String: Any])?[string: "message"])?.contains("KEYFLOW_MASTER_KEY") == true)
        }
    }

    @Test("test connection tells good credentials from bad ones; saved connections never show the secret", arguments: TestServer.stores)
    func connections(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let ok = try await admin.object(
                .post, "/api/v1/jumio/test-connection",
                json: #"{"dataCenter": "SANDBOX", "clientId": "a", "clientSecret": "b"}"#, expect: .ok)
            #expect(ok[string: "result"] == "ok")
            let missing = try await admin.object(
                .post, "/api/v1/jumio/test-connection", json: #"{"dataCenter": "SANDBOX", "clientId": "a"}"#,
                expect: .unprocessableContent)
            #expect((missing["error"] as? [String: Any])?[string: "field"] == "clientSecret")
            let saved = try await admin.object(
                .post, "/api/v1/jumio/connections",
                json: #"{"name": "Sandbox tenant", "dataCenter": "SANDBOX", "clientId": "tenant-1", "clientSecret": "hidden-value"}"#,
                expect: .created)
            #expect(saved["clientSecretSet"] as? Bool == true)
            let list = try await admin.call(.get, "/api/v1/jumio/connections")
            #expect(!String(buffer: list.body).contains("hidden-value"))
            let viaSaved = try await admin.object(
                .post, "/api/v1/jumio/test-connection", json: #"{"connectionId": "\#(saved[string: "id"]!)"}"#, expect: .ok)
            #expect(viaSaved[string: "result"] == "ok")
            let unknown = try await admin.object(
                .post, "/api/v1/jumio/test-connection", json: #"{"connectionId": "\#(UUID().uuidString)"}"#,
                expect: .unprocessableContent)
            #expect((unknown["error"] as? [String: Any])?[string: "field"] == "jumio.connectionId")
            _ = try await admin.object(
                .post, "/api/v1/jumio/connections",
                json: #"{"name": "Sandbox tenant", "dataCenter": "SANDBOX", "clientId": "x", "clientSecret": "y"}"#,
                expect: .conflict)
        }
    }

    @Test("an owner deletes a flow's verification data: Jumio forgets the account, Keyflow keeps the decision", arguments: TestServer.stores)
    func deleteVerificationData(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "pass")
            let done = try await carla.waitForFlow(flowID, "completion") { $0.actionStatuses == ["completed", "active"] }
            let account = try #require(done.attempts(of: 0).first?[string: "accountId"])
            let execution = try #require(done.attempts(of: 0).first?[string: "executionId"])
            _ = try await carla.object(.post, "/api/v1/flows/\(flowID)/verification-data/delete", expect: .forbidden)
            let result = try await admin.object(.post, "/api/v1/flows/\(flowID)/verification-data/delete", expect: .ok)
            #expect(result["deletedAccounts"] as? Int == 1)
            let reduced = try await admin.flow(flowID)
            let outputs = try #require(reduced[list: "actions"][0]["outputs"] as? [String: Any])
            #expect(Set(outputs.keys) == ["decision", "verifiedAt"])
            #expect(reduced.attempts(of: 0).first?[string: "accountId"] == "")
            #expect(try await JumioActionTests.retrievalStatus(client, account, execution).status == .notFound)
            #expect(try await admin.timelineKinds(flowID).contains("verificationDataDeleted"))
        }
    }

    @Test("the SANDBOX data center is refused when the sandbox is off", arguments: TestServer.stores)
    func sandboxOff(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.sandboxEnabled = false }
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let refused = try await admin.object(
                .post, "/api/v1/jumio/test-connection", json: #"{"dataCenter": "SANDBOX", "clientId": "a", "clientSecret": "b"}"#,
                expect: .unprocessableContent)
            #expect(((refused["error"] as? [String: Any])?[string: "message"])?.contains("switched off") == true)
            let sandboxRoute = try await client.execute(uri: "/sandbox/jumio/status", method: .get)
            #expect(sandboxRoute.status == .notFound)
        }
    }
}

@Suite("Jumio actions in instant and running flows")
struct JumioPlacementTests {
    @Test("a Jumio action works in an instant flow and can be added to a running flow", arguments: TestServer.stores)
    func placements(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let adminID = try await admin.userID()
            let (clientID, carla) = try await admin.addClient()
            let jumio = #""jumio": {"dataCenter": "SANDBOX", "workflowType": "idVerification", "clientId": "c", "clientSecret": "s3cret-value"}"#
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "Instant", "members": [{"role": "Client", "userId": "\#(clientID)"}], "actions": [{"type": "todo", "title": "Prepare", "assignee": {"userId": "\#(adminID)"}}, {"type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, \#(jumio)}]}"#,
                expect: .created)
            let flowID = try #require(flow[string: "id"])
            let inserted = try await admin.object(
                .post, "/api/v1/flows/\(flowID)/actions",
                json: #"{"position": 2, "action": {"type": "jumio", "title": "Verify first", "assignee": {"role": "Client"}, \#(jumio)}}"#,
                expect: .created)
            #expect(inserted[list: "actions"].map { $0[string: "type"] } == ["todo", "jumio", "jumio"])
            #expect(!String(describing: inserted).contains("s3cret-value"))
            let ids = inserted[list: "actions"].compactMap { $0[string: "id"] }
            _ = try await admin.object(.post, "/api/v1/actions/\(ids[0])/complete", expect: .ok)
            let attempt = try await carla.startVerification(ids[1])
            try await API.finishJourney(attempt.href, outcome: "pass")
            try await carla.waitForFlow(flowID, "the inserted Jumio action to pass") {
                $0.actionStatuses == ["completed", "completed", "active"]
            }
        }
    }
}

/// A clock the test moves forward; everything else in the server keeps running.
final class MovableClock: Sendable {
    private let offset = Mutex<TimeInterval>(0)
    func advance(days: Double) { offset.withLock { $0 += days * 86400 } }
    func set(to date: Date) { offset.withLock { $0 = date.timeIntervalSinceNow } }
    var appClock: AppClock { AppClock { Date().addingTimeInterval(self.offset.withLock { $0 }) } }
}

@Suite("Retention of verification data")
struct RetentionTests {
    @Test("after the retention period the Jumio account is deleted and only the decision and dates stay", arguments: TestServer.stores)
    func retention(store: TestServer.StoreKind) async throws {
        let clock = MovableClock()
        let server = try await TestServer.make(store) {
            $0.jumio.retentionDays = 1
            $0.retentionInterval = .milliseconds(50)
        }
        try await server.run(.live, dependencies: Dependencies(clock: clock.appClock)) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let attempt = try await carla.startVerification(actionID)
            try await API.finishJourney(attempt.href, outcome: "pass")
            let done = try await admin.waitForFlow(flowID, "completion") { $0.actionStatuses == ["completed", "active"] }
            let account = try #require(done.attempts(of: 0).first?[string: "accountId"])
            let execution = try #require(done.attempts(of: 0).first?[string: "executionId"])
            #expect((done[list: "actions"][0]["outputs"] as? [String: Any])?["firstName"] as? String == "JANE")

            // a day later nothing has changed yet; two days later the data is gone
            clock.advance(days: 0.5)
            try await Task.sleep(for: .milliseconds(200))
            let again = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            #expect((try await again.flow(flowID)[list: "actions"][0]["outputs"] as? [String: Any])?["firstName"] != nil)
            clock.advance(days: 1.5)
            let later = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let reduced = try await later.waitForFlow(flowID, "the retention worker") {
                Set((($0[list: "actions"][0]["outputs"] as? [String: Any]) ?? [:]).keys) == ["decision", "verifiedAt"]
            }
            #expect(reduced.attempts(of: 0).first?[string: "accountId"] == "")
            #expect(try await JumioActionTests.retrievalStatus(client, account, execution).status == .notFound)
            #expect(try await later.timelineKinds(flowID).contains("verificationDataDeleted"))
        }
    }
}
