import Foundation
import SQLKit

public struct WebhookEndpoint: Sendable, Equatable {
    public var id: UUID
    public var organizationID: UUID
    public var url: String
    public var description: String
    public var sealedSecret: String
    /// The event types it wants; empty means all.
    public var eventTypes: [String]
    public var createdBy: UUID
    public var createdAt: Date

    public init(
        id: UUID, organizationID: UUID, url: String, description: String, sealedSecret: String, eventTypes: [String],
        createdBy: UUID, createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.url = url
        self.description = description
        self.sealedSecret = sealedSecret
        self.eventTypes = eventTypes
        self.createdBy = createdBy
        self.createdAt = createdAt
    }

    public func wants(_ type: String) -> Bool { eventTypes.isEmpty || eventTypes.contains(type) }
}

public struct WebhookDelivery: Sendable, Equatable {
    public enum Status: String, Sendable, Codable {
        case pending, succeeded, failed
    }

    public var id: UUID
    public var endpointID: UUID
    /// The `webhook-id`: the same for every attempt, so receivers can drop repeats.
    public var messageID: String
    public var eventType: String
    public var payload: String
    public var status: Status
    public var attempts: Int
    public var lastStatusCode: Int?
    public var lastError: String?
    public var createdAt: Date
    public var deliveredAt: Date?

    /// A new delivery, not yet attempted.
    public init(id: UUID, endpointID: UUID, messageID: String, eventType: String, payload: String, createdAt: Date) {
        self.id = id
        self.endpointID = endpointID
        self.messageID = messageID
        self.eventType = eventType
        self.payload = payload
        self.status = .pending
        self.attempts = 0
        self.createdAt = createdAt
    }
}

extension StoreSession {
    public func insert(_ endpoint: WebhookEndpoint) async throws {
        try await sql.raw(
            """
            INSERT INTO webhook_endpoints (id, organization_id, url, description, sealed_secret, event_types, created_by, created_at)
            VALUES (\(bind: endpoint.id.key), \(bind: endpoint.organizationID.key), \(bind: endpoint.url),
                    \(bind: endpoint.description), \(bind: endpoint.sealedSecret), \(bind: try Documents.encode(endpoint.eventTypes)),
                    \(bind: endpoint.createdBy.key), \(bind: endpoint.createdAt.seconds))
            """
        ).run()
    }

    /// Whether the organization named by `organizationColumn` has a live webhook endpoint: an SQL condition.
    static func hasLiveWebhookEndpoints(organizationColumn: String) -> SQLQueryString {
        """
        EXISTS (SELECT 1 FROM webhook_endpoints WHERE webhook_endpoints.organization_id = \(unsafeRaw: organizationColumn)
                AND webhook_endpoints.deleted_at IS NULL)
        """
    }

    public func webhookEndpoints(of organizationID: UUID) async throws -> [WebhookEndpoint] {
        try await sql.raw(
            """
            SELECT * FROM webhook_endpoints WHERE organization_id = \(bind: organizationID.key) AND deleted_at IS NULL
            ORDER BY created_at
            """
        ).all().map(Self.endpoint(from:))
    }

    public func webhookEndpoint(_ id: UUID) async throws -> WebhookEndpoint? {
        try await sql.raw("SELECT * FROM webhook_endpoints WHERE id = \(bind: id.key) AND deleted_at IS NULL").first()
            .map(Self.endpoint(from:))
    }

    /// Stops deliveries to the endpoint; its delivery log stays.
    public func deleteWebhookEndpoint(_ id: UUID, at now: Date) async throws {
        try await sql.raw("UPDATE webhook_endpoints SET deleted_at = \(bind: now.seconds) WHERE id = \(bind: id.key)").run()
    }

    public func insert(_ delivery: WebhookDelivery) async throws {
        try await sql.raw(
            """
            INSERT INTO webhook_deliveries (id, endpoint_id, message_id, event_type, payload, status, attempts, created_at, updated_at)
            VALUES (\(bind: delivery.id.key), \(bind: delivery.endpointID.key), \(bind: delivery.messageID),
                    \(bind: delivery.eventType), \(bind: delivery.payload), \(bind: delivery.status.rawValue), 0,
                    \(bind: delivery.createdAt.seconds), \(bind: delivery.createdAt.seconds))
            """
        ).run()
    }

    public func webhookDelivery(_ id: UUID) async throws -> WebhookDelivery? {
        try await sql.raw("SELECT * FROM webhook_deliveries WHERE id = \(bind: id.key)").first().map(Self.delivery(from:))
    }

    public func webhookDeliveries(of endpointID: UUID, limit: Int) async throws -> [WebhookDelivery] {
        try await sql.raw(
            """
            SELECT * FROM webhook_deliveries WHERE endpoint_id = \(bind: endpointID.key)
            ORDER BY created_at DESC, id LIMIT \(bind: limit)
            """
        ).all().map(Self.delivery(from:))
    }

    /// Records one attempt's result.
    public func recordAttempt(
        of deliveryID: UUID, status: WebhookDelivery.Status, statusCode: Int?, error: String?, at now: Date
    ) async throws {
        try await sql.raw(
            """
            UPDATE webhook_deliveries SET status = \(bind: status.rawValue), attempts = attempts + 1,
                last_status_code = \(bind: statusCode), last_error = \(bind: error), updated_at = \(bind: now.seconds),
                delivered_at = \(bind: status == .succeeded ? now.seconds : nil)
            WHERE id = \(bind: deliveryID.key)
            """
        ).run()
    }

    static func endpoint(from row: any SQLRow) throws -> WebhookEndpoint {
        let id = try row.uuid("id")
        return WebhookEndpoint(
            id: id, organizationID: try row.uuid("organization_id"), url: try row.decode(column: "url", as: String.self),
            description: try row.decode(column: "description", as: String.self),
            sealedSecret: try row.decode(column: "sealed_secret", as: String.self),
            eventTypes: try Documents.decode(
                [String].self, try row.decode(column: "event_types", as: String.self), entity: "webhook endpoint",
                id: id.uuidString),
            createdBy: try row.uuid("created_by"), createdAt: try row.date("created_at"))
    }

    static func delivery(from row: any SQLRow) throws -> WebhookDelivery {
        var delivery = WebhookDelivery(
            id: try row.uuid("id"), endpointID: try row.uuid("endpoint_id"),
            messageID: try row.decode(column: "message_id", as: String.self),
            eventType: try row.decode(column: "event_type", as: String.self),
            payload: try row.decode(column: "payload", as: String.self), createdAt: try row.date("created_at"))
        delivery.status = WebhookDelivery.Status(rawValue: try row.decode(column: "status", as: String.self)) ?? .failed
        delivery.attempts = try row.decode(column: "attempts", as: Int.self)
        delivery.lastStatusCode = try row.decode(column: "last_status_code", as: Int?.self)
        delivery.lastError = try row.decode(column: "last_error", as: String?.self)
        delivery.deliveredAt = try row.optionalDate("delivered_at")
        return delivery
    }
}
