import Foundation
import HummingbirdTesting
import Testing

@Suite("Jumio misbehaving under the whole journey")
struct JumioFaultTests {
    @Test("5xx, 429 and slow answers during account creation and retrieval: every verification still ends once", arguments: TestServer.stores)
    func faultyJumio(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            try await admin.setSandboxFaults(#"{"serverErrorRate": 0.3, "rateLimitRate": 0.2, "latencyMs": 30}"#)
            var flows: [String] = []
            var refusals = 0
            for _ in 0..<8 {
                let flow = try await admin.jumioFlow(clientID: clientID)
                flows.append(flow.flowID)
                // Jumio may still refuse after the client's retries: the person is told, and trying again works.
                var href: String?
                for _ in 0..<6 where href == nil {
                    let response = try await carla.call(.post, "/api/v1/actions/\(flow.actionID)/verification")
                    if response.status == .created {
                        let body = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                        href = body?[string: "href"]
                    } else {
                        refusals += 1
                        #expect([502, 503].contains(Int(response.status.code)), "\(response.status)")
                        #expect(String(buffer: response.body).contains("Jumio"))
                    }
                }
                try await API.finishJourney(try #require(href), outcome: "pass")
            }
            for flowID in flows {
                try await carla.waitForFlow(flowID, "the verification to pass despite the faults") {
                    $0.actionStatuses == ["completed", "active"]
                }
                let kinds = try await carla.timelineKinds(flowID)
                #expect(kinds.filter { $0 == "verificationPassed" }.count == 1)
                #expect(kinds.filter { $0 == "verificationStarted" }.count == 1)
            }
            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(metrics.contains(#"outcome="5xx""#) || metrics.contains(#"outcome="4xx""#), "the faults reached the client")
        }
    }
}
