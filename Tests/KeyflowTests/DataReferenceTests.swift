import Foundation
import Keyflow
import Testing

@Suite("Dynamic data references")
struct DataReferenceTests {
    let world = World()

    var kycForm: ActionDefinition {
        ActionDefinition(
            type: .form, title: "Your details", assignee: .role("Client"),
            form: FormSpec(fields: [FormField(name: "firstName", label: "First name", type: .text)]))
    }

    @Test("known sources validate")
    func validReferences() throws {
        let template = world.template(
            [
                kycForm,
                ActionDefinition(
                    type: .todo,
                    title: "Welcome {{actions.1.outputs.firstName}}",
                    description: "{{workspace.name}} by {{workspace.owner.email}} for {{role.Client.name}}, ref {{variables.ref}}",
                    assignee: .user(world.owner.id)),
            ], variables: ["ref"])
        try template.validate()
    }

    @Test(
        "a bad reference is an error that names the token and the field",
        arguments: [
            ("{{workspace.colour}}", "{{workspace.colour}}"),
            ("{{role.Advisor.name}}", "there is no role 'Advisor'"),
            ("{{actions.2.title}}", "only the 1 action(s) before this one can be referenced"),
            ("{{actions.1.outputs.lastName}}", "that action's outputs are firstName"),
            ("{{variables.missing}}", "there is no variable 'missing'"),
            ("{{weather.today}}", "unknown source"),
        ])
    func invalidReferences(description: String, expected: String) {
        let template = world.template([
            kycForm,
            ActionDefinition(type: .todo, title: "Next", description: description, assignee: .user(world.owner.id)),
        ])
        let error = #expect(throws: DomainError.self) { try template.validate() }
        #expect(error?.field == "actions.2.description")
        #expect(error?.message.contains(expected) == true, "\(error?.message ?? "")")
    }

    @Test("an action cannot reference itself or a later action")
    func forwardReference() {
        let template = world.template([
            ActionDefinition(type: .todo, title: "Before {{actions.2.title}}", assignee: .user(world.owner.id)),
            ActionDefinition(type: .todo, title: "Second", assignee: .user(world.owner.id)),
        ])
        let error = #expect(throws: DomainError.self) { try template.validate() }
        #expect(error?.field == "actions.1.title")
        #expect(error?.message.hasPrefix("{{actions.2.title}}") == true)
    }

    @Test("references bind to action ids and present as positions")
    func bindAndPresent() {
        let a = UUID()
        let b = UUID()
        let bound = DataReferences.bind("Hi {{actions.2.title}} and {{ actions.1.outputs.x }}", actionOrder: [a, b])
        #expect(bound == "Hi {{actions.\(b.uuidString).title}} and {{actions.\(a.uuidString).outputs.x}}")
        let inserted = UUID()
        #expect(
            DataReferences.present(bound, actionOrder: [inserted, a, b]) == "Hi {{actions.3.title}} and {{actions.2.outputs.x}}")
    }

    @Test("values resolve when the action becomes active; missing ones render empty with a warning")
    func resolution() throws {
        var flow = try Flow.start(
            from: world.template(
                [
                    kycForm,
                    ActionDefinition(
                        type: .todo, title: "Welcome {{actions.1.outputs.firstName}}",
                        description: "Owner {{workspace.owner.name}}; client {{role.Client.email}}; ref [{{variables.ref}}]",
                        assignee: .user(world.owner.id)),
                ], variables: ["ref"]),
            name: "Onboarding Carla", owner: world.owner.id,
            members: [FlowMember(userID: world.client.id, role: "Client")], variables: [:], context: world.context()
        ).flow
        #expect(flow.actions[1].resolvedTitle == nil)
        _ = try flow.submit(
            flow.actions[0].id, by: world.clientActor, answers: ["firstName": .text("Carla")], context: world.context())
        #expect(flow.actions[1].title == "Welcome Carla")
        #expect(flow.actions[1].resolvedDescription == "Owner Olga Owner; client carla@client.test; ref []")
        #expect(flow.actions[1].warnings == ["{{variables.ref}} has no value yet"])
    }

    @Test("a reference still points at its action after an action is inserted before it")
    func insertionKeepsBinding() throws {
        var flow = try Flow.startInstant(
            organizationID: world.org.id, name: "Q", owner: world.owner.id,
            members: [FlowMember(userID: world.client.id, role: "Client")], variables: [:],
            actions: [
                ActionDefinition(type: .todo, title: "Start", assignee: .role("Client")),
                kycForm,
                ActionDefinition(type: .todo, title: "Hello {{actions.2.outputs.firstName}}", assignee: .user(world.owner.id)),
            ], context: world.context()
        ).flow
        let formID = flow.actions[1].id
        _ = try flow.insert(
            ActionDefinition(type: .todo, title: "Inserted", assignee: .user(world.owner.id)), at: 2,
            by: world.ownerActor, context: world.context())
        #expect(flow.actions.map(\.definition.title)[1] == "Inserted")
        let presented = DataReferences.present(flow.actions[3].definition.title, actionOrder: flow.actions.map(\.id))
        #expect(presented == "Hello {{actions.3.outputs.firstName}}")
        #expect(flow.actions[3].definition.title.contains(formID.uuidString))
    }

    @Test("the picker lists what is available at a position")
    func available() {
        let scope = ReferenceScope(roles: ["Client"], variables: ["ref"], earlierActions: [kycForm])
        let tokens = DataReferences.available(in: scope).map(\.token)
        #expect(tokens.contains("{{workspace.name}}"))
        #expect(tokens.contains("{{role.Client.email}}"))
        #expect(tokens.contains("{{actions.1.outputs.firstName}}"))
        #expect(tokens.contains("{{variables.ref}}"))
        #expect(!tokens.contains { $0.contains("actions.2") })
        for token in tokens {
            #expect(throws: Never.self) { try DataReferences.validate(token, field: "t", scope: scope) }
        }
    }
}
