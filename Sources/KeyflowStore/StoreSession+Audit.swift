import Foundation
import SQLKit

/// One security-relevant act: who did what to which subject, from where.
public struct AuditEntry: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case signedIn, signInFailed, signedOut, magicLinkCreated, magicLinkUsed, userCreated
        case jumioConnectionCreated, jumioSecretSet, verificationAccepted, verificationDataDeleted, templateDeleted
        case rateLimited, webhookCreated, webhookDeleted
    }

    public var id: Int64
    public var organizationID: UUID
    public var actorID: UUID?
    public var kind: Kind
    public var subject: String?
    public var details: [String: String]
    public var remoteAddress: String?
    public var requestID: String?
    public var at: Date

    public init(
        organizationID: UUID, actorID: UUID?, kind: Kind, subject: String? = nil, details: [String: String] = [:],
        remoteAddress: String? = nil, requestID: String? = nil, at: Date
    ) {
        self.id = 0
        self.organizationID = organizationID
        self.actorID = actorID
        self.kind = kind
        self.subject = subject
        self.details = details
        self.remoteAddress = remoteAddress
        self.requestID = requestID
        self.at = at
    }
}

extension StoreSession {
    public func audit(_ entry: AuditEntry) async throws {
        try await carry(
            """
            INSERT INTO audit_events (organization_id, actor_id, kind, subject, details, remote_address, request_id, created_at)
            VALUES (\(bind: entry.organizationID.key), \(bind: entry.actorID?.key), \(bind: entry.kind.rawValue),
                    \(bind: entry.subject), \(bind: try Documents.encode(entry.details)), \(bind: entry.remoteAddress),
                    \(bind: entry.requestID), \(bind: entry.at.seconds))
            """
        )
    }

    /// The organization's audit log, newest first, before `beforeID` when paging.
    public func auditLog(of organizationID: UUID, before beforeID: Int64? = nil, limit: Int = 100) async throws -> [AuditEntry] {
        try await sql.raw(
            """
            SELECT * FROM audit_events WHERE organization_id = \(bind: organizationID.key)
                AND id < \(bind: beforeID ?? Int64.max) ORDER BY id DESC LIMIT \(bind: limit)
            """
        ).all().map { row in
            let id = try row.decode(column: "id", as: Int64.self)
            var entry = AuditEntry(
                organizationID: try row.uuid("organization_id"),
                actorID: try row.decode(column: "actor_id", as: String?.self).flatMap(UUID.init(uuidString:)),
                kind: AuditEntry.Kind(rawValue: try row.decode(column: "kind", as: String.self)) ?? .rateLimited,
                subject: try row.decode(column: "subject", as: String?.self),
                details: try Documents.decode(
                    [String: String].self, try row.decode(column: "details", as: String.self), entity: "audit event",
                    id: String(id)),
                remoteAddress: try row.decode(column: "remote_address", as: String?.self),
                requestID: try row.decode(column: "request_id", as: String?.self), at: try row.date("created_at"))
            entry.id = id
            return entry
        }
    }

    /// Counts a hit in `bucket`'s fixed window and answers how many hits the window holds now (this one
    /// included) and when it started. One statement, so instances sharing the database count together.
    public func hit(bucket: String, window: Double, now: Date) async throws -> (hits: Int, windowStart: Date) {
        let row = try await sql.raw(
            """
            INSERT INTO rate_limits (bucket, window_start, hits) VALUES (\(bind: bucket), \(bind: now.seconds), 1)
            ON CONFLICT (bucket) DO UPDATE SET
                hits = CASE WHEN rate_limits.window_start <= \(bind: now.seconds - window) THEN 1 ELSE rate_limits.hits + 1 END,
                window_start = CASE WHEN rate_limits.window_start <= \(bind: now.seconds - window)
                    THEN \(bind: now.seconds) ELSE rate_limits.window_start END
            RETURNING hits, window_start
            """
        ).first()
        guard let row else { return (1, now) }
        return (try row.decode(column: "hits", as: Int.self), try row.date("window_start"))
    }
}
