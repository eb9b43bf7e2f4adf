import Crypto
import Foundation
import Keyflow
import SQLKit

extension StoreSession {
    /// Only a hash of a session token is stored, so a database leak does not hand out sign-ins.
    static func hash(token: String) -> String {
        SHA256.hash(data: Data(token.utf8)).hexadecimal
    }

    public func insertSession(token: String, userID: UUID, now: Date, expiresAt: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO sessions (token_hash, user_id, created_at, expires_at)
            VALUES (\(bind: Self.hash(token: token)), \(bind: userID.key), \(bind: now.seconds), \(bind: expiresAt.seconds))
            """
        ).run()
    }

    /// The user a token signs in, if the session exists and has not expired.
    public func user(sessionToken token: String, now: Date) async throws -> User? {
        try await sql.raw(
            """
            SELECT users.* FROM sessions JOIN users ON users.id = sessions.user_id
            WHERE sessions.token_hash = \(bind: Self.hash(token: token)) AND sessions.expires_at > \(bind: now.seconds)
            """
        ).first().map(Self.user(from:))
    }

    public func deleteSession(token: String) async throws {
        try await sql.raw("DELETE FROM sessions WHERE token_hash = \(bind: Self.hash(token: token))").run()
    }
}

extension StoreSession {
    public func insertMagicLink(token: String, userID: UUID, now: Date, expiresAt: Date) async throws {
        try await sql.raw(
            """
            INSERT INTO magic_links (token_hash, user_id, created_at, expires_at)
            VALUES (\(bind: Self.hash(token: token)), \(bind: userID.key), \(bind: now.seconds), \(bind: expiresAt.seconds))
            """
        ).run()
    }

    /// Uses a magic link: the user it signs in, once, before it expires; nil otherwise.
    public func redeemMagicLink(token: String, now: Date) async throws -> User? {
        let rows = try await sql.raw(
            """
            UPDATE magic_links SET used_at = \(bind: now.seconds)
            WHERE token_hash = \(bind: Self.hash(token: token)) AND used_at IS NULL AND expires_at > \(bind: now.seconds)
            RETURNING user_id
            """
        ).all()
        guard let row = rows.first else { return nil }
        return try await user(try row.uuid("user_id"))
    }
}
