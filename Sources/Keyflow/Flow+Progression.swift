import Foundation
import KeyflowJSON

extension Flow {
    /// Marks a To-Do or Acknowledgement done.
    public mutating func complete(_ actionID: UUID, by actor: Actor, context: FlowContext) throws(DomainError)
        -> [FlowEvent]
    {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context)
        guard actions[index].type.completesByMarkingDone else {
            let act = actions[index].type == .approval ? "approve or reject it" : "submit its answers"
            throw .conflict("a \(actions[index].type.displayName) is not marked complete: \(act)")
        }
        return close(index, as: .completed, by: actor, kind: .actionCompleted, verb: "completed", context: context)
    }

    public mutating func approve(_ actionID: UUID, by actor: Actor, comment: String?, context: FlowContext)
        throws(DomainError) -> [FlowEvent]
    {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .approval)
        let comment = try Self.checkedComment(comment, required: false)
        actions[index].outputs = ["decision": .text("approved"), "comment": .text(comment ?? "")]
        return close(index, as: .completed, by: actor, kind: .actionApproved, verb: "approved", context: context)
    }

    /// A rejection holds the flow: the approval stays active with the decision recorded, until the approver
    /// changes their mind or an internal user skips or cancels it.
    public mutating func reject(_ actionID: UUID, by actor: Actor, comment: String, context: FlowContext)
        throws(DomainError) -> [FlowEvent]
    {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .approval)
        let comment = try Self.checkedComment(comment, required: true) ?? ""
        actions[index].outputs = ["decision": .text("rejected"), "comment": .text(comment)]
        return [
            FlowEvent(
                kind: .actionRejected, actionID: actionID, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) rejected “\(actions[index].title)”: \(comment)",
                data: ["comment": comment], at: context.now)
        ]
    }

    public mutating func submit(
        _ actionID: UUID, by actor: Actor, answers: [String: OutputValue], context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        let index = try activeActionIndex(actionID, actingAs: actor, context: context, type: .form)
        actions[index].outputs = try (actions[index].definition.form ?? FormSpec(fields: [])).outputs(from: answers)
        return close(index, as: .completed, by: actor, kind: .actionSubmitted, verb: "submitted", context: context)
    }

    /// An internal user passes over an action (pending or active) and the flow moves on.
    public mutating func skip(_ actionID: UUID, by actor: Actor, reason: String, context: FlowContext)
        throws(DomainError) -> [FlowEvent]
    {
        try withdraw(actionID, as: .skipped, kind: .actionSkipped, by: actor, reason: reason, context: context)
    }

    /// An internal user withdraws an action (pending or active) and the flow moves on.
    public mutating func cancelAction(_ actionID: UUID, by actor: Actor, reason: String, context: FlowContext)
        throws(DomainError) -> [FlowEvent]
    {
        try withdraw(actionID, as: .cancelled, kind: .actionCancelled, by: actor, reason: reason, context: context)
    }

    /// Stops the whole flow; its open actions are cancelled.
    public mutating func cancel(by actor: Actor, reason: String, context: FlowContext) throws(DomainError)
        -> [FlowEvent]
    {
        guard Access.canManage(self, as: actor) else { throw .forbidden("only internal users can cancel a flow") }
        try requireRunning()
        let reason = try Self.checkedReason(reason)
        for index in actions.indices where !actions[index].status.isClosed {
            actions[index].status = .cancelled
            actions[index].reason = reason
        }
        status = .cancelled
        completedAt = context.now
        return [
            FlowEvent(
                kind: .flowCancelled, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) cancelled \(name): \(reason)", data: ["reason": reason],
                at: context.now)
        ]
    }

    /// "Add Here": puts a new action at a 1-based position after the active one. References in it are written
    /// by position, as the builder shows them, and are bound to the actions they name now.
    public mutating func insert(
        _ definition: ActionDefinition, at position: Int, by actor: Actor, context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        guard Access.canManage(self, as: actor) else { throw .forbidden("only internal users can add actions") }
        try requireRunning()
        let first = (actions.firstIndex { !$0.status.isClosed } ?? actions.count) + 2
        guard (first...actions.count + 1).contains(position) else {
            throw .invalid(
                "an action can be added at positions \(first) to \(actions.count + 1): after the active one",
                field: "position")
        }
        guard !actions.contains(where: { $0.id == definition.id }) else {
            throw .invalid("an action with this id is already in the flow", field: "action.id")
        }
        let bound = definition.bindingReferences(to: actions.map(\.id))
        try bound.validate(field: "action", scope: referenceScope(at: position))
        if case .role(let role) = bound.assignee, member(boundTo: role) == nil {
            throw .invalid("no member is bound to the role '\(role)'", field: "action.assignee")
        }
        if case .user(let user) = bound.assignee, !memberIDs.contains(user) {
            members.append(FlowMember(userID: user))
        }
        actions.insert(FlowAction(definition: bound), at: position - 1)
        return [
            FlowEvent(
                kind: .actionInserted, actionID: bound.id, actorID: actor.userID,
                text: "\(context.name(of: actor.userID)) added “\(bound.title)” as step \(position)",
                data: ["position": String(position)], at: context.now)
        ]
    }
}

extension Flow {
    func requireRunning() throws(DomainError) {
        guard status == .active else { throw .conflict("the flow is \(status.rawValue); it cannot change any more") }
    }

