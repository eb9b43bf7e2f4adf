import AsyncHTTPClient
import Foundation
import NIOCore
import NIOFoundationCompat
import NIOHTTP1

/// One HTTP exchange with Jumio, as plain values.
public struct JumioHTTPRequest: Sendable {
    public var method: String
    public var url: String
    public var headers: [(String, String)]
    public var body: Data?

    public init(method: String, url: String, headers: [(String, String)] = [], body: Data? = nil) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

public struct JumioHTTPResponse: Sendable {
    public var status: Int
    public var headers: [(String, String)]
    public var body: Data

    public init(status: Int, headers: [(String, String)] = [], body: Data = Data()) {
        self.status = status
        self.headers = headers
        self.body = body
    }

    public func header(_ name: String) -> String? {
        headers.first { $0.0.lowercased() == name.lowercased() }?.1
    }
}

/// The seam between the client and the network.
public struct JumioTransport: Sendable {
    public var send: @Sendable (JumioHTTPRequest, _ timeout: Duration) async throws -> JumioHTTPResponse

    public init(send: @escaping @Sendable (JumioHTTPRequest, Duration) async throws -> JumioHTTPResponse) {
        self.send = send
    }

    /// An HTTP client that gives up connecting after 5 seconds: an unreachable Jumio is reported (and retried
    /// by the caller's policy) instead of holding a worker for the whole request timeout. It makes no tracing
    /// spans: Keyflow exports none, and with the default (no-op) tracer every request still parsed its URL
    /// for span attributes nobody reads.
    public static let httpClient: HTTPClient = {
        var configuration = HTTPClient.Configuration()
        configuration.timeout = HTTPClient.Configuration.Timeout(connect: .seconds(5), read: .seconds(60))
        configuration.tracing.tracer = nil
        return HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
    }()

    /// Real HTTP through AsyncHTTPClient.
    public static func live(_ client: HTTPClient = JumioTransport.httpClient, maximumBodyBytes: Int = 16 * 1024 * 1024)
        -> JumioTransport
    {
        JumioTransport { request, timeout in
            var outgoing = HTTPClientRequest(url: request.url)
            outgoing.method = HTTPMethod(rawValue: request.method)
            for (name, value) in request.headers { outgoing.headers.add(name: name, value: value) }
            if let body = request.body { outgoing.body = .bytes(ByteBuffer(bytes: body)) }
            let seconds = Int64(timeout.components.seconds)
            let response = try await client.execute(outgoing, timeout: .seconds(max(seconds, 1)))
            let body = try await response.body.collect(upTo: maximumBodyBytes)
            return JumioHTTPResponse(
                status: Int(response.status.code), headers: response.headers.map { ($0.name, $0.value) },
                body: Data(buffer: body))
        }
    }
}

/// A transport failure (refused, reset, timed out): the request may not have reached Jumio.
struct TransportFailure: Error, CustomStringConvertible {
    var description: String
}
