import Foundation
import Keyflow
import Testing

@Suite("Flow progression")
struct FlowProgressionTests {
    let world = World()

    @Test("starting a flow activates the first action and writes the assignment")
    func start() throws {
        let template = world.template([
            ActionDefinition(type: .todo, title: "Sign up", assignee: .role("Client"), due: .days(3))
        ])
        let (flow, events) = try Flow.start(
            from: template, name: "Carla", owner: world.owner.id,
            members: [FlowMember(userID: world.client.id, role: "Client")], variables: [:], context: world.context())
        #expect(flow.statuses == [.active])
        #expect(flow.actions[0].id != template.actions[0].id)
        #expect(flow.actions[0].dueAt != nil)
        #expect(events.map(\.kind) == [.flowStarted, .actionAssigned])
        #expect(events[1].text == "“Sign up” is assigned to Carla Client")
        #expect(events[1].data["assigneeId"] == world.client.id.uuidString)
    }

    @Test("actions run in order and the flow completes with its last action")
    func happyPath() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        #expect(flow.statuses == [.active, .pending, .pending])

        let first = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        #expect(first.map(\.kind) == [.actionCompleted, .actionAssigned])
        #expect(flow.statuses == [.completed, .active, .pending])

        _ = try flow.approve(ids[1], by: world.ownerActor, comment: "looks good", context: world.context())
        #expect(flow.actions[1].outputs["decision"] == .text("approved"))
        #expect(flow.statuses == [.completed, .completed, .active])

