import JumioKit
import JumioSandbox
import Testing

@Suite("Data centers and fault rates")
struct EndpointTests {
    @Test(
        "each data center talks to its documented hosts",
        arguments: [
            (JumioDataCenter.us, "amer-1"), (JumioDataCenter.eu, "emea-1"), (JumioDataCenter.sg, "apac-1"),
        ])
    func hosts(dataCenter: JumioDataCenter, region: String) {
        let endpoints = JumioEndpoints.dataCenter(dataCenter)
        #expect(endpoints.tokenURL == "https://auth.\(region).jumio.ai/oauth2/token")
        #expect(endpoints.accountBase == "https://account.\(region).jumio.ai")
        #expect(endpoints.retrievalBase == "https://retrieval.\(region).jumio.ai")
        #expect(endpoints.statusURL == "https://status.\(region).jumio.ai")
        #expect(dataCenter.callbackHostname == "callback.\(region).jumio.ai")
        #expect(dataCenter.callbackAddresses.count == 6)
    }

    @Test("a custom base URL serves every path")
    func custom() {
        let endpoints = JumioEndpoints.custom(baseURL: "http://127.0.0.1:9/jumio/")
        #expect(endpoints.tokenURL == "http://127.0.0.1:9/jumio/oauth2/token")
        #expect(endpoints.accountBase == "http://127.0.0.1:9/jumio")
        #expect(endpoints.statusURL == "http://127.0.0.1:9/jumio/status")
    }

    @Test("injected error rates reach the client as the errors they are")
    func faultRates() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests(maximumAttempts: 2)
            try await client.verifyCredentials(harness.connection())
            let request = JumioAccountRequest(customerInternalReference: "rates", workflowKey: 1)
            harness.sandbox.faults = SandboxFaults(serverErrorRate: 1)
            await #expect(throws: JumioError.unavailable("HTTP 503")) { try await client.createAccount(request, on: harness.connection()) }
            harness.sandbox.faults = SandboxFaults(rateLimitRate: 1)
            await #expect(throws: JumioError.rateLimited) { try await client.createAccount(request, on: harness.connection()) }
            harness.sandbox.faults = .none
            _ = try await client.createAccount(request, on: harness.connection())
        }
    }
}
