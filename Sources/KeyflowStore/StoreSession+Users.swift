import Foundation
import Keyflow
import SQLKit

/// A user as stored, with the password hash that only sign-in ever reads.
public struct StoredUser: Sendable {
    public var user: User
    public var passwordHash: String?
}

extension StoreSession {
    public func insert(_ organization: Organization, at now: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO organizations (id, name, time_zone, created_at)
            VALUES (\(bind: organization.id.key), \(bind: organization.name), \(bind: organization.timeZone), \(bind: now.seconds))
            """
        ).run()
    }

    public func organization(_ id: UUID) async throws -> Organization? {
        try await sql.raw("SELECT * FROM organizations WHERE id = \(bind: id.key)").first().map { try Self.organization(from: $0) }
    }

    /// An organization for a change in it, with whether it has live webhook endpoints (most have none, and
    /// then the change need not look them up): one statement.
    public func organizationForChange(_ id: UUID) async throws -> (organization: Organization, hasWebhookEndpoints: Bool)? {
        try await sql.raw(
            """
            SELECT id, name, time_zone, \(Self.hasLiveWebhookEndpoints(organizationColumn: "organizations.id")) AS has_webhook_endpoints
            FROM organizations WHERE id = \(bind: id.key)
            """
        ).first().map { row in
            (try Self.organization(from: row), try row.decode(column: "has_webhook_endpoints", as: Bool.self))
        }
    }

    /// An organization from its columns, named `prefix` + `id`, `name` and `time_zone`.
    static func organization(from row: any SQLRow, prefix: String = "") throws -> Organization {
        Organization(
            id: try row.uuid(prefix + "id"), name: try row.decode(column: prefix + "name", as: String.self),
            timeZone: try row.decode(column: prefix + "time_zone", as: String.self))
    }

    public func organizationCount() async throws -> Int {
        try await sql.raw("SELECT COUNT(*) AS n FROM organizations").first()?.decode(column: "n", as: Int.self) ?? 0
    }

    /// Emails are unique across Keyflow (they sign people in) and compared without case.
    public func insert(_ user: User, passwordHash: String?, at now: Date) async throws {
        if try await self.user(email: user.email) != nil { throw StoreError.duplicate(what: "the email \(user.email)") }
        try await sql.raw(
            """
            INSERT INTO users (id, organization_id, email, name, role, locale, password_hash, created_at)
            VALUES (\(bind: user.id.key), \(bind: user.organizationID.key), \(bind: user.email.lowercased()),
                    \(bind: user.name), \(bind: user.role.rawValue), \(bind: user.locale), \(bind: passwordHash),
                    \(bind: now.seconds))
            """
        ).run()
    }

    public func user(_ id: UUID) async throws -> User? {
        try await sql.raw("SELECT * FROM users WHERE id = \(bind: id.key)").first().map(Self.user(from:))
    }

    public func user(email: String) async throws -> StoredUser? {
        try await sql.raw("SELECT * FROM users WHERE email = \(bind: email.lowercased())").first().map { row in
            StoredUser(
                user: try Self.user(from: row), passwordHash: try row.decode(column: "password_hash", as: String?.self))
        }
    }

    public func users(in organizationID: UUID) async throws -> [User] {
        try await sql.raw(
            "SELECT * FROM users WHERE organization_id = \(bind: organizationID.key) ORDER BY name, email"
        ).all().map(Self.user(from:))
    }

    public func users(_ ids: some Collection<UUID>) async throws -> [User] {
        guard !ids.isEmpty else { return [] }
        return try await sql.raw("SELECT * FROM users WHERE id \(isOneOf(ids.map(\.key)))").all().map(Self.user(from:))
    }

    static func user(from row: any SQLRow) throws -> User {
        User(
            id: try row.uuid("id"), organizationID: try row.uuid("organization_id"),
            email: try row.decode(column: "email", as: String.self), name: try row.decode(column: "name", as: String.self),
            role: UserRole(rawValue: try row.decode(column: "role", as: String.self)) ?? .client,
            locale: try row.decode(column: "locale", as: String?.self))
    }
}
