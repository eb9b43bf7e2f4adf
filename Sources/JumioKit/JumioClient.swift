import Foundation
import KeyflowJSON
import Logging

/// How the client behaves toward Jumio; the defaults follow Jumio's documented limits.
public struct JumioClientConfiguration: Sendable {
    /// Jumio requires a User-Agent naming the company and application.
    public var userAgent: String
    public var timeout: Duration
    /// Tries per call, counting the first, on 429, 5xx and transport errors.
    public var maximumAttempts: Int
    public var backoffBase: Duration
    public var backoffCap: Duration
    /// Per tenant: account creations and updates (Jumio: 1/s, short bursts tolerated).
    public var initiationsPerSecond: Double
    public var initiationBurst: Int
    /// Per tenant: retrieval calls (Jumio: 15/s).
    public var retrievalsPerSecond: Double
    public var retrievalBurst: Int
    /// Tokens are renewed this long before they expire.
    public var tokenRefreshMargin: Duration

    public init(
        userAgent: String = "Keyflow/\(JumioClient.version)", timeout: Duration = .seconds(30), maximumAttempts: Int = 4,
        backoffBase: Duration = .milliseconds(500), backoffCap: Duration = .seconds(10),
        initiationsPerSecond: Double = 1, initiationBurst: Int = 5, retrievalsPerSecond: Double = 15,
        retrievalBurst: Int = 15, tokenRefreshMargin: Duration = .seconds(300)
    ) {
        self.userAgent = userAgent
        self.timeout = timeout
        self.maximumAttempts = maximumAttempts
        self.backoffBase = backoffBase
        self.backoffCap = backoffCap
        self.initiationsPerSecond = initiationsPerSecond
        self.initiationBurst = initiationBurst
        self.retrievalsPerSecond = retrievalsPerSecond
        self.retrievalBurst = retrievalBurst
        self.tokenRefreshMargin = tokenRefreshMargin
    }
}

/// The Jumio KYX API as Keyflow uses it: OAuth2, accounts, retrieval, deletion and health.
///
/// Authentication, headers, pacing, retries and error mapping all happen here, so callers see only typed
/// values and `JumioError`s.
public final class JumioClient: Sendable {
    public static let version = "0.1.0"

    let transport: JumioTransport
    let configuration: JumioClientConfiguration
    let logger: Logger
    let tokens: TokenCache
    let pacers = PacerRegistry()
    /// Waits between retries; tests replace it to run without real delays.
    let sleep: @Sendable (Duration) async throws -> Void

    public init(
        transport: JumioTransport = .live(), configuration: JumioClientConfiguration = .init(),
        logger: Logger = Logger(label: "keyflow.jumio"),
        sleep: @escaping @Sendable (Duration) async throws -> Void = { try await Task.sleep(for: $0) }
    ) {
        self.transport = transport
        self.configuration = configuration
        self.logger = logger
        self.tokens = TokenCache(refreshMargin: configuration.tokenRefreshMargin)
        self.sleep = sleep
    }

    // MARK: Accounts

    /// Creates an account and its first workflow execution.
    public func createAccount(_ request: JumioAccountRequest, on connection: JumioConnection) async throws(JumioError)
        -> JumioAccountResponse
    {
        try await initiate(request, method: "POST", path: "/api/v1/accounts", on: connection)
    }

    /// Starts a new workflow execution on an existing account.
    public func updateAccount(
        _ accountID: String, _ request: JumioAccountRequest, on connection: JumioConnection
    ) async throws(JumioError) -> JumioAccountResponse {
        try await initiate(request, method: "PUT", path: "/api/v1/accounts/\(try Self.pathSegment(accountID))", on: connection)
    }

    private func initiate(
        _ request: JumioAccountRequest, method: String, path: String, on connection: JumioConnection
    ) async throws(JumioError) -> JumioAccountResponse {
        if let problem = request.problem() { throw .invalidRequest(problem) }
        let body: Data
        do { body = try JSONCoding.encodedData(request) } catch { throw .invalidRequest("\(error)") }
        let response = try await perform(
            "account.\(method == "POST" ? "create" : "update")", on: connection, pacing: .initiation
        ) { token in
            self.request(method, connection.endpoints.accountBase + path, token: token, body: body)
        }
        return try Self.decode(JumioAccountResponse.self, response)
    }

