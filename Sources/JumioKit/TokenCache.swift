import Foundation

/// OAuth2 access tokens, one per (token URL, client id), shared by every caller.
///
/// A token is reused until `refreshMargin` before it expires. While one is being fetched, every other caller
/// waits for that same request: concurrent work never fans out into one token request per caller.
actor TokenCache {
    struct Token: Sendable {
        var value: String
        var expiresAt: ContinuousClock.Instant
    }

    private enum Entry {
        case ready(Token)
        case fetching(Task<Token, any Error>)
    }

    private var entries: [String: Entry] = [:]
    private let refreshMargin: Duration

    init(refreshMargin: Duration) { self.refreshMargin = refreshMargin }

    func token(
        for key: String, now: ContinuousClock.Instant, fetch: @escaping @Sendable () async throws -> Token
    ) async throws -> Token {
        switch entries[key] {
        case .ready(let token) where token.expiresAt - refreshMargin > now:
            return token
        case .fetching(let task):
            return try await task.value
        default:
            let task = Task { try await fetch() }
            entries[key] = .fetching(task)
            do {
                let token = try await task.value
                entries[key] = .ready(token)
                return token
            } catch {
                entries[key] = nil
                throw error
            }
        }
    }

    /// Forgets a token Jumio refused, unless a newer one already replaced it.
    func invalidate(_ key: String, value: String) {
        if case .ready(let token) = entries[key], token.value == value { entries[key] = nil }
    }
}
