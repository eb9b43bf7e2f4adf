import Foundation
import Hummingbird
import HummingbirdTesting
import KeyflowStore
import NIOCore
import Testing

@Suite("Where Jumio callbacks may come from")
struct CallbackSourceTests {
    /// Adds an attempt on the US data center to an existing flow's Jumio action, with a known callback token;
    /// a closed one stands for an attempt Jumio has already decided.
    static func usAttempt(_ server: TestServer, flowID: String, actionID: String, closed: Bool = false) async throws
        -> (token: String, attemptID: UUID)
    {
        let (token, attemptID) = ("us-token-\(UUID().uuidString)", UUID())
        let now = Date()
        try await server.withStore { store in
            try await store.write { db in
                try await db.insertAttempt(
                    AttemptRecord(
                        id: attemptID, organizationID: UUID(), flowID: UUID(uuidString: flowID)!, actionID: UUID(uuidString: actionID)!,
                        dataCenter: "US", accountID: "acc", executionID: "exe", open: true, createdAt: now,
                        nextCheckAt: now.addingTimeInterval(3600), checkCount: 0),
                    callbackToken: token)
            }
            if closed { try await store.write { try await $0.closeAttempt(attemptID, at: now) } }
        }
        return (token, attemptID)
    }

    static func post(_ client: any TestClientProtocol, _ token: String, forwardedFor: String? = nil) async throws
        -> HTTPResponse.Status
    {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let forwardedFor { headers[.init("X-Forwarded-For")!] = forwardedFor }
        return try await client.execute(
            uri: "/hooks/jumio/\(token)", method: .post, headers: headers,
            body: ByteBuffer(string: #"{"workflowExecution": {"id": "exe", "status": "PROCESSED"}, "account": {"id": "acc"}}"#)
        ).status
    }

    @Test("a US callback from an address off Jumio's list is refused; a trusted proxy's forwarded address counts", arguments: TestServer.stores)
    func allowlist(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.trustedProxies = ["127.0.0.1", "::1"] }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let (token, _) = try await Self.usAttempt(server, flowID: flowID, actionID: actionID)
            #expect(try await Self.post(client, token) == .forbidden)
            #expect(try await Self.post(client, token, forwardedFor: "203.0.113.9") == .forbidden)
            #expect(try await Self.post(client, token, forwardedFor: "198.51.100.1, 34.202.241.227") == .ok)
        }
    }

    @Test("the allowlist can be replaced by configuration", arguments: TestServer.stores)
    func configuredSources(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.jumio.callbackSources = ["127.0.0.1", "::1"] }
        try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let (flowID, actionID, _) = try await admin.jumioFlow(clientID: clientID)
            let (token, _) = try await Self.usAttempt(server, flowID: flowID, actionID: actionID)
            #expect(try await Self.post(client, token) == .ok)
        }
    }
}
