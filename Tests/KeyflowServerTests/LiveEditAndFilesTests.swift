import Foundation
import HummingbirdTesting
import NIOCore
import Testing

@Suite("Live edits, data references and attachments")
struct LiveEditAndFilesTests {
    @Test("an action is added to a running flow after the active one, with references kept in place", arguments: TestServer.stores)
    func addHere(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let adminID = try await admin.userID()
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: """
                    {"name": "Live", "actions": [
                      {"type": "form", "title": "Name", "assignee": {"userId": "\(adminID)"},
                       "form": {"fields": [{"name": "first", "label": "First name", "type": "text"}]}},
                      {"type": "todo", "title": "Hi {{actions.1.outputs.first}}", "assignee": {"userId": "\(adminID)"}}]}
                    """, expect: .created)
            let flowID = try #require(flow[string: "id"])

            let references = try await admin.object(.get, "/api/v1/flows/\(flowID)/references?position=2", expect: .ok)
            #expect(references[list: "items"].contains { $0[string: "token"] == "{{actions.1.outputs.first}}" })

            let refused = try await admin.object(
                .post, "/api/v1/flows/\(flowID)/actions",
                json: #"{"position": 1, "action": {"type": "todo", "title": "Too early", "assignee": {"userId": "\#(adminID)"}}}"#,
                expect: .unprocessableContent)
            #expect((refused["error"] as? [String: Any])?[string: "field"] == "position")

