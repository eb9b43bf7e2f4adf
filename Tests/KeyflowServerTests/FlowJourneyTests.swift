import Foundation
import HummingbirdTesting
import Keyflow
import Testing

@Suite("The flow journey through the API")
struct FlowJourneyTests {
    @Test("a 3-action template runs to the end with each action done by the right person", arguments: TestServer.stores)
    func threeActionFlow(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let adminID = try await admin.userID()
            let (clientID, carla) = try await admin.addClient()

            // given a template: a To-Do and a Form for the client, an Approval for the admin in between
            let template = try await admin.object(
                .post, "/api/v1/templates",
                json: """
                    {"name": "Onboarding", "access": "shared", "roles": ["Client"], "actions": [
                      {"type": "todo", "title": "Read the welcome pack", "assignee": {"role": "Client"},
                       "due": {"kind": "days", "days": 3, "excludeWeekends": true}},
                      {"type": "approval", "title": "Approve {{role.Client.name}}", "assignee": {"userId": "\(adminID)"}},
                      {"type": "form", "title": "Details after {{actions.1.title}}", "assignee": {"role": "Client"},
                       "form": {"fields": [{"name": "income", "label": "Yearly income", "type": "number", "required": true}]}}
                    ]}
                    """, expect: .created)
            let templateID = try #require(template[string: "id"])
            #expect(template[list: "actions"][2][string: "title"] == "Details after {{actions.1.title}}")

            // when a flow starts with the client bound to the role
            var flow = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"templateId": "\#(templateID)", "name": "Carla's onboarding", "members": [{"role": "Client", "userId": "\#(clientID)"}]}"#,
                expect: .created)
            let flowID = try #require(flow[string: "id"])
            let actions = flow[list: "actions"]
            let ids = actions.compactMap { $0[string: "id"] }
            #expect(actions.map { $0[string: "status"] } == ["active", "pending", "pending"])
            #expect(actions[0][string: "assigneeId"] == clientID)
            #expect(actions[0][string: "dueAt"] != nil)

            // then only the client may complete the first action
            _ = try await admin.object(.post, "/api/v1/actions/\(ids[0])/complete", expect: .forbidden)
            _ = try await carla.object(.post, "/api/v1/actions/\(ids[1])/approve", expect: .conflict)
            flow = try await carla.object(.post, "/api/v1/actions/\(ids[0])/complete", expect: .ok)
            #expect(flow[list: "actions"].map { $0[string: "status"] } == ["completed", "active", "pending"])
            #expect(flow[list: "actions"][1][string: "title"] == "Approve Carla Client")

            // the approval is the admin's, and is not "completed" but approved
            let wrongAct = try await admin.object(.post, "/api/v1/actions/\(ids[1])/complete", expect: .conflict)
            #expect((wrongAct["error"] as? [String: Any])?[string: "code"] == "conflict")
            _ = try await carla.object(.post, "/api/v1/actions/\(ids[1])/approve", json: "{}", expect: .forbidden)
            _ = try await admin.object(.post, "/api/v1/actions/\(ids[1])/approve", json: #"{"comment": "fine"}"#, expect: .ok)

            // the form checks its answers and completes the flow
            let invalid = try await carla.object(
                .post, "/api/v1/actions/\(ids[2])/submit", json: #"{"answers": {"income": "a lot"}}"#,
                expect: .unprocessableContent)
            #expect((invalid["error"] as? [String: Any])?[string: "field"] == "answers.income")
            flow = try await carla.object(
                .post, "/api/v1/actions/\(ids[2])/submit", json: #"{"answers": {"income": 85000}}"#, expect: .ok)
            #expect(flow[string: "status"] == "completed")
            #expect(flow[list: "actions"][2][string: "title"] == "Details after Read the welcome pack")
            #expect((flow[list: "actions"][2]["outputs"] as? [String: Any])?["income"] as? Double == 85000)

            // the timeline tells the whole story, and the client can read it
            let timeline = try await carla.object(.get, "/api/v1/flows/\(flowID)/timeline", expect: .ok)
            #expect(timeline[list: "items"].map { $0[string: "kind"] } == [
                "flowStarted", "actionAssigned", "actionCompleted", "actionAssigned", "actionApproved",
                "actionAssigned", "actionSubmitted", "flowCompleted",
            ])
            #expect(timeline[list: "items"][1][string: "text"] == "“Read the welcome pack” is assigned to Carla Client")
        }
    }

    @Test("an assignee who is not a member of the flow is named in it after a change", arguments: TestServer.stores)
    func nonMemberAssigneeNamed(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (clientID, carla) = try await admin.addClient()
            let ines = try await admin.object(
                .post, "/api/v1/users",
                json: #"{"email": "ines-\#(UUID())@example.test", "name": "Ines Internal", "role": "member", "password": "member-password"}"#,
                expect: .created)
            let inesID = try #require(ines[string: "id"])
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: """
                    {"name": "Review", "members": [{"role": "Client", "userId": "\(clientID)"}], "actions": [
                      {"type": "todo", "title": "Send the papers", "assignee": {"role": "Client"}},
                      {"type": "approval", "title": "Approve for {{role.Client.name}}", "assignee": {"userId": "\(inesID)"}}
                    ]}
                    """, expect: .created)
            let first = try #require(flow[list: "actions"].first?[string: "id"])
            let changed = try await carla.object(.post, "/api/v1/actions/\(first)/complete", expect: .ok)
            #expect((changed["names"] as? [String: String])?[inesID.uppercased()] == "Ines Internal")
            #expect(changed[list: "actions"][1][string: "assigneeId"]?.uppercased() == inesID.uppercased())
        }
    }

    @Test("clients see only their flows and no templates; strangers see nothing", arguments: TestServer.stores)
    func visibility(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let (_, other) = try await admin.addClient(name: "C")
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "Instant", "actions": [{"type": "todo", "title": "Admin's own", "assignee": {"userId": "\#(try await admin.userID())"}}]}"#,
                expect: .created)
            let flowID = try #require(flow[string: "id"])
            #expect(try await other.object(.get, "/api/v1/flows", expect: .ok)[list: "items"].isEmpty)
            _ = try await other.object(.get, "/api/v1/flows/\(flowID)", expect: .notFound)
            // An action of a flow one cannot see answers exactly as an action that does not exist.
            let actionID = try #require(flow[list: "actions"][0][string: "id"])
            for id in [actionID, UUID().uuidString] {
                let refused = try await other.object(.post, "/api/v1/actions/\(id)/complete", expect: .notFound)
                #expect((refused["error"] as? [String: Any])?[string: "message"]?.lowercased() == "no action \(id.lowercased())")
            }
            _ = try await other.object(.get, "/api/v1/templates", expect: .forbidden)
            _ = try await other.object(.post, "/api/v1/users", json: "{}", expect: .forbidden)

            let anonymous = API(client: client)
            let denied = try await anonymous.object(.get, "/api/v1/flows", expect: .unauthorized)
            #expect((denied["error"] as? [String: Any])?[string: "code"] == "unauthorized")
            _ = try await API(client: client, token: "forged").object(.get, "/api/v1/me", expect: .unauthorized)
        }
    }

    @Test("bad input is answered with the field and what to do", arguments: TestServer.stores)
    func badInput(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let missingTitle = try await admin.object(
                .post, "/api/v1/templates", json: #"{"name": "T", "actions": [{"type": "todo", "assignee": {"role": "X"}}]}"#,
                expect: .badRequest)
            #expect((missingTitle["error"] as? [String: Any])?[string: "field"] == "actions.1.title")
            let unknownRole = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "actions": [{"type": "todo", "title": "A", "assignee": {"role": "Advisor"}}]}"#,
                expect: .unprocessableContent)
            #expect((unknownRole["error"] as? [String: Any])?[string: "message"] as? String == "the assignee role 'Advisor' does not exist (known roles: Client)")
            let badReference = try await admin.object(
                .post, "/api/v1/templates",
                json: #"{"name": "T", "roles": ["Client"], "actions": [{"type": "todo", "title": "See {{actions.1.title}}", "assignee": {"role": "Client"}}]}"#,
                expect: .unprocessableContent)
            #expect((badReference["error"] as? [String: Any])?[string: "field"] == "actions.1.title")
            _ = try await admin.object(.post, "/api/v1/templates", json: "{not json", expect: .badRequest)
            let wrongType = try await admin.call(.post, "/api/v1/templates", json: nil, headers: [.contentType: "text/plain"])
            #expect(wrongType.status == .unsupportedMediaType)
            _ = try await admin.object(.get, "/api/v1/flows/not-a-uuid", expect: .notFound)
            _ = try await admin.object(.get, "/api/v1/templates/\(UUID())", expect: .notFound)
        }
    }
}
