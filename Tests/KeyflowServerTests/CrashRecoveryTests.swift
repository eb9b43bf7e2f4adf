import Foundation
import KeyflowServer
import KeyflowStore
import Logging
import Testing

/// `keyflow serve` killed with SIGKILL while 200 verifications are being decided, then started again: every
/// action ends where Jumio's decision puts it, each callback is processed and no result is applied twice.
@Suite("Crash recovery")
struct CrashRecoveryTests {
    static let flows = 200

    @Test("SIGKILL in the middle of 200 verifications loses nothing and applies nothing twice", arguments: TestServer.stores)
    func killedMidway(store kind: TestServer.StoreKind) async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-crash-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let storeConfiguration: StoreConfiguration
        var environment = ["KEYFLOW_MASTER_KEY": TestServer.masterKey, "KEYFLOW_LOG_LEVEL": "warning",
                           "KEYFLOW_JUMIO_RECONCILE_AFTER": "3", "KEYFLOW_SIGN_IN_LIMIT": "100000",
                           "KEYFLOW_JOB_LEASE_SECONDS": "5", "KEYFLOW_JUMIO_INITIATIONS_PER_SECOND": "10000"]
        switch kind {
        case .sqlite:
            let path = directory.appendingPathComponent("crash.sqlite").path
            storeConfiguration = .sqlite(path: path)
            environment["KEYFLOW_SQLITE_PATH"] = path
        case .postgres:
            let url = try TestServer.StoreKind.freshPostgresDatabase()
            storeConfiguration = .postgres(url: url, maxConnectionsPerEventLoop: 2)
            environment["KEYFLOW_DATABASE_URL"] = url
        }
        try await ExternalSandbox.with { sandboxURL in
            environment["KEYFLOW_JUMIO_SANDBOX_URL"] = sandboxURL
            let admin = TestServer.Credentials(email: "admin@crash.example", password: "admin-password")
            _ = try await OrganizationBootstrap.create(
                organizationName: "Crash Org", timeZone: "Europe/Zurich",
                admin: .init(email: admin.email, name: "Ada Admin", password: admin.password),
                configuration: KeyflowConfiguration(store: storeConfiguration, bcryptCost: 4))
            let port = try await ServerProcess.freePort()
            var server = try await ServerProcess.start(environment, port: port)
            defer { server.stop() }

            let owner = try await RemoteAPI(base: server.base).signedIn(admin.email, admin.password)
            _ = try await owner.object(
                .POST, "/api/v1/users",
                json: #"{"email": "casey@crash.example", "name": "Casey", "role": "client", "password": "client-password"}"#,
                expect: 201)
            let clientID = try #require(
                (try await owner.object(.GET, "/api/v1/users", expect: 200)["items"] as? [[String: Any]])?
                    .first { $0["email"] as? String == "casey@crash.example" }?["id"] as? String)
            let template = try await owner.object(
                .POST, "/api/v1/templates",
                json: #"{"name": "KYC", "roles": ["Client"], "actions": [{"type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "SANDBOX", "workflowType": "idVerification", "clientId": "c", "clientSecret": "s"}}, {"type": "todo", "title": "Next", "assignee": {"role": "Client"}}]}"#,
                expect: 201)
            let templateID = try #require(template["id"] as? String)
            let casey = try await RemoteAPI(base: server.base).signedIn("casey@crash.example", "client-password")

