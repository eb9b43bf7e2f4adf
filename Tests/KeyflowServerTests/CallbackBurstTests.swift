import Foundation
import Hummingbird
import HummingbirdTesting
import KeyflowStore
import Testing

@testable import KeyflowServer

@Suite("Jumio callbacks arriving together")
struct CallbackBurstTests {
    @Test(
        "in a burst of callbacks with repeats, unknown tokens, a stranger's and a decided attempt's, each gets its own answer and each status of an open attempt queues one job",
        arguments: TestServer.stores)
    func burst(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.trustedProxies = ["127.0.0.1", "::1"] }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let open = try await CallbackSourceTests.usAttempt(server, flowID: flowID, actionID: actionID)
            let decided = try await CallbackSourceTests.usAttempt(server, flowID: flowID, actionID: actionID, closed: true)
            let jumio = "34.202.241.227"
            // The decided attempt's news came once before the burst too: stored as dealt with, and queued nothing.
            #expect(try await CallbackSourceTests.post(client, decided.token, forwardedFor: jumio) == .ok)

            let sends: [(token: String, from: String, expected: HTTPResponse.Status)] =
                Array(repeating: (open.token, jumio, .ok), count: 8) + Array(repeating: (decided.token, jumio, .ok), count: 8)
                + (0..<4).map { _ in ("unknown-\(UUID())", jumio, .notFound) }
                + Array(repeating: (open.token, "203.0.113.9", .forbidden), count: 4)
            let answers = try await withThrowingTaskGroup(of: (Int, HTTPResponse.Status).self) { group in
                for (index, send) in sends.enumerated() {
                    group.addTask { (index, try await CallbackSourceTests.post(client, send.token, forwardedFor: send.from)) }
                }
                var answers = [HTTPResponse.Status?](repeating: nil, count: sends.count)
                for try await (index, status) in group { answers[index] = status }
                return answers
            }
            #expect(answers == sends.map(\.expected))

            let metrics = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            for (result, count) in [("received", 17), ("duplicate", 7), ("decided", 9), ("unknown", 4), ("refused", 4)] {
                #expect(metrics.contains(#"keyflow_jumio_callbacks_total{result="\#(result)"} \#(count)"#), "\(result)")
            }
            let (jobs, openCallbacks, decidedCallbacks) = try await Self.stored(server, open.attemptID, decided.attemptID)
            #expect(jobs.filter { $0.payload.contains(open.attemptID.uuidString) }.count == 1)
            #expect(jobs.filter { $0.payload.contains(decided.attemptID.uuidString) }.isEmpty, "a decided attempt needs no job")
            #expect(openCallbacks.count == 8, "a refused callback is not stored")
            #expect(decidedCallbacks.count == 9)
            #expect(decidedCallbacks.allSatisfy { $0.processedAt != nil }, "repeats about a decided attempt are done with")
        }
    }

    @Test("in one batch, the first of several callbacks with the same news queues its job and the rest count as repeats", arguments: TestServer.stores)
    func sameNewsInOneBatch(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        let attempt = try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            return try await CallbackSourceTests.usAttempt(server, flowID: flowID, actionID: actionID)
        }
        func arrival(_ token: String, _ hint: String) -> CallbackInbox.Arrival {
            .init(token: token, body: "{}", hint: hint, source: nil, requestID: nil)
        }
        let batch = [
            arrival(attempt.token, "PROCESSED"), arrival("nobody's", "PROCESSED"), arrival(attempt.token, "PROCESSED"),
            arrival(attempt.token, "SESSION_EXPIRED"),
        ]
        // With the server stopped, the batch is the database's only writer.
        let receipts = try await server.withStore { store in
            try await store.write { db in
                try await CallbackInbox.record(batch, in: db, configuration: JumioConfiguration(checkCallbackSource: false), at: Date())
            }
        }
        #expect(receipts == [
            .stored(attemptID: attempt.attemptID, queued: true), .unknownToken,
            .stored(attemptID: attempt.attemptID, queued: false), .stored(attemptID: attempt.attemptID, queued: true),
        ])
    }

    /// The verification jobs and each attempt's stored callbacks.
    static func stored(_ server: TestServer, _ open: UUID, _ decided: UUID) async throws
        -> (jobs: [Job], open: [StoredCallback], decided: [StoredCallback])
    {
        try await server.withStore { store in
            try await store.read { db in
                (try await db.jobs(queue: "jumio.verification"), try await db.callbacks(of: open), try await db.callbacks(of: decided))
            }
        }
    }
}
