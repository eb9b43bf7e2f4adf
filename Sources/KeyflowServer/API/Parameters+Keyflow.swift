import Foundation
import Hummingbird
import KeyflowJSON

extension KeyflowRequestContext {
    /// A UUID path parameter; a malformed one is reported as a missing resource, as it cannot exist.
    func id(_ name: String, of what: String) throws -> UUID {
        guard let text = parameters.get(name), let id = UUID(text: text) else {
            throw APIError.notFound("no \(what) '\(parameters.get(name) ?? "")'")
        }
        return id
    }
}

extension Request {
    func integerQuery(_ name: String) throws -> Int? {
        guard let text = uri.queryParameters[name[...]] else { return nil }
        guard let value = Int(text) else {
            throw APIError.badRequest("'\(name)' must be a whole number, got '\(text)'", field: name)
        }
        return value
    }
}
