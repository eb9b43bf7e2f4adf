import Foundation
import Hummingbird
import KeyflowJSON

/// JSON in and out, with decoding errors that name the field at fault.
enum JSONBody {
    static let maximumBytes = 1024 * 1024

    static func decode<T: Decodable>(_ type: T.Type, from request: Request) async throws -> T {
        if let contentType = request.headers[.contentType], !contentType.lowercased().hasPrefix("application/json") {
            throw APIError.unsupportedMediaType("send the body as application/json, not \(contentType)")
        }
        let buffer: ByteBuffer
        do {
            buffer = try await request.body.collect(upTo: maximumBytes)
        } catch {
            throw APIError.tooLarge("the body is larger than \(maximumBytes / 1024) KiB")
        }
        let data = Data(buffer: buffer)
        guard let body = try? JSONTape(parsing: data).root else { throw APIError.badRequest("the body is not valid JSON") }
        do {
            return try JSONCoding.decodeStrictly(type, from: body, parsedFrom: data)
        } catch let unknown as UnknownField {
            throw APIError.badRequest(
                "there is no field '\(unknown.name)' here; the fields are \(unknown.known.joined(separator: ", "))", field: unknown.path)
        } catch let error as DecodingError {
            throw APIError.badRequest(Self.explain(error), field: Self.path(of: error))
        } catch let error as APIError {
            throw error
        } catch {
            throw APIError.badRequest("the body is not valid JSON")
        }
    }

    /// Written in one pass by `JSONCoding` (`JSONEncoder` first built a tree of the whole answer: a tenth of the
    /// server's CPU while flows were being started); keys in the order the value encodes them.
    static func response(_ value: some Encodable, status: HTTPResponse.Status = .ok) throws -> Response {
        Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: try JSONCoding.encoded(value, datesAsISO8601: true))))
    }

    private static func path(of error: DecodingError) -> String? {
        let path: [any CodingKey]
        switch error {
        case .keyNotFound(let key, let context): path = context.codingPath + [key]
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .dataCorrupted(let context):
            path = context.codingPath
        @unknown default: return nil
        }
        let text = path.map { $0.intValue.map { String($0 + 1) } ?? $0.stringValue }.joined(separator: ".")
        return text.isEmpty ? nil : text
    }

    private static func explain(_ error: DecodingError) -> String {
        switch error {
        case .keyNotFound(let key, _): return "'\(key.stringValue)' is required"
        case .typeMismatch(let type, _): return "expected \(describe(type)) here"
        case .valueNotFound(let type, _): return "expected \(describe(type)) here, got null"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "the body is not valid JSON" : context.debugDescription
        @unknown default: return "the body could not be read"
        }
    }

    private static func describe(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type, is Double.Type: "a number"
        case is Bool.Type: "true or false"
        default: "a value of another shape"
        }
    }
}