        let last = try flow.submit(
            ids[2], by: world.clientActor, answers: ["income": .number(90_000)], context: world.context())
        #expect(last.map(\.kind) == [.actionSubmitted, .flowCompleted])
        #expect(flow.status == .completed)
        #expect(flow.actions[2].outputs == ["income": .number(90_000)])
        #expect(flow.actions[2].completedBy == world.client.id)
    }

    @Test("a pending action cannot be acted on, and the error says why")
    func pendingRefused() throws {
        var flow = try world.threeStepFlow()
        #expect(throws: DomainError.conflict("“Approve the account” is pending: it becomes active when the steps before it are done")) {
            try flow.approve(flow.actions[1].id, by: world.ownerActor, comment: nil, context: world.context())
        }
    }

    @Test("a completed action cannot be completed again")
    func completedRefused() throws {
        var flow = try world.threeStepFlow()
        let id = flow.actions[0].id
        _ = try flow.complete(id, by: world.clientActor, context: world.context())
        #expect(throws: DomainError.conflict("“Read the welcome pack” is already completed")) {
            try flow.complete(id, by: world.clientActor, context: world.context())
        }
    }

    @Test("only the assignee may act")
    func wrongUser() throws {
        var flow = try world.threeStepFlow()
        let error = #expect(throws: DomainError.self) {
            try flow.complete(flow.actions[0].id, by: world.ownerActor, context: world.context())
        }
        #expect(error?.kind == .forbidden)
        #expect(error?.message.contains("Carla Client") == true)
    }

    @Test("each type has its own act")
    func wrongAct() throws {
        var flow = try world.threeStepFlow()
        _ = try flow.complete(flow.actions[0].id, by: world.clientActor, context: world.context())
        #expect(throws: DomainError.self) {
            try flow.complete(flow.actions[1].id, by: world.ownerActor, context: world.context())
        }
        #expect(throws: DomainError.self) {
            try flow.submit(flow.actions[1].id, by: world.ownerActor, answers: [:], context: world.context())
        }
    }

    @Test("a rejection needs a comment and holds the flow until it is resolved")
    func reject() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        #expect(throws: DomainError.invalid("say why: a rejection needs a comment", field: "comment")) {
            try flow.reject(ids[1], by: world.ownerActor, comment: "  ", context: world.context())
        }
        let events = try flow.reject(ids[1], by: world.ownerActor, comment: "missing ID", context: world.context())
        #expect(events.map(\.kind) == [.actionRejected])
        #expect(flow.statuses == [.completed, .active, .pending])
        #expect(flow.actions[1].outputs["decision"] == .text("rejected"))

        _ = try flow.skip(ids[1], by: world.colleagueActor, reason: "approved by phone", context: world.context())
        #expect(flow.statuses == [.completed, .skipped, .active])
        #expect(flow.actions[1].reason == "approved by phone")
    }

    @Test("form answers are checked against the fields")
    func formAnswers() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        _ = try flow.approve(ids[1], by: world.ownerActor, comment: nil, context: world.context())
        #expect(throws: DomainError.invalid("'Yearly income' is required", field: "answers.income")) {
            try flow.submit(ids[2], by: world.clientActor, answers: [:], context: world.context())
        }
        #expect(throws: DomainError.invalid("'Yearly income' must be a number, got 'lots'", field: "answers.income")) {
            try flow.submit(ids[2], by: world.clientActor, answers: ["income": .text("lots")], context: world.context())
        }
        #expect(throws: DomainError.invalid("this form has no field 'age'", field: "answers.age")) {
            try flow.submit(
                ids[2], by: world.clientActor, answers: ["income": .number(1), "age": .number(3)],
                context: world.context())
        }
        #expect(flow.statuses == [.completed, .completed, .active])
    }

    @Test("skipping a pending action passes it over when the flow reaches it")
    func skipPending() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.skip(ids[1], by: world.ownerActor, reason: "not needed", context: world.context())
        #expect(flow.statuses == [.active, .skipped, .pending])
        _ = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        #expect(flow.statuses == [.completed, .skipped, .active])
    }

    @Test("cancelling the active action moves on; cancelling a closed one is refused")
    func cancelAction() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.cancelAction(ids[0], by: world.ownerActor, reason: "sent by post", context: world.context())
        #expect(flow.statuses == [.cancelled, .active, .pending])
        #expect(throws: DomainError.conflict("“Read the welcome pack” is already cancelled")) {
            try flow.skip(ids[0], by: world.ownerActor, reason: "again", context: world.context())
        }
        #expect(throws: DomainError.invalid("give a reason", field: "reason")) {
            try flow.cancelAction(ids[1], by: world.ownerActor, reason: "", context: world.context())
        }
    }

    @Test("clients cannot skip, cancel or add actions")
    func clientsCannotManage() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        let skip = #expect(throws: DomainError.self) {
            try flow.skip(ids[1], by: world.clientActor, reason: "x", context: world.context())
        }
        let cancelAction = #expect(throws: DomainError.self) {
            try flow.cancelAction(ids[1], by: world.clientActor, reason: "x", context: world.context())
        }
        let cancelFlow = #expect(throws: DomainError.self) {
            try flow.cancel(by: world.clientActor, reason: "x", context: world.context())
        }
        let insert = #expect(throws: DomainError.self) {
            try flow.insert(
                ActionDefinition(type: .todo, title: "Mine", assignee: .user(world.client.id)), at: 2,
                by: world.clientActor, context: world.context())
        }
        #expect([skip, cancelAction, cancelFlow, insert].map { $0?.kind } == Array(repeating: .forbidden, count: 4))
        #expect(flow.statuses == [.active, .pending, .pending])
    }

    @Test("a cancelled flow cancels its open actions and refuses every further change")
    func cancelFlow() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        let events = try flow.cancel(by: world.ownerActor, reason: "client withdrew", context: world.context())
        #expect(events.map(\.kind) == [.flowCancelled])
        #expect(flow.status == .cancelled)
        #expect(flow.statuses == [.completed, .cancelled, .cancelled])
        #expect(throws: DomainError.conflict("the flow is cancelled; it cannot change any more")) {
            try flow.cancel(by: world.ownerActor, reason: "again", context: world.context())
        }
    }

    @Test("a completed flow refuses changes")
    func completedFlow() throws {
        var flow = try world.threeStepFlow()
        let ids = flow.actions.map(\.id)
        _ = try flow.complete(ids[0], by: world.clientActor, context: world.context())
        _ = try flow.approve(ids[1], by: world.ownerActor, comment: nil, context: world.context())
        _ = try flow.submit(ids[2], by: world.clientActor, answers: ["income": .number(1)], context: world.context())
        #expect(throws: DomainError.self) {
            try flow.insert(
                ActionDefinition(type: .todo, title: "More", assignee: .user(world.client.id)), at: 4,
                by: world.ownerActor, context: world.context())
        }
    }

    @Test("starting needs every role an action uses to be bound")
    func unboundRole() throws {
        let template = world.template([ActionDefinition(type: .todo, title: "Sign", assignee: .role("Client"))])
        #expect(throws: DomainError.self) {
            try Flow.start(
                from: template, name: "x", owner: world.owner.id, members: [], variables: [:], context: world.context())
        }
        #expect(throws: DomainError.self) {
            try Flow.start(
                from: template, name: "x", owner: world.owner.id,
                members: [FlowMember(userID: world.client.id, role: "Advisor")], variables: [:],
                context: world.context())
        }
    }

    @Test("an instant flow takes its actions directly")
    func instant() throws {
        let (flow, events) = try Flow.startInstant(
            organizationID: world.org.id, name: "Quick", owner: world.owner.id,
            members: [FlowMember(userID: world.client.id, role: "Client")], variables: ["ref": "A-17"],
            actions: [
                ActionDefinition(type: .todo, title: "Read {{variables.ref}}", assignee: .role("Client")),
                ActionDefinition(type: .acknowledgement, title: "Ack {{actions.1.title}}", assignee: .user(world.owner.id)),
            ], context: world.context())
        #expect(flow.roles == ["Client"])
        #expect(flow.actions[0].title == "Read A-17")
        #expect(flow.actions[1].definition.title.contains(flow.actions[0].id.uuidString))
        #expect(events.last?.kind == .actionAssigned)
    }
}
