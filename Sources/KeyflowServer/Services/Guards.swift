import Foundation
import Hummingbird
import KeyflowStore

/// Limits on how often sign-ins and sign-in links may be tried, counted in the database so every instance
/// counts together. A refusal says when to try again and is written to the audit log.
struct RateLimits: Sendable {
    struct Rule: Sendable {
        var limit: Int
        var window: Double
    }

    /// Sign-ins per address and per email in 15 minutes.
    var signIn = Rule(limit: 10, window: 900)
    /// Sign-in links made for one client in an hour.
    var magicLinks = Rule(limit: 5, window: 3600)
    /// Sign-in links redeemed (or guessed) per address in 15 minutes.
    var redemptions = Rule(limit: 20, window: 900)

    /// Older windows count nothing any more.
    var longestWindow: Double { max(signIn.window, magicLinks.window, redemptions.window) }

    /// Counts a hit on each bucket; over the limit on any of them, refuses with 429.
    func check(_ buckets: [String], _ rule: Rule, what: String, in db: StoreSession, now: Date) async throws {
        for bucket in buckets {
            let (hits, start) = try await db.hit(bucket: bucket, window: rule.window, now: now)
            guard hits > rule.limit else { continue }
            let wait = max(1, Int((start.timeIntervalSince1970 + rule.window - now.timeIntervalSince1970).rounded(.up)))
            var error = APIError(
                status: .tooManyRequests, code: "rate_limited",
                message: "too many \(what); try again in \(wait / 60 + 1) minute(s)")
            error.retryAfter = wait
            throw error
        }
    }
}

/// Writes audit entries with where the request came from and its id.
struct AuditTrail: Sendable {
    let clock: AppClock

    func record(
        _ kind: AuditEntry.Kind, organizationID: UUID, actorID: UUID?, subject: String? = nil,
        details: [String: String] = [:], context: KeyflowRequestContext, in db: StoreSession
    ) async throws {
        try await db.audit(
            AuditEntry(
                organizationID: organizationID, actorID: actorID, kind: kind, subject: subject, details: details,
                remoteAddress: context.remoteAddress, requestID: context.requestID, at: clock.now()))
    }
}
