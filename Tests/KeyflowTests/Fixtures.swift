import Foundation
import Keyflow

/// A small organization with an owner, a second member and a client, and a clock that does not move.
struct World {
    let org = Organization(name: "Acme Wealth", timeZone: "Europe/Zurich")
    let owner: User
    let colleague: User
    let client: User
    let now = Date(timeIntervalSince1970: 1_795_000_000)  // 2026-11-18, a Wednesday

    init() {
        owner = User(organizationID: org.id, email: "olga@acme.test", name: "Olga Owner", role: .admin)
        colleague = User(organizationID: org.id, email: "max@acme.test", name: "Max Member", role: .member)
        client = User(organizationID: org.id, email: "carla@client.test", name: "Carla Client", role: .client)
    }

    var people: [UUID: Person] {
        [owner.id: owner.person, colleague.id: colleague.person, client.id: client.person]
    }

    func context(at date: Date? = nil) -> FlowContext {
        FlowContext(now: date ?? now, people: people, timeZone: TimeZone(identifier: org.timeZone)!)
    }

    func template(_ actions: [ActionDefinition], roles: [String] = ["Client"], variables: [String] = [])
        -> FlowTemplate
    {
        FlowTemplate(
            organizationID: org.id, ownerID: owner.id, name: "Onboarding", roles: roles, variables: variables,
            actions: actions.bindingReferences(), createdAt: now)
    }

    /// A three-step flow: a To-Do for the client, an Approval for the owner, a Form for the client.
    func threeStepFlow() throws -> Flow {
        let template = template([
            ActionDefinition(type: .todo, title: "Read the welcome pack", assignee: .role("Client")),
            ActionDefinition(type: .approval, title: "Approve the account", assignee: .user(owner.id)),
            ActionDefinition(
                type: .form, title: "Your details", assignee: .role("Client"),
                form: FormSpec(fields: [FormField(name: "income", label: "Yearly income", type: .number, required: true)])),
        ])
        return try Flow.start(
            from: template, name: "Carla's onboarding", owner: owner.id,
            members: [FlowMember(userID: client.id, role: "Client")], variables: [:], context: context()
        ).flow
    }

    var ownerActor: Actor { Actor(owner) }
    var colleagueActor: Actor { Actor(colleague) }
    var clientActor: Actor { Actor(client) }
}

extension Flow {
    var statuses: [ActionStatus] { actions.map(\.status) }
}
