import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// An organization's webhook endpoints (admins): register one (its signing secret is shown once), list,
/// delete, read its delivery log, and send a delivery again.
struct WebhookController {
    let store: Store
    let webhooks: Webhooks
    let clock: AppClock
    let audit: AuditTrail

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("webhooks", use: create)
        api.get("webhooks", use: list)
        api.delete("webhooks/:id", use: delete)
        api.get("webhooks/:id/deliveries", use: deliveries)
        api.post("webhooks/:id/deliveries/:delivery/redeliver", use: redeliver)
    }

    struct EndpointInput: Decodable {
        var url: String
        var description: String?
        var eventTypes: [String]?
    }

    @Sendable func create(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try admin(context)
        let input = try await JSONBody.decode(EndpointInput.self, from: request)
        try webhooks.check(url: input.url)
        let known = Set(Webhooks.allEventTypes)
        for (index, type) in (input.eventTypes ?? []).enumerated() where !known.contains(type) {
            throw APIError.invalid(
                "'\(type)' is not an event type; the types are \(Webhooks.allEventTypes.joined(separator: ", "))",
                field: "eventTypes.\(index + 1)")
        }
        guard (input.description ?? "").count <= 500 else { throw APIError.invalid("the description is too long", field: "description") }
        guard let secrets = webhooks.secrets else {
            throw APIError.invalid("Keyflow cannot keep webhook secrets until KEYFLOW_MASTER_KEY is set", field: "url")
        }
        let secret = Webhooks.newSecret()
        let endpoint = WebhookEndpoint(
            id: UUID.random(), organizationID: actor.organizationID, url: input.url, description: input.description ?? "",
            sealedSecret: secrets.seal(secret), eventTypes: input.eventTypes ?? [], createdBy: actor.userID,
            createdAt: clock.now())
        try await store.write { db in
            try await db.insert(endpoint)
            try await audit.record(
                .webhookCreated, organizationID: actor.organizationID, actorID: actor.userID, subject: endpoint.id.uuidString,
                details: ["url": endpoint.url], context: context, in: db)
        }
        return try JSONBody.response(EndpointView(endpoint, secret: secret), status: .created)
    }

    @Sendable func list(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try admin(context)
        let endpoints = try await store.read { try await $0.webhookEndpoints(of: actor.organizationID) }
        return try JSONBody.response(ListView(items: endpoints.map { EndpointView($0, secret: nil) }))
    }

    @Sendable func delete(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try admin(context)
        let endpoint = try await ownEndpoint(context, actor)
        let now = clock.now()
        try await store.write { db in
            try await db.deleteWebhookEndpoint(endpoint.id, at: now)
            try await audit.record(
                .webhookDeleted, organizationID: actor.organizationID, actorID: actor.userID, subject: endpoint.id.uuidString,
                details: ["url": endpoint.url], context: context, in: db)
        }
        return Response(status: .noContent)
    }

    @Sendable func deliveries(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try admin(context)
        let endpoint = try await ownEndpoint(context, actor)
        let items = try await store.read { try await $0.webhookDeliveries(of: endpoint.id, limit: 200) }
        return try JSONBody.response(ListView(items: items.map(DeliveryView.init)))
    }

    /// Sends a delivery again with the same `webhook-id`, whatever became of it before.
    @Sendable func redeliver(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try admin(context)
        let endpoint = try await ownEndpoint(context, actor)
        let deliveryID = try context.id("delivery", of: "delivery")
        let now = clock.now()
        let delivery = try await store.write { db -> WebhookDelivery in
            guard let delivery = try await db.webhookDelivery(deliveryID), delivery.endpointID == endpoint.id else {
                throw APIError.notFound("no delivery \(deliveryID) for this endpoint")
            }
            try await db.enqueue(
                queue: Webhooks.queue, payload: delivery.id.uuidString, runAt: now, maxAttempts: 1,
                requestID: context.requestID, now: now)
            return delivery
        }
        return try JSONBody.response(DeliveryView(delivery), status: .accepted)
    }

    private func admin(_ context: KeyflowRequestContext) throws -> Actor {
        let actor = try context.requireActor()
        guard actor.role == .admin else { throw APIError.forbidden("only admins manage webhooks") }
        return actor
    }

    private func ownEndpoint(_ context: KeyflowRequestContext, _ actor: Actor) async throws -> WebhookEndpoint {
        let id = try context.id("id", of: "webhook")
        guard let endpoint = try await store.read({ try await $0.webhookEndpoint(id) }),
            endpoint.organizationID == actor.organizationID
        else { throw APIError.notFound("no webhook \(id)") }
        return endpoint
    }
}

struct EndpointView: Encodable {
    var id: UUID
    var url: String
    var description: String
    var eventTypes: [String]
    var createdAt: Date
    /// Only in the answer to its creation.
    var secret: String?

    init(_ endpoint: WebhookEndpoint, secret: String?) {
        id = endpoint.id
        url = endpoint.url
        description = endpoint.description
        eventTypes = endpoint.eventTypes
        createdAt = endpoint.createdAt
        self.secret = secret
    }
}

struct DeliveryView: Encodable {
    var id: UUID
    var messageId: String
    var eventType: String
    var status: WebhookDelivery.Status
    var attempts: Int
    var lastStatusCode: Int?
    var lastError: String?
    var createdAt: Date
    var deliveredAt: Date?

    init(_ delivery: WebhookDelivery) {
        id = delivery.id
        messageId = delivery.messageID
        eventType = delivery.eventType
        status = delivery.status
        attempts = delivery.attempts
        lastStatusCode = delivery.lastStatusCode
        lastError = delivery.lastError
        createdAt = delivery.createdAt
        deliveredAt = delivery.deliveredAt
    }
}