    /// Finds an action the actor may act on now, or says exactly why not.
    func activeActionIndex(
        _ actionID: UUID, actingAs actor: Actor, context: FlowContext, type: ActionType? = nil
    ) throws(DomainError) -> Int {
        guard let index = index(of: actionID) else { throw .notFound("no action \(actionID) in this flow") }
        let action = actions[index]
        guard Access.canView(self, as: actor) else { throw .notFound("no action \(actionID) in this flow") }
        try requireRunning()
        switch action.status {
        case .active: break
        case .pending: throw .conflict("“\(action.title)” is pending: it becomes active when the steps before it are done")
        case .completed, .cancelled, .skipped: throw .conflict("“\(action.title)” is already \(action.status.rawValue)")
        }
        let assignee = assigneeID(of: action)
        guard assignee == actor.userID else {
            throw .forbidden("only \(context.name(of: assignee)), the assignee, can act on “\(action.title)”")
        }
        if let type, action.type != type {
            throw .conflict("“\(action.title)” is a \(action.type.displayName), not a \(type.displayName)")
        }
        return index
    }

    mutating func withdraw(
        _ actionID: UUID, as status: ActionStatus, kind: FlowEvent.Kind, by actor: Actor, reason: String,
        context: FlowContext
    ) throws(DomainError) -> [FlowEvent] {
        guard let index = index(of: actionID) else { throw .notFound("no action \(actionID) in this flow") }
        guard Access.canManage(self, as: actor) else {
            throw .forbidden("only internal users can \(status == .skipped ? "skip" : "cancel") actions")
        }
        try requireRunning()
        guard !actions[index].status.isClosed else {
            throw .conflict("“\(actions[index].title)” is already \(actions[index].status.rawValue)")
        }
        let reason = try Self.checkedReason(reason)
        actions[index].reason = reason
        let verb = status == .skipped ? "skipped" : "cancelled"
        if actions[index].status == .pending {
            actions[index].status = status
            actions[index].completedAt = context.now
            actions[index].completedBy = actor.userID
            return [event(kind, index, actor: actor, verb: "\(verb) (\(reason))", context: context)]
        }
        return close(index, as: status, by: actor, kind: kind, verb: "\(verb) (\(reason))", context: context)
    }

    mutating func close(
        _ index: Int, as status: ActionStatus, by actor: Actor, kind: FlowEvent.Kind, verb: String,
        context: FlowContext
    ) -> [FlowEvent] {
        actions[index].status = status
        actions[index].completedAt = context.now
        actions[index].completedBy = actor.userID
        return [event(kind, index, actor: actor, verb: verb, context: context)] + advance(context: context)
    }

    private func event(_ kind: FlowEvent.Kind, _ index: Int, actor: Actor, verb: String, context: FlowContext)
        -> FlowEvent
    {
        FlowEvent(
            kind: kind, actionID: actions[index].id, actorID: actor.userID,
            text: "\(context.name(of: actor.userID)) \(verb) “\(actions[index].title)”", at: context.now)
    }

    /// Activates the next pending action, or completes the flow when none is left.
    mutating func advance(context: FlowContext) -> [FlowEvent] {
        guard status == .active, !actions.contains(where: { $0.status == .active }) else { return [] }
        guard let next = actions.firstIndex(where: { $0.status == .pending }) else {
            status = .completed
            completedAt = context.now
            return [FlowEvent(kind: .flowCompleted, text: "\(name) is complete", at: context.now)]
        }
        let resolution = ResolutionContext(
            workspaceName: name, workspaceDescription: description, owner: context.people[ownerID],
            roles: roles.reduce(into: [:]) { bound, role in
                if let id = member(boundTo: role), let person = context.people[id] { bound[role] = person }
            },
            actions: actions, variables: variables, timeZone: context.calendar.calendar.timeZone)
        let title = DataReferences.resolve(actions[next].definition.title, in: resolution)
        let description = DataReferences.resolve(actions[next].definition.description, in: resolution)
        actions[next].status = .active
        actions[next].activatedAt = context.now
        actions[next].resolvedTitle = title.text
        actions[next].resolvedDescription = description.text
        actions[next].warnings = title.warnings + description.warnings
        actions[next].dueAt = context.calendar.dueDate(for: actions[next].definition.due, activatedAt: context.now)
        let assignee = assigneeID(of: actions[next])
        var data = ["assigneeId": assignee?.text(uppercase: true) ?? ""]
        if let due = actions[next].dueAt { data["dueAt"] = due.formatted(.iso8601) }
        return [
            FlowEvent(
                kind: .actionAssigned, actionID: actions[next].id, actorID: nil,
                text: "“\(title.text)” is assigned to \(context.name(of: assignee))", data: data, at: context.now)
        ]
    }

    static let maximumCommentLength = 2_000

    static func checkedComment(_ comment: String?, required: Bool) throws(DomainError) -> String? {
        let trimmed = comment?.trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
        if required, trimmed.isEmpty { throw .invalid("say why: a rejection needs a comment", field: "comment") }
        guard trimmed.count <= maximumCommentLength else {
            throw .invalid("the comment is longer than \(maximumCommentLength) characters", field: "comment")
        }
        return trimmed.isEmpty ? nil : trimmed
    }

    static func checkedReason(_ reason: String) throws(DomainError) -> String {
        let trimmed = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmed.isEmpty else { throw .invalid("give a reason", field: "reason") }
        guard trimmed.count <= maximumCommentLength else {
            throw .invalid("the reason is longer than \(maximumCommentLength) characters", field: "reason")
        }
        return trimmed
    }
}
