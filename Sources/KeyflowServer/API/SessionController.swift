import Foundation
import Hummingbird
import HummingbirdBcrypt
import Keyflow
import KeyflowMail
import KeyflowStore
import Logging
import NIOPosix

/// Sign in, sign out and who am I.
struct SessionController {
    let store: Store
    let clock: AppClock
    let tokens: TokenGenerator
    let sessionLifetime: TimeInterval

    let address: PublicAddress
    let logger: Logger
    let demo: Bool
    let outbox: Outbox?
    let limits: RateLimits
    let audit: AuditTrail
    static let magicLinkLifetime: TimeInterval = 7 * 86400

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("sessions", use: signIn)
        api.post("sessions/magic-link", use: redeemMagicLink)
        api.post("users/:id/magic-link", use: createMagicLink)
        api.delete("sessions", use: signOut)
        api.get("me", use: me)
    }

    @Sendable func signIn(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let input = try await JSONBody.decode(SignInRequest.self, from: request)
        let stored = try await store.read { try await $0.user(email: input.email) }
        try await limited(
            ["sign-in:address:\(context.remoteAddress ?? "?")", "sign-in:email:\(input.email.lowercased())"], limits.signIn,
            what: "sign-in attempts", user: stored?.user, context: context)
        let password = input.password
        let hash = stored?.passwordHash
        // Verify against a fixed hash when the user is unknown, so timing does not reveal which emails exist.
        let matches = try await NIOThreadPool.singleton.runIfActive {
            Bcrypt.verify(password, hash: hash ?? Self.decoyHash)
        }
        guard let stored, hash != nil, matches else {
            if let user = stored?.user {
                try await store.write { db in
                    try await audit.record(
                        .signInFailed, organizationID: user.organizationID, actorID: user.id, context: context, in: db)
                }
            }
            throw APIError(
                status: .unauthorized, code: "bad_credentials", message: "the email or the password is wrong")
        }
        let token = tokens.make()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(sessionLifetime)
        try await store.write { db in
            try await db.insertSession(token: token, userID: stored.user.id, now: now, expiresAt: expiresAt)
            try await audit.record(
                .signedIn, organizationID: stored.user.organizationID, actorID: stored.user.id, context: context, in: db)
        }
        return try JSONBody.response(SessionView(token: token, expiresAt: expiresAt, user: UserView(stored.user)), status: .created)
    }

    @Sendable func signOut(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let user = try context.requireUser()
        if let token = request.bearerToken {
            try await store.write { db in
                try await db.deleteSession(token: token)
                try await audit.record(.signedOut, organizationID: user.organizationID, actorID: user.id, context: context, in: db)
            }
        }
        return Response(status: .noContent)
    }

    @Sendable func me(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        try JSONBody.response(UserView(try context.requireUser()))
    }

    struct MagicLinkView: Encodable {
        var url: String
        var expiresAt: Date
        /// Whether the link is on its way to the client by e-mail (when a mail server is configured).
        var emailed: Bool
    }

    /// An internal user gets a one-time sign-in link for a client of the organization. It is e-mailed to the
    /// client when a mail server is configured, always shown to who asked, and printed to the log in demo mode.
    @Sendable func createMagicLink(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let actor = try context.requireActor()
        guard actor.isInternal else { throw APIError.forbidden("only internal users invite clients") }
        let userID = try context.id("id", of: "user")
        guard let user = try await store.read({ try await $0.user(userID) }), user.organizationID == actor.organizationID
        else { throw APIError.notFound("no user \(userID)") }
        guard user.role == .client else {
            throw APIError.invalid("magic links are for clients; internal users sign in with their password", field: "id")
        }
        try await limited(
            ["magic-link:user:\(userID)"], limits.magicLinks, what: "sign-in links for this client", user: user,
            context: context)
        let token = tokens.make()
        let now = clock.now()
        let expiresAt = now.addingTimeInterval(Self.magicLinkLifetime)
        let url = "\(address.url)/magic/\(token)"
        try await store.write { db in
            try await db.insertMagicLink(token: token, userID: userID, now: now, expiresAt: expiresAt)
            try await audit.record(
                .magicLinkCreated, organizationID: user.organizationID, actorID: actor.userID, subject: userID.uuidString,
                details: ["emailed": outbox == nil ? "no" : "yes"], context: context, in: db)
            if let outbox {
                let inviter = try await db.user(actor.userID)?.name ?? "Your contact"
                try await outbox.enqueue(
                    Self.invitation(to: user, from: inviter, url: url, lifetime: Self.magicLinkLifetime),
                    requestID: context.requestID, in: db, now: now)
            }
        }
        if demo { logger.notice("demo magic link for \(user.email): \(url)") }
        return try JSONBody.response(MagicLinkView(url: url, expiresAt: expiresAt, emailed: outbox != nil), status: .created)
    }

    static func invitation(to user: User, from inviter: String, url: String, lifetime: TimeInterval) -> MailMessage {
        MailMessage(
            to: user.email, subject: "Your sign-in link for Keyflow",
            text: """
                Hello \(user.name),

                \(inviter) invites you to your workspace on Keyflow. Open this link to sign in; it works once and for \(Int(lifetime / 3600)) hours:

                \(url)

                If you did not expect this message, ignore it.
                """)
    }

    struct MagicLinkRequest: Decodable { var token: String }

    @Sendable func redeemMagicLink(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let input = try await JSONBody.decode(MagicLinkRequest.self, from: request)
        try await limited(
            ["magic-redeem:address:\(context.remoteAddress ?? "?")"], limits.redemptions, what: "sign-in link attempts",
            user: nil, context: context)
        let now = clock.now()
        guard let user = try await store.write({ try await $0.redeemMagicLink(token: input.token, now: now) }) else {
            throw APIError(
                status: .unauthorized, code: "link_used_or_expired",
                message: "this sign-in link was already used or has expired; ask for a new one")
        }
        let token = tokens.make()
        let expiresAt = now.addingTimeInterval(sessionLifetime)
        try await store.write { db in
            try await db.insertSession(token: token, userID: user.id, now: now, expiresAt: expiresAt)
            try await audit.record(.magicLinkUsed, organizationID: user.organizationID, actorID: user.id, context: context, in: db)
        }
        return try JSONBody.response(SessionView(token: token, expiresAt: expiresAt, user: UserView(user)), status: .created)
    }

    /// Counts the attempt; a refusal is audited (when the user is known) and passed on.
    private func limited(
        _ buckets: [String], _ rule: RateLimits.Rule, what: String, user: User?, context: KeyflowRequestContext
    ) async throws {
        let now = clock.now()
        do {
            try await store.write { try await limits.check(buckets, rule, what: what, in: $0, now: now) }
        } catch let error as APIError where error.status == .tooManyRequests {
            if let user {
                try await store.write { db in
                    try await audit.record(
                        .rateLimited, organizationID: user.organizationID, actorID: user.id, details: ["what": what],
                        context: context, in: db)
                }
            }
            throw error
        }
    }

    static let decoyHash = Bcrypt.hash("keyflow-decoy-password", cost: 4)
}
