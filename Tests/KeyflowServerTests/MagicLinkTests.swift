import Foundation
import HummingbirdTesting
import Testing

@Suite("Clients sign in through one-time links")
struct MagicLinkTests {
    @Test("a link signs the client in once; internal users cannot get one; clients cannot make one", arguments: TestServer.stores)
    func magicLink(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let link = try await admin.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .created)
            let url = try #require(link[string: "url"])
            let token = String(url.split(separator: "/").last!)
            #expect(url.contains("/magic/"))

            let session = try await API(client: client).object(
                .post, "/api/v1/sessions/magic-link", json: #"{"token": "\#(token)"}"#, expect: .created)
            #expect((session["user"] as? [String: Any])?[string: "id"] == clientID)
            let again = try await API(client: client).object(
                .post, "/api/v1/sessions/magic-link", json: #"{"token": "\#(token)"}"#, expect: .unauthorized)
            #expect((again["error"] as? [String: Any])?[string: "code"] == "link_used_or_expired")

            _ = try await admin.object(.post, "/api/v1/users/\(try await admin.userID())/magic-link", expect: .unprocessableContent)
            _ = try await carla.object(.post, "/api/v1/users/\(clientID)/magic-link", expect: .forbidden)
            let page = try await client.execute(uri: "/magic/\(token)", method: .get)
            #expect(page.status == .ok)
            #expect(page.headers[.contentSecurityPolicy]?.contains("frame-ancestors 'none'") == true)
        }
    }
}
