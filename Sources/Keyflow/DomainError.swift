/// A rule of the flow domain was broken. Each case says what was wrong in words a user can act on.
public struct DomainError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The input itself is invalid (a missing title, an unknown role, a bad reference).
        case invalid
        /// The input is fine but the current state forbids it (completing a pending action).
        case conflict
        /// The person asking may not do this.
        case forbidden
        /// Something named does not exist.
        case notFound
    }

    public var kind: Kind
    public var message: String
    /// The input field at fault, as a dotted path (`actions.2.title`), when there is one.
    public var field: String?

    public init(_ kind: Kind, _ message: String, field: String? = nil) {
        self.kind = kind
        self.message = message
        self.field = field
    }

    public static func invalid(_ message: String, field: String? = nil) -> Self { .init(.invalid, message, field: field) }
    public static func conflict(_ message: String) -> Self { .init(.conflict, message) }
    public static func forbidden(_ message: String) -> Self { .init(.forbidden, message) }
    public static func notFound(_ message: String) -> Self { .init(.notFound, message) }

    public var description: String { field.map { "\($0): \(message)" } ?? message }
}
