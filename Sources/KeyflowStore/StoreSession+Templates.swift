import Foundation
import Keyflow
import SQLKit

extension StoreSession {
    public func insert(_ template: FlowTemplate) async throws {
        try await sql.raw(
            """
            INSERT INTO templates (id, organization_id, owner_id, name, access, document, created_at, updated_at)
            VALUES (\(bind: template.id.key), \(bind: template.organizationID.key), \(bind: template.ownerID.key),
                    \(bind: template.name), \(bind: template.access.rawValue), \(bind: try Documents.encode(template)),
                    \(bind: template.createdAt.seconds), \(bind: template.updatedAt.seconds))
            """
        ).run()
    }

    public func update(_ template: FlowTemplate) async throws {
        try await sql.raw(
            """
            UPDATE templates SET name = \(bind: template.name), access = \(bind: template.access.rawValue),
                document = \(bind: try Documents.encode(template)), updated_at = \(bind: template.updatedAt.seconds)
            WHERE id = \(bind: template.id.key)
            """
        ).run()
    }

    public func template(_ id: UUID) async throws -> FlowTemplate? {
        try await sql.raw("SELECT id, document FROM templates WHERE id = \(bind: id.key)").first().map(Self.template)
    }

    public func templates(in organizationID: UUID) async throws -> [FlowTemplate] {
        try await sql.raw(
            "SELECT id, document FROM templates WHERE organization_id = \(bind: organizationID.key) ORDER BY name"
        ).all().map(Self.template)
    }

    public func deleteTemplate(_ id: UUID) async throws {
        try await sql.raw("DELETE FROM templates WHERE id = \(bind: id.key)").run()
    }

    static func template(from row: any SQLRow) throws -> FlowTemplate {
        let id = try row.decode(column: "id", as: String.self)
        return try Documents.decode(
            FlowTemplate.self, try row.decode(column: "document", as: String.self), entity: "template", id: id)
    }
}
