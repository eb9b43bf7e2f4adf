import Foundation
import KeyflowJSON

extension Flow {
    /// Starts a flow from a template: fresh action ids, roles bound to members, the first action active.
    public static func start(
        from template: FlowTemplate, id: UUID = UUID.random(), name: String, owner: UUID, members: [FlowMember],
        variables: [String: String], context: FlowContext
    ) throws(DomainError) -> (flow: Flow, events: [FlowEvent]) {
        try Naming.validateName(name, what: "flow name", field: "name")
        var renumbered: [UUID: UUID] = [:]
        for action in template.actions { renumbered[action.id] = UUID.random() }
        let actions = template.actions.map { definition in
            var copy = definition
            copy.id = renumbered[definition.id]!
            copy.title = DataReferences.remap(definition.title, ids: renumbered)
            copy.description = DataReferences.remap(definition.description, ids: renumbered)
            return FlowAction(definition: copy)
        }
        var flow = Flow(
            id: id, organizationID: template.organizationID, templateID: template.id, name: name,
            description: template.description, ownerID: owner, roles: template.roles, members: members,
            variables: variables, actions: actions, createdAt: context.now)
        try flow.validateMembers()
        let events = flow.begin(context: context)
        return (flow, events)
    }

    /// Starts an instant flow from actions given directly; its roles are those its members are bound to.
    public static func startInstant(
        organizationID: UUID, id: UUID = UUID.random(), name: String, description: String = "", owner: UUID,
        members: [FlowMember], variables: [String: String], actions definitions: [ActionDefinition],
        context: FlowContext
    ) throws(DomainError) -> (flow: Flow, events: [FlowEvent]) {
        try Naming.validateName(name, what: "flow name", field: "name")
        let roles = members.compactMap(\.role).reduce(into: [String]()) { if !$0.contains($1) { $0.append($1) } }
        let bound = definitions.bindingReferences()
        try FlowTemplate.validate(actions: bound, roles: roles, variables: variables.keys.sorted())
        var flow = Flow(
            id: id, organizationID: organizationID, name: name, description: description, ownerID: owner,
            roles: roles, members: members, variables: variables, actions: bound.map(FlowAction.init),
            createdAt: context.now)
        try flow.validateMembers()
        let events = flow.begin(context: context)
        return (flow, events)
    }

    /// Every role an action needs is bound to exactly one member, and members only name known roles.
    func validateMembers() throws(DomainError) {
        for (index, member) in members.enumerated() {
            guard let role = member.role else { continue }
            guard roles.contains(role) else {
                throw .invalid("the role '\(role)' does not exist in this flow", field: "members.\(index + 1).role")
            }
            if members.filter({ $0.role == role }).count > 1 {
                throw .invalid("the role '\(role)' is bound to more than one member", field: "members.\(index + 1).role")
            }
        }
        for (index, action) in actions.enumerated() {
            if case .role(let role) = action.definition.assignee, member(boundTo: role) == nil {
                throw .invalid(
                    "action \(index + 1) is assigned to the role '\(role)'; bind it to a member when starting the flow",
                    field: "members")
            }
        }
    }

    private mutating func begin(context: FlowContext) -> [FlowEvent] {
        let started = FlowEvent(
            kind: .flowStarted, actorID: ownerID, text: "\(context.name(of: ownerID)) started \(name)", at: context.now)
        return [started] + advance(context: context)
    }
}

extension DataReferences {
    /// Moves bound references from one set of action ids to another (a template's to its flow's).
    public static func remap(_ text: String, ids: [UUID: UUID]) -> String {
        // Most texts hold no reference: a look at their bytes spares a search per id.
        guard text.utf8.contains(UInt8(ascii: "{")) else { return text }
        var result = text
        for (old, new) in ids where result.contains(old.text(uppercase: true)) {
            result = result.replacingOccurrences(
                of: "actions.\(old.text(uppercase: true)).", with: "actions.\(new.text(uppercase: true)).")
        }
        return result
    }
}
