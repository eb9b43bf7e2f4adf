import Foundation
import Keyflow
import Testing

@Suite("Adding actions to a running flow")
struct LiveInsertTests {
    let world = World()

    func newTodo(_ title: String = "Extra") -> ActionDefinition {
        ActionDefinition(type: .todo, title: title, assignee: .role("Client"))
    }

    @Test("an action can be added anywhere after the active one")
    func legalPositions() throws {
        for position in 2...4 {
            var flow = try world.threeStepFlow()
            let events = try flow.insert(newTodo(), at: position, by: world.colleagueActor, context: world.context())
            #expect(flow.actions[position - 1].definition.title == "Extra")
            #expect(flow.actions[position - 1].status == .pending)
            #expect(flow.actions.count == 4)
            #expect(events.first?.kind == .actionInserted)
        }
    }

    @Test("completed and active actions cannot be moved: positions before them are refused")
    func illegalPositions() throws {
        var flow = try world.threeStepFlow()
        _ = try flow.complete(flow.actions[0].id, by: world.clientActor, context: world.context())
        for position in [0, 1, 2, 5] {
            #expect(throws: DomainError.invalid("an action can be added at positions 3 to 4: after the active one", field: "position")) {
                try flow.insert(newTodo(), at: position, by: world.ownerActor, context: world.context())
            }
        }
        #expect(flow.actions.count == 3)
    }

    @Test("the inserted action becomes active when the flow reaches it")
    func becomesActive() throws {
        var flow = try world.threeStepFlow()
        _ = try flow.insert(newTodo("Upload proof"), at: 2, by: world.ownerActor, context: world.context())
        let events = try flow.complete(flow.actions[0].id, by: world.clientActor, context: world.context())
        #expect(flow.actions[1].title == "Upload proof")
        #expect(flow.statuses == [.completed, .active, .pending, .pending])
        #expect(events.last?.text == "“Upload proof” is assigned to Carla Client")
    }

    @Test("an inserted action is validated like any other, references included")
    func validated() throws {
        var flow = try world.threeStepFlow()
        #expect(throws: DomainError.self) {
            try flow.insert(
                ActionDefinition(type: .todo, title: "", assignee: .role("Client")), at: 2, by: world.ownerActor,
                context: world.context())
        }
        let error = #expect(throws: DomainError.self) {
            try flow.insert(
                ActionDefinition(type: .todo, title: "See {{actions.3.title}}", assignee: .role("Client")), at: 2,
                by: world.ownerActor, context: world.context())
        }
        #expect(error?.field == "action.title")
        #expect(throws: DomainError.invalid("no member is bound to the role 'Client'", field: "action.assignee")) {
            var other = flow
            other.members = []
            _ = try other.insert(newTodo(), at: 2, by: world.ownerActor, context: world.context())
        }
    }

    @Test("a user assigned directly becomes a member of the flow")
    func assigneeJoins() throws {
        var flow = try world.threeStepFlow()
        _ = try flow.insert(
            ActionDefinition(type: .todo, title: "Check", assignee: .user(world.colleague.id)), at: 3,
            by: world.ownerActor, context: world.context())
        #expect(flow.memberIDs.contains(world.colleague.id))
    }
}
