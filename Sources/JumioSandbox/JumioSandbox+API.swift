import Foundation
import JumioKit
import KeyflowJSON

extension JumioSandbox {
    /// `POST /oauth2/token`: Basic auth and `grant_type=client_credentials`; the same token until it expires.
    func issueToken(authorization: String?, form: String) throws(SandboxError) -> (token: String, expiresIn: Int) {
        guard let authorization, authorization.hasPrefix("Basic "),
            let decoded = Data(base64Encoded: String(authorization.dropFirst(6))).map({ String(decoding: $0, as: UTF8.self) }),
            let colon = decoded.firstIndex(of: ":")
        else { throw .unauthorized("Basic authentication with the OAuth2 client id and secret is required") }
        let clientID = String(decoded[..<colon])
        let secret = String(decoded[decoded.index(after: colon)...])
        guard form.split(separator: "&").contains("grant_type=client_credentials") else {
            throw .badRequest("grant_type must be client_credentials")
        }
        if let expected = configuration.credentials, expected.clientID != clientID || expected.clientSecret != secret {
            throw .unauthorized()
        }
        guard !clientID.isEmpty, !secret.isEmpty else { throw .unauthorized() }
        let now = clock.now()
        let lifetime = Int(configuration.tokenLifetime.components.seconds)
        return state.withLock { state in
            state.tokenRequests += 1
            if let current = state.currentToken[clientID], let entry = state.tokens[current], entry.expiresAt > now {
                return (current, Int(entry.expiresAt.timeIntervalSince(now)))
            }
            let token = "sandbox." + UUID().text(uppercase: false) + "." + UUID().text(uppercase: false)
            state.tokens[token] = (clientID, now.addingTimeInterval(Double(lifetime)))
            state.currentToken[clientID] = token
            return (token, lifetime)
        }
    }

    /// Checks the headers every API call needs, and applies the injected faults.
    func authorize(authorization: String?, userAgent: String?) throws(SandboxError) {
        if let failure = takeForcedFailure() { throw failure }
        let faults = self.faults
        if faults.rateLimitRate > 0, Double.random(in: 0..<1) < faults.rateLimitRate { throw .tooManyRequests }
        if faults.serverErrorRate > 0, Double.random(in: 0..<1) < faults.serverErrorRate { throw .unavailable }
        // Looked at character by character: Foundation's trimming made a new string and a character set on
        // every call (≈ 2 % of the benchmark generator's CPU, which serves the sandbox, while verifying).
        guard let userAgent, userAgent.contains(where: { !$0.isWhitespace }) else {
            throw .forbidden("A User-Agent header naming your company and application is required")
        }
        guard let authorization, authorization.hasPrefix("Bearer ") else { throw .unauthorized() }
        let token = String(authorization.dropFirst(7))
        let now = clock.now()
        let valid = state.withLock { state in state.tokens[token].map { $0.expiresAt > now } ?? false }
        guard valid else { throw .unauthorized() }
    }

    /// A forced failure for the token endpoint too, so clients' token retries can be tested.
    func takeForcedFailure() -> SandboxError? {
        state.withLock { state in
            guard !state.forcedFailures.isEmpty else { return nil }
            let failure = state.forcedFailures.removeFirst()
            return SandboxError(
                status: failure.status, title: failure.status == 429 ? "Too Many Requests" : "Service Unavailable",
                detail: failure.status == 429 ? "Request limit exceeded" : "Try again later", retryAfter: failure.retryAfter)
        }
    }

