import Foundation

public enum TemplateAccess: String, Codable, Sendable {
    /// Only its creator sees and uses it.
    case `private`
    /// Every internal user of the organization sees and uses it.
    case shared
}

/// A reusable blueprint of a flow: roles to bind and the ordered actions.
public struct FlowTemplate: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var organizationID: UUID
    public var ownerID: UUID
    public var name: String
    public var description: String
    public var icon: String
    public var access: TemplateAccess
    public var roles: [String]
    public var variables: [String]
    public var actions: [ActionDefinition]
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: UUID = UUID.random(), organizationID: UUID, ownerID: UUID, name: String, description: String = "",
        icon: String = "", access: TemplateAccess = .shared, roles: [String] = [], variables: [String] = [],
        actions: [ActionDefinition], createdAt: Date, updatedAt: Date? = nil
    ) {
        self.id = id
        self.organizationID = organizationID
        self.ownerID = ownerID
        self.name = name
        self.description = description
        self.icon = icon
        self.access = access
        self.roles = roles
        self.variables = variables
        self.actions = actions
        self.createdAt = createdAt
        self.updatedAt = updatedAt ?? createdAt
    }

    public static let maximumActions = 200

    /// Checks the whole template as a builder would save it.
    public func validate() throws(DomainError) {
        try Naming.validateName(name, what: "template name", field: "name")
        guard description.count <= ActionDefinition.maximumDescriptionLength else {
            throw .invalid("the description is too long", field: "description")
        }
        guard icon.count <= 64 else { throw .invalid("the icon is longer than 64 characters", field: "icon") }
        try Naming.validateLabels(roles, what: "role", field: "roles")
        try Naming.validateLabels(variables, what: "variable", field: "variables")
        try Self.validate(actions: actions, roles: roles, variables: variables)
    }

    /// Validates an ordered list of actions, each against what comes before it.
    public static func validate(actions: [ActionDefinition], roles: [String], variables: [String]) throws(DomainError) {
        guard !actions.isEmpty else { throw .invalid("add at least one action", field: "actions") }
        guard actions.count <= maximumActions else {
            throw .invalid("at most \(maximumActions) actions", field: "actions")
        }
        guard Set(actions.map(\.id)).count == actions.count else {
            throw .invalid("two actions share one id", field: "actions")
        }
        for (index, action) in actions.enumerated() {
            let scope = ReferenceScope(
                roles: roles, variables: variables, earlierActions: Array(actions[..<index]),
                actionOrder: actions.map(\.id))
            try action.validate(field: "actions.\(index + 1)", scope: scope)
        }
    }
}

/// Rules for the names people give to templates, flows, roles and variables.
public enum Naming {
    public static let maximumNameLength = 200

    public static func validateName(_ name: String, what: String, field: String) throws(DomainError) {
        // Blank is all white space (the standard library's test is Foundation's `.whitespacesAndNewlines`), found
        // at the first character that is not, without Foundation's trim of every name on every flow started.
        guard name.contains(where: { !$0.isWhitespace }) else {
            throw .invalid("the \(what) must not be empty", field: field)
        }
        guard name.count <= maximumNameLength else {
            throw .invalid("the \(what) is longer than \(maximumNameLength) characters", field: field)
        }
    }

    /// Role and variable names appear inside references (`{{role.Client.name}}`), so they cannot hold `.`, `{` or `}`.
    public static func validateLabels(_ labels: [String], what: String, field: String) throws(DomainError) {
        var seen = Set<String>()
        for (index, label) in labels.enumerated() {
            let at = "\(field).\(index + 1)"
            guard !label.trimmingCharacters(in: .whitespaces).isEmpty, label.count <= 64 else {
                throw .invalid("a \(what) name must have 1 to 64 characters", field: at)
            }
            guard !label.contains(where: { ".{}".contains($0) || $0.isNewline }) else {
                throw .invalid("the \(what) name '\(label)' must not contain '.', '{' or '}'", field: at)
            }
            guard seen.insert(label).inserted else { throw .invalid("the \(what) '\(label)' is listed twice", field: at) }
        }
    }
}
