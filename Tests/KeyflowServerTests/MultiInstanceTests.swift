import AsyncHTTPClient
import Foundation
import Keyflow
import KeyflowServer
import Testing

/// Two `keyflow serve` processes on one PostgreSQL, with a Jumio sandbox and a mail server of their own.
@Suite(
    "Several instances on one PostgreSQL",
    .enabled(if: ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"] != nil, "needs PostgreSQL"))
struct MultiInstanceTests {
    @Test("a callback to instance A completes the action and a stream on B sees it; 1,000 jobs run once across both")
    func twoInstances() async throws {
        let database = try TestServer.StoreKind.freshPostgresDatabase()
        let mail = try await FakeMailServer.start()
        defer { Task { await mail.stop() } }
        try await ExternalSandbox.with { sandboxURL in
            let admin = TestServer.Credentials(email: "admin-\(UUID())@example.test", password: "admin-password")
            _ = try await OrganizationBootstrap.create(
                organizationName: "Cluster Org", timeZone: "Europe/Zurich",
                admin: .init(email: admin.email, name: "Ada Admin", password: admin.password),
                configuration: KeyflowConfiguration(store: .postgres(url: database, maxConnectionsPerEventLoop: 2), bcryptCost: 4))
            let environment = [
                "KEYFLOW_DATABASE_URL": database, "KEYFLOW_MASTER_KEY": TestServer.masterKey,
                "KEYFLOW_JUMIO_SANDBOX_URL": sandboxURL, "KEYFLOW_LOG_LEVEL": "warning",
                "KEYFLOW_SMTP_URL": "smtp+plain://127.0.0.1:\(mail.port)", "KEYFLOW_MAIL_FROM": "no-reply@bank.example",
                "KEYFLOW_MAGIC_LINK_LIMIT": "100000",
            ]
            let a = try await ServerProcess.start(environment)
            defer { a.stop() }
            let b = try await ServerProcess.start(environment)
            defer { b.stop() }

            // sessions work on every instance: sign in on A, act on B
            let ownerA = try await RemoteAPI(base: a.base).signedIn(admin.email, admin.password)
            let client = try await ownerA.object(
                .POST, "/api/v1/users",
                json: #"{"email": "casey@client.example", "name": "Casey", "role": "client", "password": "client-password"}"#,
                expect: 201)
            let clientID = try #require(client["id"] as? String)
            let template = try await ownerA.on(b).object(
                .POST, "/api/v1/templates",
                json: #"{"name": "KYC", "roles": ["Client"], "actions": [{"type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "SANDBOX", "workflowType": "idVerification", "clientId": "c", "clientSecret": "s"}}, {"type": "todo", "title": "Next", "assignee": {"role": "Client"}}]}"#,
                expect: 201)
            let flow = try await ownerA.object(
                .POST, "/api/v1/flows",
                json: #"{"templateId": "\#(template["id"] as! String)", "name": "KYC", "members": [{"userId": "\#(clientID)", "role": "Client"}]}"#,
                expect: 201)
            let flowID = try #require(flow["id"] as? String)
            let actionID = try #require((flow["actions"] as? [[String: Any]])?.first?["id"] as? String)

            let casey = try await RemoteAPI(base: b.base).signedIn("casey@client.example", "client-password")
            let streamOnB = Task { try await casey.waitForEvents(flowID: flowID, kinds: ["message", "verificationPassed"]) }
            try await Task.sleep(for: .milliseconds(300))
            // a message posted on A is published by A alone: B's stream hears of it only through PostgreSQL
            _ = try await ownerA.object(.POST, "/api/v1/flows/\(flowID)/messages", json: #"{"text": "Welcome"}"#, expect: 201)
            // started on A, so Jumio calls back to A
            let started = try await casey.on(a).object(.POST, "/api/v1/actions/\(actionID)/verification", expect: 201)
            let href = try #require(started["href"] as? String)
            try await API.finishJourney(href, outcome: "pass")
            #expect(try await streamOnB.value)
            let after = try await casey.object(.GET, "/api/v1/flows/\(flowID)", expect: 200)
            #expect((after["actions"] as? [[String: Any]])?.map { $0["status"] as? String } == ["completed", "active"])

            // 1,000 e-mailed sign-in links, asked for on both instances: each mail job runs exactly once
            let ownerB = ownerA.on(b)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for batch in 0..<20 {
                    group.addTask {
                        for _ in 0..<50 {
                            _ = try await (batch.isMultiple(of: 2) ? ownerA : ownerB).object(
                                .POST, "/api/v1/users/\(clientID)/magic-link", expect: 201)
                        }
                    }
                }
                try await group.waitForAll()
            }
            var waited = 0
            while mail.received.count < 1000, waited < 600 {
                try await Task.sleep(for: .milliseconds(100))
                waited += 1
            }
            let ids = mail.received.compactMap { $0.header("Message-ID") }
            #expect(ids.count == 1000)
            #expect(Set(ids).count == 1000)
            let workers = try Self.psql(database, "SELECT count(*), count(DISTINCT locked_by), max(attempts) FROM jobs WHERE queue = 'mail.send' AND status = 'done'")
            let parts = workers.split(separator: "|")
            #expect(parts.first == "1000")
            #expect(parts.dropFirst().first == "2", "both instances took jobs")
            #expect(parts.last == "1", "no job ran twice")
        }
    }

    static func psql(_ url: String, _ query: String) throws -> String {
        let process = Process()
        let output = Pipe()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["psql", url, "-At", "-c", query]
        process.standardOutput = output
        try process.run()
        process.waitUntilExit()
        return String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
