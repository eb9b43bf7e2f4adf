import Foundation
import Hummingbird
import KeyflowStore

/// The organization's audit log, for its admins: newest first, paged with `before`.
struct AuditController {
    let store: Store

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.get("audit", use: list)
    }

    @Sendable func list(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.role == .admin else { throw APIError.forbidden("only admins read the audit log") }
        let before = try request.integerQuery("before").map(Int64.init)
        let limit = try request.integerQuery("limit") ?? 100
        guard (1...500).contains(limit) else { throw APIError.invalid("limit must be from 1 to 500", field: "limit") }
        let entries = try await store.read { try await $0.auditLog(of: actor.organizationID, before: before, limit: limit) }
        return try JSONBody.response(ListView(items: entries.map(AuditView.init)))
    }
}

struct AuditView: Encodable {
    var id: Int64
    var kind: AuditEntry.Kind
    var actorId: UUID?
    var subject: String?
    var details: [String: String]
    var remoteAddress: String?
    var requestId: String?
    var at: Date

    init(_ entry: AuditEntry) {
        id = entry.id
        kind = entry.kind
        actorId = entry.actorID
        subject = entry.subject
        details = entry.details
        remoteAddress = entry.remoteAddress
        requestId = entry.requestID
        at = entry.at
    }
}
