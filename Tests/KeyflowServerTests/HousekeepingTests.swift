import Foundation
import Hummingbird
import HummingbirdTesting
import KeyflowServer
import KeyflowStore
import Testing

@Suite("Housekeeping")
struct HousekeepingTests {
    @Test(
        "a verification's finished jobs are kept for the configured days, then deleted, and /metrics counts them",
        arguments: TestServer.stores)
    func doneJobsGo(store: TestServer.StoreKind) async throws {
        let clock = MovableClock()
        let server = try await TestServer.make(store) {
            $0.keepDoneJobsDays = 2
            $0.housekeepingInterval = .milliseconds(50)
        }
        try await server.run(.live, dependencies: Dependencies(clock: clock.appClock)) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let flowID = try await admin.passedVerificationFlow()
            let done = try await Self.doneJobs(server)
            #expect(done > 0, "the verification ran as jobs")

            clock.advance(days: 1.5)
            try await Task.sleep(for: .milliseconds(300))
            #expect(try await Self.doneJobs(server) == done, "kept for two days")

            clock.advance(days: 1)
            // The counts reach /metrics once a round is over, after its deletes have committed.
            let metrics = try await Self.metrics(client, containing: "keyflow_housekeeping_deleted_total{table=\"jobs\"}")
            #expect(metrics.contains("keyflow_housekeeping_deleted_total{table=\"jobs\"} \(done)"))
            #expect(metrics.contains("keyflow_housekeeping_deleted_total{table=\"sessions\"} 2"), "both sign-ins expired")
            #expect(try await Self.doneJobs(server) == 0)
            let again = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            #expect(try await again.flow(flowID)[list: "actions"].count == 2, "the flow itself is untouched")
        }
    }

    @Test("finished jobs are kept 7 days and webhook deliveries 30 unless configured otherwise; 0 days is refused")
    func keepDaysSetting() throws {
        #expect(try KeyflowConfiguration(environment: [:]).keepDoneJobsDays == 7)
        #expect(try KeyflowConfiguration(environment: ["KEYFLOW_KEEP_DONE_JOBS_DAYS": "30"]).keepDoneJobsDays == 30)
        #expect(try KeyflowConfiguration(environment: [:]).keepWebhookDeliveriesDays == 30)
        #expect(
            try KeyflowConfiguration(environment: ["KEYFLOW_KEEP_WEBHOOK_DELIVERIES_DAYS": "90"]).keepWebhookDeliveriesDays == 90)
        let refusal = #expect(throws: ConfigurationError.self) {
            try KeyflowConfiguration(environment: ["KEYFLOW_KEEP_DONE_JOBS_DAYS": "0"])
        }
        #expect(refusal?.description == "KEYFLOW_KEEP_DONE_JOBS_DAYS must be a whole number from 1 to 3650, got '0'")
    }

    private static func doneJobs(_ server: TestServer) async throws -> Int {
        try await server.withStore { store in
            try await store.read { try await $0.jobs(queue: "jumio.verification") }.filter { $0.status == .done }.count
        }
    }

    private static func metrics(_ client: any TestClientProtocol, containing text: String) async throws -> String {
        for _ in 0..<100 {
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            if metrics.contains(text) { return metrics }
            try await Task.sleep(for: .milliseconds(50))
        }
        Issue.record("/metrics did not show \(text) within 5 s")
        return ""
    }
}
