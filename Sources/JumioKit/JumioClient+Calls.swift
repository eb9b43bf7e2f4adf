import Foundation
import Logging

extension JumioClient {
    /// One authenticated call: paced, with a token (renewed once if Jumio answers 401), retried on 429, 5xx
    /// and transport errors, and any other failure mapped to a `JumioError`.
    func perform(
        _ operation: String, on connection: JumioConnection, pacing: PacingKind,
        _ makeRequest: @escaping @Sendable (String) -> JumioHTTPRequest
    ) async throws(JumioError) -> JumioHTTPResponse {
        var renewedToken = false
        while true {
            let token = try await fetchToken(connection)
            let response = try await withRetries(operation) {
                try await self.pace(pacing, connection)
                return try await self.transport.send(makeRequest(token.value), self.configuration.timeout)
            }
            if response.status == 401, !renewedToken {
                renewedToken = true
                await tokens.invalidate(Self.tokenKey(connection), value: token.value)
                logger.info("Jumio refused a token; renewing it once", metadata: ["operation": "\(operation)"])
                continue
            }
            guard (200..<300).contains(response.status) else { throw Self.error(for: response) }
            return response
        }
    }

    /// Sends, and sends again after a back-off while the answer is 429, 5xx or no answer at all. Returns the
    /// last response once it is final or the attempts are spent.
    func withRetries(_ operation: String, _ send: @escaping @Sendable () async throws -> JumioHTTPResponse)
        async throws(JumioError) -> JumioHTTPResponse
    {
        var attempt = 0
        while true {
            attempt += 1
            if Task.isCancelled { throw .unavailable("\(operation): cancelled") }
            let retryAfter: Duration?
            do {
                let response = try await send()
                guard response.status == 429 || (500...599).contains(response.status) else { return response }
                guard attempt < configuration.maximumAttempts else {
                    throw response.status == 429 ? JumioError.rateLimited : JumioError.unavailable("HTTP \(response.status)")
                }
                retryAfter = response.header("Retry-After").flatMap(Int.init).map { .seconds($0) }
                logger.notice(
                    "Jumio answered \(response.status); retrying", metadata: ["operation": "\(operation)", "attempt": "\(attempt)"])
            } catch let error as JumioError {
                throw error
            } catch {
                guard attempt < configuration.maximumAttempts else { throw .unavailable("\(operation): \(error)") }
                retryAfter = nil
                logger.notice("Jumio unreachable; retrying", metadata: ["operation": "\(operation)", "error": "\(error)"])
            }
            do { try await sleep(retryAfter ?? backoff(afterAttempt: attempt)) } catch { throw .unavailable("cancelled") }
        }
    }

    /// Exponential back-off with full jitter: a random wait up to base × 2^(attempt-1), capped.
    func backoff(afterAttempt attempt: Int) -> Duration {
        let ceiling = min(configuration.backoffCap, configuration.backoffBase * (1 << min(attempt - 1, 20)))
        return ceiling * Double.random(in: 0.5...1)
    }

    func pace(_ kind: PacingKind, _ connection: JumioConnection) async throws {
        let (rate, burst) =
            kind == .initiation
            ? (configuration.initiationsPerSecond, configuration.initiationBurst)
            : (configuration.retrievalsPerSecond, configuration.retrievalBurst)
        let pacer = await pacers.pacer(for: "\(Self.tokenKey(connection))|\(kind.rawValue)", rate: rate, burst: burst)
        let wait = await pacer.reserve(now: .now)
        if wait > .zero { try await Task.sleep(for: wait) }
    }

    static func tokenKey(_ connection: JumioConnection) -> String {
        "\(connection.endpoints.tokenURL)|\(connection.credentials.clientID)"
    }

    func fetchToken(_ connection: JumioConnection) async throws(JumioError) -> TokenCache.Token {
        do {
            return try await tokens.token(for: Self.tokenKey(connection), now: .now) {
                try await self.requestToken(connection)
            }
        } catch let error as JumioError {
            throw error
        } catch {
            throw .unavailable("token: \(error)")
        }
    }

    /// `POST /oauth2/token` with Basic auth and `grant_type=client_credentials`.
    private func requestToken(_ connection: JumioConnection) async throws(JumioError) -> TokenCache.Token {
        let basic = Data("\(connection.credentials.clientID):\(connection.credentials.clientSecret)".utf8)
            .base64EncodedString()
        let request = JumioHTTPRequest(
            method: "POST", url: connection.endpoints.tokenURL,
            headers: [
                ("Authorization", "Basic \(basic)"), ("Accept", "application/json"),
                ("Content-Type", "application/x-www-form-urlencoded"), ("User-Agent", configuration.userAgent),
            ],
            body: Data("grant_type=client_credentials".utf8))
        let response = try await withRetries("token") { try await self.transport.send(request, self.configuration.timeout) }
        switch response.status {
        case 200:
            let token = try Self.decode(JumioTokenResponse.self, response)
            logger.debug("Jumio token issued", metadata: ["clientID": "\(connection.credentials.clientID)"])
            return TokenCache.Token(
                value: token.access_token, expiresAt: .now + .seconds(token.expires_in ?? 3600))
        case 400, 401, 403:
            throw .badCredentials(Self.detail(of: response))
        default:
            throw Self.error(for: response)
        }
    }

    static func detail(of response: JumioHTTPResponse) -> String {
        let problem = try? JSONDecoder().decode(JumioProblem.self, from: response.body)
        return problem?.detail ?? problem?.title ?? "HTTP \(response.status)"
    }

    static func error(for response: JumioHTTPResponse) -> JumioError {
        let detail = detail(of: response)
        switch response.status {
        case 400, 422: return .invalidRequest(detail)
        case 401: return .badCredentials(detail)
        case 403: return .permissionDenied(detail)
        case 404: return .notFound(detail)
        case 429: return .rateLimited
        case 500...599: return .unavailable("HTTP \(response.status)")
        default: return .invalidResponse("unexpected HTTP \(response.status): \(detail)")
        }
    }
}

/// One pacer per tenant and kind of call.
actor PacerRegistry {
    private var pacers: [String: Pacer] = [:]

    func pacer(for key: String, rate: Double, burst: Int) -> Pacer {
        if let pacer = pacers[key] { return pacer }
        let pacer = Pacer(ratePerSecond: rate, burst: burst, now: .now)
        pacers[key] = pacer
        return pacer
    }
}
