import Foundation
import HummingbirdTesting
import Testing

@Suite("What the Flow Builder and the pages rely on")
struct BuilderSupportTests {
    @Test("the '{.}' picker lists the references of an unsaved draft at a position")
    func draftReferences() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let draft = #"""
                "roles": ["Client"], "variables": ["caseNumber"], "actions": [
                  {"type": "form", "title": "Details", "assignee": {"role": "Client"},
                   "form": {"fields": [{"name": "firstName", "label": "First name", "type": "text"}]}},
                  {"type": "jumio", "title": "Verify", "assignee": {"role": "Client"},
                   "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "c", "clientSecret": "s"}}]
                """#
            func tokens(_ position: Int) async throws -> [String] {
                let answer = try await admin.object(
                    .post, "/api/v1/references", json: "{\(draft), \"position\": \(position)}", expect: .ok)
                return answer[list: "items"].compactMap { $0[string: "token"] }
            }
            let first = try await tokens(1)
            #expect(first.contains("{{role.Client.name}}") && first.contains("{{variables.caseNumber}}"))
            #expect(!first.contains { $0.hasPrefix("{{actions.") })
            let second = try await tokens(2)
            #expect(second.contains("{{actions.1.outputs.firstName}}") && !second.contains("{{actions.2.title}}"))
            let third = try await tokens(3)
            #expect(third.contains("{{actions.2.outputs.decision}}"))

            let beyond = try await admin.object(
                .post, "/api/v1/references", json: "{\(draft), \"position\": 4}", expect: .unprocessableContent)
            #expect((beyond["error"] as? [String: Any])?[string: "field"] == "position")
            let (_, carla) = try await admin.addClient()
            _ = try await carla.object(.post, "/api/v1/references", json: "{\(draft), \"position\": 1}", expect: .forbidden)
        }
    }

    @Test("a duplicated Jumio action keeps the stored secret of its client ID; another client ID needs its own")
    func duplicateKeepsSecret() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let jumio = #"{"type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "bank-1", "clientSecret": "first-secret"}}"#
            let template = try await admin.object(
                .post, "/api/v1/templates", json: #"{"name": "KYC", "roles": ["Client"], "actions": [\#(jumio)]}"#,
                expect: .created)
            let id = try #require(template[string: "id"])
            let savedID = try #require(template[list: "actions"].first?[string: "id"])
            let copy = #"{"type": "jumio", "title": "Verify (copy)", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "bank-1"}}"#
            let saved = #"{"id": "\#(savedID)", "type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "bank-1"}}"#
            let updated = try await admin.object(
                .put, "/api/v1/templates/\(id)",
                json: #"{"name": "KYC", "roles": ["Client"], "actions": [\#(saved), \#(copy)]}"#, expect: .ok)
            #expect(updated[list: "actions"].map { ($0["jumio"] as? [String: Any])?["clientSecretSet"] as? Bool } == [true, true])
            let other = copy.replacingOccurrences(of: "bank-1", with: "bank-2")
            let refused = try await admin.object(
                .put, "/api/v1/templates/\(id)",
                json: #"{"name": "KYC", "roles": ["Client"], "actions": [\#(saved), \#(other)]}"#,
                expect: .unprocessableContent)
            #expect((refused["error"] as? [String: Any])?[string: "field"]?.hasPrefix("actions.2.jumio") == true)
        }
    }

    @Test("a workspace page lets frames and the camera come only from its own Jumio data centers")
    func framePolicyPerFlow() async throws {
        let server = try await TestServer.make(.sqlite)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, _) = try await admin.addClient()
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "EU KYC", "members": [{"userId": "\#(clientID)", "role": "Client"}], "actions": [{"type": "jumio", "title": "Verify", "assignee": {"role": "Client"}, "jumio": {"dataCenter": "EU", "workflowType": "idVerification", "clientId": "bank", "clientSecret": "s"}}]}"#,
                expect: .created)
            let page = try await client.execute(uri: "/flows/\(flow[string: "id"]!)", method: .get)
            let policy = try #require(page.headers[.contentSecurityPolicy])
            let permissions = try #require(page.headers[.init("Permissions-Policy")!])
            #expect(policy.contains("frame-src 'self' https://*.web.emea-1.jumio.ai;"))
            #expect(!policy.contains("amer-1") && !policy.contains("apac-1"))
            #expect(permissions.contains(#"camera=(self "https://*.web.emea-1.jumio.ai")"#))

            let templates = try await client.execute(uri: "/templates", method: .get)
            #expect(templates.headers[.contentSecurityPolicy]?.contains("frame-src 'self';") == true)
            #expect(templates.headers[.init("Permissions-Policy")!]?.contains("camera=(self)") == true)
            let unknown = try await client.execute(uri: "/flows/\(UUID())", method: .get)
            #expect(unknown.headers[.contentSecurityPolicy]?.contains("jumio.ai") == false)
        }
    }
}