    // MARK: Retrieval

    public func status(accountID: String, executionID: String, on connection: JumioConnection) async throws(JumioError)
        -> JumioStatusResponse
    {
        let path = try Self.executionPath(accountID, executionID) + "/status"
        let response = try await perform("retrieval.status", on: connection, pacing: .retrieval) { token in
            self.request("GET", connection.endpoints.retrievalBase + path, token: token)
        }
        return try Self.decode(JumioStatusResponse.self, response)
    }

    public func details(accountID: String, executionID: String, on connection: JumioConnection) async throws(JumioError)
        -> JumioExecutionDetails
    {
        let path = try Self.executionPath(accountID, executionID)
        let response = try await perform("retrieval.details", on: connection, pacing: .retrieval) { token in
            self.request("GET", connection.endpoints.retrievalBase + path, token: token)
        }
        do {
            return try JumioExecutionDetails(json: response.body)
        } catch {
            throw .invalidResponse("JumioExecutionDetails: \(error)")
        }
    }

    // MARK: Deletion

    /// Deletes an account with all its executions, images and extracted data. Irreversible.
    public func deleteAccount(_ accountID: String, on connection: JumioConnection) async throws(JumioError) {
        let path = "/api/v1/accounts/\(try Self.pathSegment(accountID))"
        _ = try await perform("delete.account", on: connection, pacing: .retrieval) { token in
            self.request("DELETE", connection.endpoints.retrievalBase + path, token: token)
        }
    }

    public func deleteExecution(accountID: String, executionID: String, on connection: JumioConnection)
        async throws(JumioError)
    {
        let path = try Self.executionPath(accountID, executionID)
        _ = try await perform("delete.execution", on: connection, pacing: .retrieval) { token in
            self.request("DELETE", connection.endpoints.retrievalBase + path, token: token)
        }
    }

    // MARK: Health and credentials

    public func health(_ endpoints: JumioEndpoints) async throws(JumioError) -> JumioHealth {
        let request = JumioHTTPRequest(
            method: "GET", url: endpoints.statusURL,
            headers: [("Accept", "application/json"), ("User-Agent", configuration.userAgent)])
        let response = try await withRetries("health") { try await self.transport.send(request, self.configuration.timeout) }
        guard response.status == 200 || response.status == 503 else { throw Self.error(for: response) }
        return try Self.decode(JumioHealth.self, response)
    }

    /// Asks for a fresh token: succeeds when the credentials are good, so owners find mistakes at once.
    public func verifyCredentials(_ connection: JumioConnection) async throws(JumioError) {
        _ = try await fetchToken(connection)
    }
}

extension JumioClient {
    enum PacingKind: String, Sendable {
        case initiation
        case retrieval
    }

    func request(_ method: String, _ url: String, token: String, body: Data? = nil) -> JumioHTTPRequest {
        var headers = [
            ("Authorization", "Bearer \(token)"), ("Accept", "application/json"), ("User-Agent", configuration.userAgent),
        ]
        if body != nil { headers.append(("Content-Type", "application/json")) }
        return JumioHTTPRequest(method: method, url: url, headers: headers, body: body)
    }

    static func pathSegment(_ id: String) throws(JumioError) -> String {
        // ASCII only: the id goes into a URL path as it is.
        let allowed = { (byte: UInt8) in
            (byte | 0x20 >= UInt8(ascii: "a") && byte | 0x20 <= UInt8(ascii: "z"))
                || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || byte == UInt8(ascii: "-")
        }
        guard !id.isEmpty, id.utf8.count <= 64, id.utf8.allSatisfy(allowed) else {
            throw .invalidRequest("'\(id)' is not a Jumio id")
        }
        return id
    }

    static func executionPath(_ accountID: String, _ executionID: String) throws(JumioError) -> String {
        "/api/v1/accounts/\(try pathSegment(accountID))/workflow-executions/\(try pathSegment(executionID))"
    }

    static func decode<T: Decodable>(_ type: T.Type, _ response: JumioHTTPResponse) throws(JumioError) -> T {
        do {
            return try JSONCoding.decode(type, from: response.body)
        } catch {
            throw .invalidResponse("\(T.self): \(error)")
        }
    }
}