            let edited = try await admin.object(
                .post, "/api/v1/flows/\(flowID)/actions",
                json: #"{"position": 2, "action": {"type": "acknowledgement", "title": "Terms for {{actions.1.outputs.first}}", "assignee": {"userId": "\#(adminID)"}}}"#,
                expect: .created)
            let titles = edited[list: "actions"].map { $0[string: "title"] }
            #expect(titles == ["Name", "Terms for {{actions.1.outputs.first}}", "Hi {{actions.1.outputs.first}}"])
            let ids = edited[list: "actions"].compactMap { $0[string: "id"] }
            let done = try await admin.object(
                .post, "/api/v1/actions/\(ids[0])/submit", json: #"{"answers": {"first": "Ada"}}"#, expect: .ok)
            #expect(done[list: "actions"][1][string: "title"] == "Terms for Ada")
            let timeline = try await admin.object(.get, "/api/v1/flows/\(flowID)/timeline", expect: .ok)
            #expect(timeline[list: "items"].contains { $0[string: "kind"] == "actionInserted" })
        }
    }

    @Test("twelve actions added to a running flow at the same moment all land, each once", arguments: TestServer.stores)
    func simultaneousAdds(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let adminID = try await admin.userID()
            let flowID = try #require(try await admin.todoFlow(named: "Busy", titles: ["First"])[string: "id"])
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in 1...12 {
                    group.addTask {
                        _ = try await admin.object(
                            .post, "/api/v1/flows/\(flowID)/actions",
                            json: #"{"position": 2, "action": {"type": "todo", "title": "Added \#(index)", "assignee": {"userId": "\#(adminID)"}}}"#,
                            expect: .created)
                    }
                }
                try await group.waitForAll()
            }
            let flow = try await admin.object(.get, "/api/v1/flows/\(flowID)", expect: .ok)
            let titles = flow[list: "actions"].compactMap { $0[string: "title"] }
            #expect(titles.first == "First")
            #expect(titles.sorted() == (["First"] + (1...12).map { "Added \($0)" }).sorted())
            let timeline = try await admin.object(.get, "/api/v1/flows/\(flowID)/timeline", expect: .ok)
            #expect(timeline[list: "items"].filter { $0[string: "kind"] == "actionInserted" }.count == 12)
        }
    }

    @Test("a template lists the references each position may use", arguments: TestServer.stores)
    func templateReferences(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let template = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "variables": ["caseNumber"], "actions": [{"type": "approval", "title": "A", "assignee": {"role": "Client"}}, {"type": "todo", "title": "B", "assignee": {"role": "Client"}}]}"#,
                expect: .created)
            let id = try #require(template[string: "id"])
            let first = try await admin.object(.get, "/api/v1/templates/\(id)/references?position=1", expect: .ok)
            let second = try await admin.object(.get, "/api/v1/templates/\(id)/references?position=2", expect: .ok)
            let firstTokens = first[list: "items"].compactMap { $0[string: "token"] }
            let secondTokens = second[list: "items"].compactMap { $0[string: "token"] }
            #expect(firstTokens.contains("{{role.Client.name}}") && firstTokens.contains("{{variables.caseNumber}}"))
            #expect(!firstTokens.contains("{{actions.1.outputs.decision}}"))
            #expect(secondTokens.contains("{{actions.1.outputs.decision}}"))
            _ = try await admin.object(.get, "/api/v1/templates/\(id)/references?position=9", expect: .unprocessableContent)
        }
    }

    static func multipart(name: String, type: String, content: Data) -> (String, ByteBuffer) {
        let boundary = "keyflow-\(UUID().uuidString)"
        var body = Data("--\(boundary)\r\nContent-Disposition: form-data; name=\"file\"; filename=\"\(name)\"\r\nContent-Type: \(type)\r\n\r\n".utf8)
        body += content
        body += Data("\r\n--\(boundary)--\r\n".utf8)
        return ("multipart/form-data; boundary=\(boundary)", ByteBuffer(bytes: body))
    }

    @Test("attachments are checked on upload and served only to people who may see them", arguments: TestServer.stores)
    func attachments(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let pdf = Data("%PDF-1.7 terms".utf8)
            let (type, body) = Self.multipart(name: "../../etc/terms.pdf", type: "application/pdf", content: pdf)
            let upload = try await client.execute(
                uri: "/api/v1/attachments", method: .post,
                headers: [.authorization: "Bearer \(admin.token!)", .contentType: type], body: body)
            #expect(upload.status == .created)
            let info = try JSONSerialization.jsonObject(with: Data(buffer: upload.body)) as! [String: Any]
            #expect(info[string: "name"] == "terms.pdf")
            #expect(info["size"] as? Int == pdf.count)
            let attachmentID = try #require(info[string: "id"])

            let (fakeType, fakeBody) = Self.multipart(name: "x.pdf", type: "application/pdf", content: Data("MZ not a pdf".utf8))
            let fake = try await client.execute(
                uri: "/api/v1/attachments", method: .post,
                headers: [.authorization: "Bearer \(admin.token!)", .contentType: fakeType], body: fakeBody)
            #expect(fake.status == .unsupportedMediaType)
            let (bigType, bigBody) = Self.multipart(name: "big.txt", type: "text/plain", content: Data(repeating: 65, count: 70 * 1024))
            let big = try await client.execute(
                uri: "/api/v1/attachments", method: .post,
                headers: [.authorization: "Bearer \(admin.token!)", .contentType: bigType], body: bigBody)
            #expect(big.status == .contentTooLarge)

            // a client sees the file once a flow of theirs uses it, and not before
            let (userID, clientAPI) = try await admin.addClient(name: "F")
            _ = try await clientAPI.object(.get, "/api/v1/attachments/\(attachmentID)", expect: .notFound)
            _ = try await clientAPI.object(.get, "/api/v1/attachments/\(attachmentID)/info", expect: .notFound)
            _ = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "Docs", "members": [{"userId": "\#(userID)", "role": "Client"}], "actions": [{"type": "acknowledgement", "title": "Read", "attachments": ["\#(attachmentID)"], "assignee": {"role": "Client"}}]}"#,
                expect: .created)
            let download = try await clientAPI.call(.get, "/api/v1/attachments/\(attachmentID)")
            #expect(download.status == .ok)
            #expect(Data(buffer: download.body) == pdf)
            #expect(download.headers[.contentType] == "application/pdf")
            let shown = try await clientAPI.object(.get, "/api/v1/attachments/\(attachmentID)/info", expect: .ok)
            #expect(shown[string: "name"] == "terms.pdf" && shown["size"] as? Int == pdf.count)

            let unknown = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "Docs", "actions": [{"type": "todo", "title": "Read", "attachments": ["\#(UUID())"], "assignee": {"role": "Client"}}]}"#,
                expect: .unprocessableContent)
            #expect((unknown["error"] as? [String: Any])?[string: "field"] == "actions.1.attachments")
        }
    }
}