    /// `POST /api/v1/accounts` (accountID nil) and `PUT /api/v1/accounts/{id}`.
    func initiate(_ body: Data, accountID existing: String?) throws(SandboxError) -> JumioAccountResponse {
        let request: JumioAccountRequest
        do {
            request = try JSONCoding.decode(JumioAccountRequest.self, from: body)
        } catch {
            throw .badRequest("The request body is invalid: \(error)")
        }
        // Like the Mock Service, the sandbox relaxes the character rule for JSON references (JumioKit knows).
        let (forced, overrides) = SandboxOutcome.forced(by: request.customerInternalReference)
        if let problem = request.problem() { throw .badRequest(problem) }
        if request.customerInternalReference.count > 1000 { throw .badRequest("customerInternalReference is too long") }
        if request.workflowDefinition.key == 32 || request.workflowDefinition.key == 10013, request.userReference == nil {
            throw .badRequest("userReference is required for workflow definition key \(request.workflowDefinition.key)")
        }
        let now = clock.now()
        let lifetime = request.tokenLifetime.flatMap(JumioAccountRequest.tokenLifetimeSeconds) ?? 1800
        let key = request.workflowDefinition.key
        let base = publicBaseURL
        return try state.withLock { state throws(SandboxError) -> JumioAccountResponse in
            let accountID: String
            if let existing {
                guard let account = state.accounts[existing], !account.deleted else {
                    throw .notFound("Account \(existing) does not exist")
                }
                accountID = account.id
            } else {
                accountID = UUID().text(uppercase: false)
                state.accounts[accountID] = SandboxAccount(id: accountID, executionIDs: [], deleted: false)
            }
            let execution = SandboxExecution(
                id: UUID().text(uppercase: false), accountID: accountID, key: key, status: .initiated,
                customerInternalReference: request.customerInternalReference, userReference: request.userReference,
                reportingCriteria: request.reportingCriteria, callbackURL: request.callbackUrl,
                successURL: request.web?.successUrl, errorURL: request.web?.errorUrl,
                locale: request.web?.locale ?? "en", authorizationToken: "web." + UUID().text(uppercase: false),
                credentials: Capabilities.credentials(byKey: key).map { (UUID().text(uppercase: false), $0) },
                createdAt: now, tokenExpiresAt: now.addingTimeInterval(Double(lifetime)), outcome: forced,
                credentialWithDecision: nil, extractionOverrides: overrides)
            state.executions[execution.id] = execution
            state.unsettled.insert(execution.id)
            state.executionByAuthorization[execution.authorizationToken] = execution.id
            state.accounts[accountID]?.executionIDs.append(execution.id)
            let locale = execution.locale.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? "en"
            return JumioAccountResponse(
                timestamp: SandboxExecution.timestamp(now), account: .init(id: accountID, href: nil),
                web: .init(
                    href: "\(base)/web/client?authorizationToken=\(execution.authorizationToken)&locale=\(locale)",
                    successUrl: execution.successURL, errorUrl: execution.errorURL),
                sdk: .init(token: "sdk." + execution.authorizationToken),
                workflowExecution: .init(
                    id: execution.id,
                    credentials: execution.credentials.map { credential in
                        .init(
                            id: credential.id, category: credential.category,
                            allowedChannels: credential.category == "FACEMAP" ? ["WEB", "SDK"] : ["WEB", "API", "SDK"],
                            api: nil)
                    }))
        }
    }

    func execution(accountID: String, executionID: String) throws(SandboxError) -> SandboxExecution {
        settle()
        return try state.withLock { state throws(SandboxError) -> SandboxExecution in
            guard let account = state.accounts[accountID], !account.deleted,
                let execution = state.executions[executionID], execution.accountID == accountID
            else { throw .notFound("Workflow execution \(executionID) of account \(accountID) does not exist") }
            return execution
        }
    }

    func deleteAccount(_ accountID: String) throws(SandboxError) {
        let now = clock.now()
        try state.withLock { state throws(SandboxError) in
            guard let account = state.accounts[accountID], !account.deleted else {
                throw .notFound("Account \(accountID) does not exist")
            }
            state.accounts[accountID]?.deleted = true
            for id in account.executionIDs { state.executions[id]?.wipedOutAt = now }
        }
    }

    func deleteExecution(accountID: String, executionID: String) throws(SandboxError) {
        let now = clock.now()
        try state.withLock { state throws(SandboxError) in
            guard let execution = state.executions[executionID], execution.accountID == accountID,
                execution.wipedOutAt == nil, state.accounts[accountID]?.deleted == false
            else { throw .notFound("Workflow execution \(executionID) does not exist") }
            state.executions[executionID]?.wipedOutAt = now
        }
    }
}
