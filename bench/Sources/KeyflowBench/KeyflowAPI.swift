import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// Keyflow's HTTP API as the load generator calls it: JSON in, JSON out, one shared client with room for
/// thousands of open connections.
struct KeyflowAPI: Sendable {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    let http: HTTPClient
    let base: String
    /// The same server through bare connections, for the loops whose cost per request is measured.
    let plain: PlainHTTP
    var token: String?

    init(http: HTTPClient, base: String, token: String? = nil) throws {
        self.http = http
        self.base = base
        self.token = token
        plain = try PlainHTTP(base: base)
    }

    private init(http: HTTPClient, base: String, plain: PlainHTTP, token: String?) {
        self.http = http
        self.base = base
        self.plain = plain
        self.token = token
    }

    static func makeHTTPClient(connections: Int) -> HTTPClient {
        var configuration = HTTPClient.Configuration()
        configuration.connectionPool = .init(
            idleTimeout: .seconds(120), concurrentHTTP1ConnectionsPerHostSoftLimit: connections)
        configuration.timeout = .init(connect: .seconds(10), read: .seconds(120))
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }

    func request(_ method: HTTPMethod, _ path: String, body: String? = nil) -> HTTPClientRequest {
        var request = HTTPClientRequest(url: path.hasPrefix("http") ? path : base + path)
        request.method = method
        if let token { request.headers.add(name: "Authorization", value: "Bearer \(token)") }
        if let body {
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: body))
        }
        return request
    }

    /// Sends the request and answers the status and the raw body.
    func send(_ request: HTTPClientRequest) async throws -> (status: Int, body: ByteBuffer) {
        let response = try await http.execute(request, timeout: .seconds(120))
        return (Int(response.status.code), try await response.body.collect(upTo: 32 * 1024 * 1024))
    }

    @discardableResult
    func object(_ method: HTTPMethod, _ path: String, json: String? = nil, expect: Int) async throws -> [String: Any] {
        let (status, body) = try await send(request(method, path, body: json))
        guard status == expect else {
            throw Failure(description: "\(method) \(path) answered \(status), expected \(expect): \(String(buffer: body))")
        }
        return (try? JSONSerialization.jsonObject(with: Data(buffer: body))) as? [String: Any] ?? [:]
    }

    func signedIn(_ email: String, _ password: String) async throws -> KeyflowAPI {
        let session = try await object(
            .POST, "/api/v1/sessions", json: #"{"email": "\#(email)", "password": "\#(password)"}"#, expect: 201)
        guard let token = session["token"] as? String else { throw Failure(description: "sign-in answered no token") }
        return KeyflowAPI(http: http, base: base, plain: plain, token: token)
    }
}
