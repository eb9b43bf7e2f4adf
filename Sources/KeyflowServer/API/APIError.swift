import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// An error as the API reports it: `{"error": {"code", "message", "field"?}}` with a fitting status.
struct APIError: Error, Sendable {
    var status: HTTPResponse.Status
    var code: String
    var message: String
    var field: String?
    /// Seconds until trying again makes sense (sent as `Retry-After`).
    var retryAfter: Int?
    /// More headers for the answer (`Allow` on a 405).
    var headers: HTTPFields = [:]

    static func badRequest(_ message: String, field: String? = nil) -> Self {
        .init(status: .badRequest, code: "bad_request", message: message, field: field)
    }
    static let unauthorized = APIError(
        status: .unauthorized, code: "unauthorized",
        message: "sign in first: send Authorization: Bearer <token> from POST /api/v1/sessions")
    static func forbidden(_ message: String) -> Self { .init(status: .forbidden, code: "forbidden", message: message) }
    static func notFound(_ message: String) -> Self { .init(status: .notFound, code: "not_found", message: message) }
    static func conflict(_ message: String) -> Self { .init(status: .conflict, code: "conflict", message: message) }
    static func invalid(_ message: String, field: String? = nil) -> Self {
        .init(status: .unprocessableContent, code: "invalid", message: message, field: field)
    }
    static func tooLarge(_ message: String) -> Self {
        .init(status: .contentTooLarge, code: "too_large", message: message)
    }
    static func unsupportedMediaType(_ message: String) -> Self {
        .init(status: .unsupportedMediaType, code: "unsupported_media_type", message: message)
    }

    init(status: HTTPResponse.Status, code: String, message: String, field: String? = nil) {
        self.status = status
        self.code = code
        self.message = message
        self.field = field
    }

    /// Translates the errors of the layers below into what the caller can act on.
    init(_ error: any Error) {
        switch error {
        case let error as APIError:
            self = error
        case let error as DomainError:
            switch error.kind {
            case .invalid: self = .invalid(error.message, field: error.field)
            case .conflict: self = .conflict(error.message)
            case .forbidden: self = .forbidden(error.message)
            case .notFound: self = .notFound(error.message)
            }
        case StoreError.duplicate(let what):
            self = .conflict("\(what)")
        case StoreError.concurrentUpdate:
            self = .conflict("this changed at the same moment elsewhere; reload and try again")
        case let error as any HTTPResponseError:
            self.init(status: error.status, code: "http_\(error.status.code)", message: error.status.reasonPhrase)
        default:
            self.init(status: .internalServerError, code: "internal", message: "something went wrong on our side; it has been logged")
        }
    }

    struct Body: Encodable {
        struct Detail: Encodable {
            var code: String
            var message: String
            var field: String?
        }
        var error: Detail
    }

    func response() -> Response {
        Response(status: status, headers: headerFields, body: .init(byteBuffer: body))
    }

    /// The answer's fields: the JSON body's type, `Retry-After` and any of the error's own.
    var headerFields: HTTPFields {
        var fields = headers
        fields[.contentType] = "application/json; charset=utf-8"
        if let retryAfter { fields[.retryAfter] = String(retryAfter) }
        return fields
    }

    /// `{"error": {…}}`, keys sorted.
    var body: ByteBuffer {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(Body(error: .init(code: code, message: message, field: field)))) ?? Data("{}".utf8)
        return ByteBuffer(bytes: data)
    }
}
