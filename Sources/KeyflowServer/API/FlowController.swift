import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// Flow workspaces: start, list, read, add actions live, the timeline, its live stream and the chat.
struct FlowController {
    let store: Store
    let flows: FlowService
    let clock: AppClock
    let stream: EventStream
    let gateway: JumioGateway

    static let maximumMessageLength = 4000

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("flows", use: create)
        api.get("flows", use: list)
        api.get("flows/:id", use: show)
        api.post("flows/:id/actions", use: insertAction)
        api.post("flows/:id/cancel", use: cancel)
        api.get("flows/:id/timeline", use: timeline)
        api.get("flows/:id/events", use: events)
        api.post("flows/:id/messages", use: postMessage)
        api.get("flows/:id/references", use: references)
    }

    @Sendable func create(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users start flows") }
        let input = try await JSONBody.decode(CreateFlowRequest.self, from: request)
        let members = (input.members ?? []).map { FlowMember(userID: $0.userId, role: $0.role) }
        let memberIDs = Set(members.map(\.userID))
        let template: FlowTemplate?
        if let templateID = input.templateId {
            guard input.actions == nil else {
                throw APIError.invalid("give either templateId or actions, not both", field: "actions")
            }
            guard let found = try await store.read({ try await $0.template(templateID) }), Access.canView(found, as: actor)
            else { throw APIError.invalid("no template \(templateID)", field: "templateId") }
            template = found
        } else {
            guard input.actions != nil else {
                throw APIError.invalid("give a templateId, or actions for an instant flow", field: "templateId")
            }
            template = nil
        }
        let definitions = try input.actions?.definitions(field: "actions", seal: gateway.seal) ?? []
        try await store.read { db in
            let found = Dictionary(try await db.users(memberIDs).map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            for (index, id) in members.map(\.userID).enumerated() {
                guard let user = found[id], user.organizationID == actor.organizationID else {
                    throw APIError.invalid("no user \(id) in this organization", field: "members.\(index + 1).userId")
                }
            }
            try await ActionChecks.verify(definitions, field: "actions", organizationID: actor.organizationID, in: db)
        }
        let name = input.name
        let description = input.description
        let variables = input.variables ?? [:]
        let outcome = try await flows.create(by: actor, { context throws in
            if let template {
                return try Flow.start(
                    from: template, name: name, owner: actor.userID, members: members, variables: variables,
                    context: context)
            }
            return try Flow.startInstant(
                organizationID: actor.organizationID, name: name, description: description ?? "", owner: actor.userID,
                members: members, variables: variables, actions: definitions, context: context)
        }, people: memberIDs.union(definitions.compactMap { if case .user(let id) = $0.assignee { id } else { nil } }))
        return try JSONBody.response(FlowView(outcome.flow, people: outcome.people, now: clock.now()), status: .created)
    }

    @Sendable func list(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let now = clock.now()
        let flows = try await store.read { try await $0.flows(visibleTo: actor) }
        return try JSONBody.response(ListView(items: flows.map { FlowSummaryView($0.flow, now: now) }))
    }

    @Sendable func show(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let flow = try await visibleFlow(context)
        let people = try await store.read { try await FlowService.people(of: flow, in: $0) }
        return try JSONBody.response(FlowView(flow, people: people, now: clock.now()))
    }

    @Sendable func insertAction(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let flowID = try context.id("id", of: "flow")
        let input = try await JSONBody.decode(InsertActionRequest.self, from: request)
        let definition = try input.action.definition(field: "action", seal: gateway.seal)
        try await store.read { db in
            try await ActionChecks.verify([definition], field: "action", organizationID: actor.organizationID, in: db)
        }
        let outcome = try await flows.change(.flow(flowID), by: actor) { flow, context in
            try flow.insert(definition, at: input.position, by: actor, context: context)
        }
        return try JSONBody.response(FlowView(outcome.flow, people: outcome.people, now: clock.now()), status: .created)
    }

    @Sendable func cancel(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let flowID = try context.id("id", of: "flow")
        let input = try await JSONBody.decode(ReasonRequest.self, from: request)
        let outcome = try await flows.change(.flow(flowID), by: actor) { flow, context in
            try flow.cancel(by: actor, reason: input.reason, context: context)
        }
        return try JSONBody.response(FlowView(outcome.flow, people: outcome.people, now: clock.now()))
    }

    @Sendable func timeline(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let flow = try await visibleFlow(context)
        let after = try request.integerQuery("after").map(Int64.init)
        let events = try await store.read { try await $0.timeline(of: flow.id, after: after) }
        return try JSONBody.response(ListView(items: events.map(EventView.init)))
    }

    /// Server-Sent Events; `Last-Event-ID` (or `?after=`) replays what a reconnecting client missed.
    @Sendable func events(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let flow = try await visibleFlow(context)
        let lastEventID = request.headers[.init("Last-Event-ID")!].flatMap { Int64($0) }
        let after = try lastEventID ?? request.integerQuery("after").map(Int64.init)
        return try await stream.response(flowID: flow.id, after: after)
    }

    @Sendable func postMessage(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let flow = try await visibleFlow(context)
        let input = try await JSONBody.decode(MessageRequest.self, from: request)
        let text = input.text.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty else { throw APIError.invalid("write something first", field: "text") }
        guard text.count <= Self.maximumMessageLength else {
            throw APIError.invalid("a message has at most \(Self.maximumMessageLength) characters", field: "text")
        }
        let event = FlowEvent(kind: .message, actorID: actor.userID, text: text, at: clock.now())
        let stored = try await store.write { try await $0.append([event], to: flow.id) }
        flows.hub.publish(stored)
        return try JSONBody.response(EventView(stored[0]), status: .created)
    }

    /// The data references an action inserted at `position` (default: the end) may use.
    @Sendable func references(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let flow = try await visibleFlow(context)
        let position = try request.integerQuery("position") ?? flow.actions.count + 1
        guard (1...flow.actions.count + 1).contains(position) else {
            throw APIError.invalid("position must be from 1 to \(flow.actions.count + 1)", field: "position")
        }
        return try JSONBody.response(ListView(items: DataReferences.available(in: flow.referenceScope(at: position))))
    }

    private func visibleFlow(_ context: KeyflowRequestContext) async throws -> Flow {
        let actor = try context.requireActor()
        let id = try context.id("id", of: "flow")
        guard let stored = try await store.read({ try await $0.flow(id) }), Access.canView(stored.flow, as: actor) else {
            throw APIError.notFound("no flow \(id)")
        }
        return stored.flow
    }
}
