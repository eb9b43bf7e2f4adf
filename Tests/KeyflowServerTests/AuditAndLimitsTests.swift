import Foundation
import HummingbirdTesting
import NIOCore
@testable import KeyflowServer
import Testing

@Suite("The audit log and rate limits")
struct AuditAndLimitsTests {
    @Test("sign-in attempts are limited per email and address; the refusals and failures are audited", arguments: TestServer.stores)
    func signInLimit(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.rateLimits.signIn.limit = 3 }
        try await server.run { client in
            for _ in 0..<3 {
                _ = try await API(client: client).object(
                    .post, "/api/v1/sessions", json: #"{"email": "\#(server.admin.email)", "password": "wrong"}"#,
                    expect: .unauthorized)
            }
            let refused = try await client.execute(
                uri: "/api/v1/sessions", method: .post, headers: [.contentType: "application/json"],
                body: ByteBuffer(string: #"{"email": "\#(server.admin.email)", "password": "\#(server.admin.password)"}"#))
            #expect(refused.status == .tooManyRequests)
            #expect(Int(refused.headers[.retryAfter] ?? "") ?? 0 > 0)
            #expect(String(buffer: refused.body).contains("rate_limited"))
        }
        // a fresh window (another server on the same database would count the same way)
        let later = try await TestServer.make(store) { $0.rateLimits.signIn.limit = 100 }
        try await later.run { client in
            let admin = try await API(client: client).signedIn(later.admin.email, later.admin.password)
            let kinds = try await admin.object(.get, "/api/v1/audit", expect: .ok)[list: "items"].compactMap { $0[string: "kind"] }
            #expect(kinds == ["signedIn"], "a fresh organization has only this sign-in")
        }
    }

    @Test("sign-in links per client are limited; admins read an audit log that never holds a secret", arguments: TestServer.stores)
    func auditLog(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store) { $0.rateLimits.magicLinks.limit = 2 }
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            for _ in 0..<2 { _ = try await admin.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .created) }
            _ = try await admin.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .tooManyRequests)
            let flow = try await admin.jumioFlow(clientID: clientID, secret: "audit-me-not-9")
            let templates = try await admin.object(.get, "/api/v1/templates", expect: .ok)[list: "items"]
            _ = try await admin.call(.delete, "/api/v1/templates/\(templates[0][string: "id"]!)")
            _ = try await admin.object(.post, "/api/v1/flows/\(flow.flowID)/verification-data/delete", expect: .ok)

            _ = try await carla.object(.get, "/api/v1/audit", expect: .forbidden)
            let log = try await admin.call(.get, "/api/v1/audit")
            let text = String(buffer: log.body)
            #expect(!text.contains("audit-me-not-9"))
            let items = try #require(try JSONSerialization.jsonObject(with: Data(buffer: log.body)) as? [String: Any])[list: "items"]
            let kinds = items.compactMap { $0[string: "kind"] }
            for expected in ["signedIn", "userCreated", "magicLinkCreated", "rateLimited", "jumioSecretSet", "templateDeleted", "verificationDataDeleted"] {
                #expect(kinds.contains(expected), "\(expected) is audited")
            }
            #expect(kinds.filter { $0 == "magicLinkCreated" }.count == 2)
            let secret = try #require(items.first { $0[string: "kind"] == "jumioSecretSet" })
            #expect((secret["details"] as? [String: String])?["clientId"] == "keyflow-test")
            #expect(items.filter { $0[string: "requestId"] == nil }.isEmpty, "\(items.filter { $0[string: "requestId"] == nil })")
            let page = try await admin.object(.get, "/api/v1/audit?limit=2", expect: .ok)[list: "items"]
            let next = try await admin.object(
                .get, "/api/v1/audit?limit=2&before=\(page.last!["id"] as! Int)", expect: .ok)[list: "items"]
            #expect(page.count == 2 && next.count == 2 && (next[0]["id"] as! Int) < (page[1]["id"] as! Int))
        }
    }
}
