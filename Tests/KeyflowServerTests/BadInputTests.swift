import Foundation
import Hummingbird
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Bad input gets a clear 4xx and leaves nothing wrong behind")
struct BadInputTests {
    static let injections = [
        "'; DROP TABLE flows; --", "\" OR 1=1 --", "<script>alert('x')</script>", "<img src=x onerror=alert(1)>",
        "{{workspace.name}}", "Robert'); DELETE FROM users;--",
    ]

    func raw(_ client: any TestClientProtocol, _ token: String, _ path: String, body: ByteBuffer, type: String = "application/json")
        async throws -> (HTTPResponse.Status, String)
    {
        let response = try await client.execute(
            uri: path, method: .post, headers: [.authorization: "Bearer \(token)", .contentType: type], body: body)
        return (response.status, String(buffer: response.body))
    }

    @Test("malformed, oversized, mistyped, unknown fields, invalid UTF-8 and over-long strings", arguments: TestServer.stores)
    func refusals(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let token = try #require(admin.token)
            let adminID = try await admin.userID()
            let action = #"{"type": "todo", "title": "T", "assignee": {"userId": "\#(adminID)"}}"#

            var (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: #"{"name": "x", "actions": ["#))
            #expect(status == .badRequest && body.contains("not valid JSON"))
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(repeating: 0x20, count: 2 * 1024 * 1024))
            #expect(status == .contentTooLarge)
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: "name=x"), type: "application/x-www-form-urlencoded")
            #expect(status == .unsupportedMediaType && body.contains("application/json"))
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(bytes: Array(#"{"name": "x"#.utf8) + [0xC3, 0x28] + Array(#"", "actions": []}"#.utf8)))
            #expect(status == .badRequest)
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: #"{"name": "x", "actions": [\#(action)], "colour": "red"}"#))
            #expect(status == .badRequest && body.contains(#""field":"colour""#) && body.contains("no field 'colour'"))
            let nested = #"{"name": "x", "actions": [{"type": "jumio", "title": "T", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "c", "clientSecrt": "s"}}]}"#
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: nested))
            #expect(status == .badRequest && body.contains(#""field":"actions.1.jumio.clientSecrt""#))
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: #"{"name": 42, "actions": []}"#))
            #expect(status == .badRequest && body.contains(#""field":"name""#))

            let long = String(repeating: "x", count: 201)
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: #"{"name": "\#(long)", "actions": [\#(action)]}"#))
            #expect(status == .unprocessableContent && body.contains(#""field":"name""#))
            (status, body) = try await raw(client, token, "/api/v1/flows", body: ByteBuffer(string: #"{"name": "n", "actions": [{"type": "todo", "title": "\#(long)", "assignee": {"userId": "\#(adminID)"}}]}"#))
            #expect(status == .unprocessableContent && body.contains(#""field":"actions.1.title""#))
            (status, body) = try await raw(client, token, "/api/v1/users", body: ByteBuffer(string: #"{"email": "\#(String(repeating: "a", count: 300))@x.example", "name": "n", "role": "client"}"#))
            #expect(status == .unprocessableContent && body.contains(#""field":"email""#))
            let flow = try await admin.object(.post, "/api/v1/flows", json: #"{"name": "ok", "actions": [\#(action)]}"#, expect: .created)
            (status, body) = try await raw(client, token, "/api/v1/flows/\(flow[string: "id"]!)/messages", body: ByteBuffer(string: #"{"text": "\#(String(repeating: "m", count: 4001))"}"#))
            #expect(status == .unprocessableContent)
            #expect(try await admin.object(.get, "/api/v1/flows", expect: .ok)[list: "items"].count == 1, "nothing refused was stored")

            let patch = try await client.execute(uri: "/api/v1/flows", method: .patch, headers: [.authorization: "Bearer \(token)"])
            #expect(patch.status == .methodNotAllowed && patch.headers[.allow] == "GET, POST")
            #expect(try await client.execute(uri: "/api/v1/nothing-here", method: .get).status == .notFound)

            let page = try await client.execute(uri: "/flows/new?template=%3Cscript%3E", method: .get)
            #expect(page.status == .badRequest && !String(buffer: page.body).contains("<script>"))
        }
    }

    @Test("a session token is read whatever the scheme's case and the blanks before it; other schemes are refused")
    func authorizationHeader() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let token = try #require(admin.token)
            for header in ["Bearer \(token)", "bearer \(token)", "BEARER \t  \(token)"] {
                let response = try await client.execute(uri: "/api/v1/flows", method: .get, headers: [.authorization: header])
                #expect(response.status == .ok, "\(header)")
            }
            for header in ["Basic \(token)", "Bearer", "Bearer    ", "Bearer\(token)", "Bearer x\(token)"] {
                let response = try await client.execute(uri: "/api/v1/flows", method: .get, headers: [.authorization: header])
                #expect(response.status == .unauthorized, "\(header)")
            }
        }
    }

    @Test("SQL and HTML in every text field are stored as written and never rendered as markup", arguments: TestServer.stores)
    func injections(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient(name: "Eve <b>O'Hara</b>")
            for text in Self.injections {
                let json = String(decoding: try JSONSerialization.data(withJSONObject: text, options: .fragmentsAllowed), as: UTF8.self)
                let plain = json.replacingOccurrences(of: "{{", with: "{ {")
                let flow = try await admin.object(
                    .post, "/api/v1/flows",
                    json: #"{"name": \#(json), "description": \#(json), "members": [{"userId": "\#(clientID)", "role": "Client"}], "actions": [{"type": "todo", "title": \#(plain), "description": \#(plain), "assignee": {"role": "Client"}}]}"#,
                    expect: .created)
                let id = try #require(flow[string: "id"])
                _ = try await admin.object(.post, "/api/v1/flows/\(id)/messages", json: #"{"text": \#(json)}"#, expect: .created)
                let read = try await admin.flow(id)
                #expect(read[string: "name"] == text && read[string: "description"] == text)
                #expect(read[list: "actions"][0][string: "title"] == text.replacingOccurrences(of: "{{", with: "{ {"))
                let timeline = try await admin.object(.get, "/api/v1/flows/\(id)/timeline", expect: .ok)[list: "items"]
                #expect(timeline.contains { $0[string: "text"] == text })
                let page = String(buffer: try await client.execute(uri: "/flows/\(id)", method: .get).body)
                #expect(!page.contains("<script>alert") && !page.contains("onerror="), "pages carry no user text")
            }
            #expect(try await admin.object(.get, "/api/v1/flows", expect: .ok)[list: "items"].count == Self.injections.count)
            #expect(try await admin.object(.get, "/api/v1/users", expect: .ok)[list: "items"].contains { $0[string: "name"] == "Eve <b>O'Hara</b>" })
        }
    }

    @Test("the pages' scripts put user text into the page only as text")
    func scriptsNeverWriteMarkup() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            for name in ["api.js", "workspace.js", "builder.js", "action-form.js", "add-action.js", "templates.js", "start.js", "flows.js", "sign-in.js", "magic.js"] {
                let script = String(buffer: try await client.execute(uri: "/assets/\(name)", method: .get).body)
                #expect(!script.isEmpty)
                for sink in ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval("] {
                    #expect(!script.contains(sink), "\(name) uses \(sink)")
                }
            }
        }
    }
}
