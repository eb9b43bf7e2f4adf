import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// Flow templates: internal users build them; shared ones are visible to the whole organization.
struct TemplateController {
    let store: Store
    let clock: AppClock
    let gateway: JumioGateway
    let audit: AuditTrail

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.get("templates", use: list)
        api.post("templates", use: create)
        api.get("templates/:id", use: show)
        api.put("templates/:id", use: update)
        api.delete("templates/:id", use: delete)
        api.get("templates/:id/references", use: references)
        api.post("references", use: draftReferences)
    }

    @Sendable func list(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("clients do not see templates") }
        let templates = try await store.read { try await $0.templates(in: actor.organizationID) }
        return try JSONBody.response(ListView(items: templates.filter { Access.canView($0, as: actor) }.map(TemplateView.init)))
    }

    @Sendable func create(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users build templates") }
        let input = try await JSONBody.decode(TemplateInput.self, from: request)
        let now = clock.now()
        let template = try Self.template(
            from: input, id: UUID.random(), organizationID: actor.organizationID, ownerID: actor.userID, createdAt: now,
            updatedAt: now, seal: gateway.seal)
        try await store.write { db in
            try await ActionChecks.verify(
                template.actions, field: "actions", organizationID: actor.organizationID, in: db)
            try await db.insert(template)
            try await auditSecrets(input, template: template, actor: actor, context: context, in: db)
        }
        return try JSONBody.response(TemplateView(template), status: .created)
    }

    @Sendable func show(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        try JSONBody.response(TemplateView(try await visibleTemplate(request, context)))
    }

    @Sendable func update(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let existing = try await visibleTemplate(request, context)
        guard Access.canEdit(existing, as: actor) else {
            throw APIError.forbidden("only the template's creator or an admin can change it")
        }
        let input = try await JSONBody.decode(TemplateInput.self, from: request)
        let template = try Self.template(
            from: input, id: existing.id, organizationID: existing.organizationID, ownerID: existing.ownerID,
            createdAt: existing.createdAt, updatedAt: clock.now(), seal: gateway.seal, previous: existing.actions)
        try await store.write { db in
            try await ActionChecks.verify(
                template.actions, field: "actions", organizationID: actor.organizationID, in: db)
            try await db.update(template)
            try await auditSecrets(input, template: template, actor: actor, context: context, in: db)
        }
        return try JSONBody.response(TemplateView(template))
    }

    @Sendable func delete(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        let existing = try await visibleTemplate(request, context)
        guard Access.canEdit(existing, as: actor) else {
            throw APIError.forbidden("only the template's creator or an admin can delete it")
        }
        try await store.write { db in
            try await db.deleteTemplate(existing.id)
            try await audit.record(
                .templateDeleted, organizationID: actor.organizationID, actorID: actor.userID,
                subject: existing.id.uuidString, details: ["name": existing.name], context: context, in: db)
        }
        return Response(status: .noContent)
    }

    /// The data references an action at `position` (1-based; default: after the last) may use.
    @Sendable func references(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let template = try await visibleTemplate(request, context)
        let position = try request.integerQuery("position") ?? template.actions.count + 1
        guard (1...template.actions.count + 1).contains(position) else {
            throw APIError.invalid("position must be from 1 to \(template.actions.count + 1)", field: "position")
        }
        let scope = ReferenceScope(
            roles: template.roles, variables: template.variables,
            earlierActions: Array(template.actions[..<(position - 1)]))
        return try JSONBody.response(ListView(items: DataReferences.available(in: scope)))
    }

    /// The data references for a draft the builder has not saved yet (a new template, or an instant flow).
    @Sendable func draftReferences(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users build flows") }
        let draft = try await JSONBody.decode(DraftReferencesRequest.self, from: request)
        guard (1...draft.actions.count + 1).contains(draft.position) else {
            throw APIError.invalid("position must be from 1 to \(draft.actions.count + 1)", field: "position")
        }
        // The draft is not saved here, but what the picker is given must still be a possible draft.
        try Naming.validateLabels(draft.roles ?? [], what: "role", field: "roles")
        try Naming.validateLabels(draft.variables ?? [], what: "variable", field: "variables")
        guard draft.actions.count <= FlowTemplate.maximumActions else {
            throw APIError.invalid("at most \(FlowTemplate.maximumActions) actions", field: "actions")
        }
        for (index, action) in draft.actions.enumerated() {
            try Naming.validateName(action.title, what: "title", field: "actions.\(index + 1).title")
            guard (action.description ?? "").count <= ActionDefinition.maximumDescriptionLength else {
                throw APIError.invalid("the description is too long", field: "actions.\(index + 1).description")
            }
        }
        // Only titles, types and form fields matter here; a secret in the draft is dropped, never sealed.
        let earlier = try Array(draft.actions[..<(draft.position - 1)]).definitions(field: "actions", seal: { _ in "" })
        let scope = ReferenceScope(roles: draft.roles ?? [], variables: draft.variables ?? [], earlierActions: earlier)
        return try JSONBody.response(ListView(items: DataReferences.available(in: scope)))
    }

    /// A Jumio secret typed into a template is a credential change: audited, without the secret.
    private func auditSecrets(
        _ input: TemplateInput, template: FlowTemplate, actor: Actor, context: KeyflowRequestContext, in db: StoreSession
    ) async throws {
        for (index, action) in input.actions.enumerated() where action.jumio?.clientSecret != nil {
            try await audit.record(
                .jumioSecretSet, organizationID: actor.organizationID, actorID: actor.userID, subject: template.id.uuidString,
                details: ["action": String(index + 1), "clientId": action.jumio?.clientId ?? ""], context: context, in: db)
        }
    }

    private func visibleTemplate(_ request: Request, _ context: KeyflowRequestContext) async throws -> FlowTemplate {
        let actor = try context.requireActor()
        let id = try context.id("id", of: "template")
        guard let template = try await store.read({ try await $0.template(id) }), Access.canView(template, as: actor)
        else { throw APIError.notFound("no template \(id)") }
        return template
    }

    /// Builds and validates a template from its input; references by position are bound to action ids here.
    static func template(
        from input: TemplateInput, id: UUID, organizationID: UUID, ownerID: UUID, createdAt: Date, updatedAt: Date,
        seal: (String) throws -> String, previous: [ActionDefinition] = []
    ) throws -> FlowTemplate {
        let bound = try input.actions.definitions(field: "actions", seal: seal, keeping: previous).bindingReferences()
        let template = FlowTemplate(
            id: id, organizationID: organizationID, ownerID: ownerID, name: input.name,
            description: input.description ?? "", icon: input.icon ?? "", access: input.access ?? .shared,
            roles: input.roles ?? [], variables: input.variables ?? [], actions: bound, createdAt: createdAt,
            updatedAt: updatedAt)
        try template.validate()
        return template
    }
}