            // 200 flows, each started and its journey submitted: every fifth is rejected, the rest pass
            var started: [(flowID: String, href: String, passes: Bool)] = []
            for index in 0..<Self.flows {
                let flow = try await owner.object(
                    .POST, "/api/v1/flows",
                    json: #"{"templateId": "\#(templateID)", "name": "KYC \#(index)", "members": [{"userId": "\#(clientID)", "role": "Client"}]}"#,
                    expect: 201)
                let actionID = try #require((flow["actions"] as? [[String: Any]])?.first?["id"] as? String)
                let attempt = try await casey.object(.POST, "/api/v1/actions/\(actionID)/verification", expect: 201)
                started.append((flow["id"] as! String, attempt["href"] as! String, !index.isMultiple(of: 5)))
            }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in stride(from: 0, to: started.count, by: 20) {
                    let slice = started[batch..<min(batch + 20, started.count)]
                    group.addTask {
                        for item in slice { try await API.finishJourney(item.href, outcome: item.passes ? "pass" : "reject:FAKE") }
                    }
                }
                try await group.waitForAll()
            }
            // kill it while the callbacks are being processed
            for _ in 0..<400 {
                let decided = try await Self.decidedCount(started.map(\.flowID), casey)
                if decided >= 20 { break }
                try await Task.sleep(for: .milliseconds(10))
            }
            let beforeKill = try await Self.decidedCount(started.map(\.flowID), casey)
            server.stop(signal: SIGKILL)
            #expect(beforeKill < Self.flows, "the kill came before everything was decided (\(beforeKill))")
            server = try await ServerProcess.start(environment, port: port)

            // afterwards: every action where its decision puts it
            for _ in 0..<600 {
                if try await Self.decidedCount(started.map(\.flowID), casey) == Self.flows { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            var attemptIDs: [UUID] = []
            for item in started {
                let flow = try await casey.object(.GET, "/api/v1/flows/\(item.flowID)", expect: 200)
                let actions = try #require(flow["actions"] as? [[String: Any]])
                let attempts = ((actions[0]["verification"] as? [String: Any])?["attempts"] as? [[String: Any]]) ?? []
                #expect(attempts.count == 1)
                attemptIDs += attempts.compactMap { ($0["id"] as? String).flatMap(UUID.init(uuidString:)) }
                let statuses = actions.map { $0["status"] as? String }
                let kinds = ((try await casey.object(.GET, "/api/v1/flows/\(item.flowID)/timeline", expect: 200)["items"]
                    as? [[String: Any]]) ?? []).compactMap { $0["kind"] as? String }
                if item.passes {
                    #expect(statuses == ["completed", "active"], "\(item.flowID)")
                    #expect(kinds.filter { $0 == "verificationPassed" }.count == 1)
                    #expect(kinds.filter { $0 == "actionCompleted" }.count == 1)
                } else {
                    #expect(statuses == ["active", "pending"], "\(item.flowID)")
                    #expect(attempts.first?["status"] as? String == "rejected")
                    #expect(kinds.filter { $0 == "verificationFailed" }.count == 1)
                }
            }

            // and in the database: once the dead worker's leases ran out, every job is done and every callback processed
            let check = try Store(storeConfiguration, logger: Logger(label: "test.crash"))
            let attempts = attemptIDs
            var state = (unprocessed: -1, callbacks: 0, depths: [QueueDepth]())
            for _ in 0..<300 {
                state = try await check.read { db in
                    var unprocessed = 0
                    var total = 0
                    for id in attempts {
                        let callbacks = try await db.callbacks(of: id)
                        total += callbacks.count
                        unprocessed += callbacks.filter { $0.processedAt == nil }.count
                    }
                    return (unprocessed, total, try await db.queueDepths(now: Date().addingTimeInterval(3600)))
                }
                if state.unprocessed == 0, state.depths.allSatisfy({ $0.queued == 0 && $0.running == 0 }) { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            await check.shutdown()
            server.stop()
            let (unprocessed, callbacks, depths) = state
            #expect(callbacks >= Self.flows)
            #expect(unprocessed == 0)
            #expect(depths.allSatisfy { $0.queued == 0 && $0.running == 0 }, "\(depths)")
        }
    }

    /// How many of the flows have their verification decided (passed or rejected).
    static func decidedCount(_ flowIDs: [String], _ api: RemoteAPI) async throws -> Int {
        let list = try await api.object(.GET, "/api/v1/flows", expect: 200)["items"] as? [[String: Any]] ?? []
        let wanted = Set(flowIDs)
        return list.filter { summary in
            guard let id = summary["id"] as? String, wanted.contains(id) else { return false }
            let active = (summary["activeAction"] as? [String: Any])?["title"] as? String
            return active == "Next"
        }.count + (try await rejectedCount(flowIDs, api))
    }

    static func rejectedCount(_ flowIDs: [String], _ api: RemoteAPI) async throws -> Int {
        var count = 0
        for id in flowIDs.enumerated().filter({ $0.offset.isMultiple(of: 5) }).map(\.element) {
            let flow = try await api.object(.GET, "/api/v1/flows/\(id)", expect: 200)
            let attempts = (((flow["actions"] as? [[String: Any]])?.first?["verification"] as? [String: Any])?["attempts"]
                as? [[String: Any]]) ?? []
            if attempts.last?["status"] as? String == "rejected" { count += 1 }
        }
        return count
    }
}
