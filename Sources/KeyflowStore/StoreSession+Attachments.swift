import Crypto
import Foundation
import SQLKit

public struct AttachmentInfo: Sendable, Equatable, Codable {
    public var id: UUID
    public var organizationID: UUID
    public var uploadedBy: UUID
    public var name: String
    public var contentType: String
    public var size: Int
    public var sha256: String
}

extension StoreSession {
    public func insertAttachment(
        id: UUID, organizationID: UUID, uploadedBy: UUID, name: String, contentType: String, data: Data, now: Date
    ) async throws -> AttachmentInfo {
        let info = AttachmentInfo(
            id: id, organizationID: organizationID, uploadedBy: uploadedBy, name: name, contentType: contentType,
            size: data.count, sha256: SHA256.hash(data: data).hexadecimal)
        try await sql.raw(
            """
            INSERT INTO attachments (id, organization_id, uploaded_by, name, content_type, size, sha256, data, created_at)
            VALUES (\(bind: id.key), \(bind: organizationID.key), \(bind: uploadedBy.key), \(bind: name),
                    \(bind: contentType), \(bind: data.count), \(bind: info.sha256), \(bind: data), \(bind: now.seconds))
            """
        ).run()
        return info
    }

    public func attachmentInfo(_ id: UUID) async throws -> AttachmentInfo? {
        try await sql.raw(
            "SELECT id, organization_id, uploaded_by, name, content_type, size, sha256 FROM attachments WHERE id = \(bind: id.key)"
        ).first().map(Self.attachmentInfo(from:))
    }

    public func attachmentData(_ id: UUID) async throws -> Data? {
        try await sql.raw("SELECT data FROM attachments WHERE id = \(bind: id.key)").first()?
            .decode(column: "data", as: Data.self)
    }

    static func attachmentInfo(from row: any SQLRow) throws -> AttachmentInfo {
        AttachmentInfo(
            id: try row.uuid("id"), organizationID: try row.uuid("organization_id"),
            uploadedBy: try row.uuid("uploaded_by"), name: try row.decode(column: "name", as: String.self),
            contentType: try row.decode(column: "content_type", as: String.self),
            size: try row.decode(column: "size", as: Int.self), sha256: try row.decode(column: "sha256", as: String.self))
    }
}
