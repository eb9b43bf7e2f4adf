import Foundation
import HTTPTypes
import Hummingbird
import Logging

/// The id of the request (or of the job it led to) that the current task works for. Every log line written
/// while it is set carries it as `request`, through the logger's metadata provider, so one id ties an HTTP
/// request to the job it enqueued and to the Jumio calls that job made.
public enum RequestTrace {
    @TaskLocal public static var id: String?

    public static let metadataProvider = Logger.MetadataProvider {
        guard let id else { return [:] }
        return ["request": .string(id)]
    }

    /// A caller's own `X-Request-Id` is kept when it is short and plain; anything else gets a fresh id.
    static func id(from header: String?) -> String {
        if let header, (1...64).contains(header.count),
            header.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "-_.".contains($0)) })
        {
            return header
        }
        return UUID.random().text(uppercase: false)
    }
}

/// Gives each request its id (echoed in `X-Request-Id`) and every response the headers that keep browsers
/// careful: `nosniff`, a same-origin referrer policy, and HSTS when Keyflow is served over HTTPS.
struct RequestTraceMiddleware: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let strictTransportSecurity: Bool

    static let requestID = HTTPField.Name("X-Request-Id")!
    private static let contentTypeOptions = HTTPField.Name("X-Content-Type-Options")!
    private static let referrerPolicy = HTTPField.Name("Referrer-Policy")!

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let id = RequestTrace.id(from: request.headers[Self.requestID])
        var context = context
        context.requestID = id
        var response = try await RequestTrace.$id.withValue(id) { [context] in try await next(request, context) }
        Self.mark(&response.headers, requestID: id, strictTransportSecurity: strictTransportSecurity)
        return response
    }

    /// Adds the request's id and the browser headers, keeping any a handler set itself.
    static func mark(_ headers: inout HTTPFields, requestID id: String, strictTransportSecurity: Bool) {
        headers[Self.requestID] = id
        if headers[Self.contentTypeOptions] == nil { headers[Self.contentTypeOptions] = "nosniff" }
        if headers[Self.referrerPolicy] == nil { headers[Self.referrerPolicy] = "same-origin" }
        if strictTransportSecurity {
            headers[.strictTransportSecurity] = "max-age=31536000; includeSubDomains"
        }
    }
}
