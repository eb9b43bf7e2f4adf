import Foundation
@testable import JumioKit
import JumioSandbox
import Synchronization
import Testing

@Suite("JumioClient under faults: retries, back-off, pacing")
struct ResilienceTests {
    let request = JumioAccountRequest(customerInternalReference: "resilience", workflowKey: 2)

    @Test("503s and 429s are retried until Jumio answers", arguments: [503, 429])
    func transientFailuresRetried(status: Int) async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests(maximumAttempts: 4)
            try await client.verifyCredentials(harness.connection())
            harness.sandbox.failNext(3, status: status)
            let created = try await client.createAccount(request, on: harness.connection())
            #expect(!created.account.id.isEmpty)
        }
    }

    @Test("when retries run out the error says what happened")
    func retriesExhausted() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient.forTests(maximumAttempts: 3)
            try await client.verifyCredentials(harness.connection())
            harness.sandbox.failNext(3, status: 503)
            await #expect(throws: JumioError.unavailable("HTTP 503")) {
                try await client.createAccount(request, on: harness.connection())
            }
            harness.sandbox.failNext(3, status: 429)
            await #expect(throws: JumioError.rateLimited) {
                try await client.createAccount(request, on: harness.connection())
            }
        }
    }

    @Test("the token call is retried too")
    func tokenRetried() async throws {
        try await SandboxHarness.with { harness async throws in
            harness.sandbox.failNext(2, status: 503)
            try await JumioClient.forTests().verifyCredentials(harness.connection())
            #expect(harness.sandbox.tokenRequestCount == 1)
        }
    }

    @Test("Retry-After is honoured; otherwise the back-off grows and is capped")
    func backoffSchedule() async throws {
        let waits = Mutex<[Duration]>([])
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient(
                configuration: .init(
                    maximumAttempts: 5, backoffBase: .seconds(1), backoffCap: .seconds(3), initiationsPerSecond: 1000,
                    initiationBurst: 1000),
                sleep: { duration in waits.withLock { $0.append(duration) } })
            try await client.verifyCredentials(harness.connection())
            harness.sandbox.failNext(1, status: 429, retryAfter: 7)
            harness.sandbox.failNext(3, status: 503)
            _ = try await client.createAccount(request, on: harness.connection())
        }
        let recorded = waits.withLock { $0 }
        #expect(recorded.count == 4)
        #expect(recorded.first == .seconds(7))
        // then base × 2^(attempt-1) with jitter (half to all of it), capped at 3 s
        #expect(recorded[1] >= .seconds(1) && recorded[1] <= .seconds(2))
        #expect(recorded[2] >= .milliseconds(1500) && recorded[2] <= .seconds(3))
        #expect(recorded[3] >= .milliseconds(1500) && recorded[3] <= .seconds(3))
    }

    @Test("an unreachable Jumio is reported as unavailable after the retries")
    func unreachable() async throws {
        let port = try await SandboxHarness.freePort()
        let connection = JumioConnection(
            endpoints: .custom(baseURL: "http://127.0.0.1:\(port)"),
            credentials: JumioCredentials(clientID: "a", clientSecret: "b"))
        let client = JumioClient(configuration: .init(timeout: .seconds(1), maximumAttempts: 2), sleep: { _ in })
        let error = await #expect(throws: JumioError.self) { try await client.verifyCredentials(connection) }
        #expect(error?.isTransient == true)
    }

    @Test("a slow Jumio runs into the client's timeout")
    func timeout() async throws {
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient(
                configuration: .init(timeout: .seconds(1), maximumAttempts: 1), sleep: { _ in })
            try await client.verifyCredentials(harness.connection())
            harness.sandbox.faults.latency = .seconds(3)
            let error = await #expect(throws: JumioError.self) {
                try await client.createAccount(request, on: harness.connection())
            }
            #expect(error?.isTransient == true)
            harness.sandbox.faults.latency = .zero
        }
    }

    @Test("a burst is spaced out to the tenant's rate instead of failing")
    func pacing() async throws {
        let start = ContinuousClock.now
        let pacer = Pacer(ratePerSecond: 1, burst: 2, now: start)
        #expect(await pacer.reserve(now: start) == .zero)
        #expect(await pacer.reserve(now: start) == .zero)
        #expect(await pacer.reserve(now: start) == .seconds(1))
        #expect(await pacer.reserve(now: start) == .seconds(2))
        #expect(await pacer.reserve(now: start + .seconds(10)) == .zero)
    }

    @Test("every request names Keyflow and its version")
    func userAgent() async throws {
        let agents = Mutex<[String]>([])
        let transport = JumioTransport { request, timeout in
            agents.withLock { $0.append(request.header("User-Agent") ?? "") }
            return try await JumioTransport.live().send(request, timeout)
        }
        try await SandboxHarness.with { harness async throws in
            let client = JumioClient(transport: transport, sleep: { _ in })
            _ = try await client.createAccount(request, on: harness.connection())
        }
        #expect(agents.withLock { $0 } == ["Keyflow/\(JumioClient.version)", "Keyflow/\(JumioClient.version)"])
    }
}
