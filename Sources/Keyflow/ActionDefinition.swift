import Foundation

/// An action as the builder configured it, in a template or in a running flow.
///
/// `title` and `description` hold data references in their bound form (`{{actions.<id>.title}}`), so that
/// inserting actions later never redirects a reference; `DataReferences.present` shows them numbered again.
public struct ActionDefinition: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var type: ActionType
    public var title: String
    public var description: String
    public var attachments: [UUID]
    public var assignee: Assignee?
    public var due: DuePolicy
    public var form: FormSpec?
    public var jumio: JumioSettings?

    public init(
        id: UUID = UUID.random(), type: ActionType, title: String, description: String = "", attachments: [UUID] = [],
        assignee: Assignee?, due: DuePolicy = .none, form: FormSpec? = nil, jumio: JumioSettings? = nil
    ) {
        self.id = id
        self.type = type
        self.title = title
        self.description = description
        self.attachments = attachments
        self.assignee = assignee
        self.due = due
        self.form = form
        self.jumio = jumio
    }

    public static let maximumTitleLength = 200
    public static let maximumDescriptionLength = 10_000
    public static let maximumAttachments = 20

    /// The output fields this action will produce, which later actions may reference.
    public var declaredOutputs: [String] {
        switch type {
        case .todo, .acknowledgement: []
        case .approval: ["decision", "comment"]
        case .form: form?.fields.map(\.name) ?? []
        case .jumio: JumioSettings.outputs
        }
    }
}

/// What an action may refer to where it stands: the roles, variables and actions before it.
public struct ReferenceScope: Sendable {
    public var roles: [String]
    public var variables: [String]
    /// The actions before this position, in flow order.
    public var earlierActions: [ActionDefinition]
    /// Every action of the flow or template in order, to show references by position in error messages.
    public var actionOrder: [UUID]

    public init(
        roles: [String], variables: [String], earlierActions: [ActionDefinition], actionOrder: [UUID]? = nil
    ) {
        self.roles = roles
        self.variables = variables
        self.earlierActions = earlierActions
        self.actionOrder = actionOrder ?? earlierActions.map(\.id)
    }
}

extension ActionDefinition {
    /// Checks the action's own fields and its references; `field` is the path to report (`actions.2`).
    public func validate(field: String, scope: ReferenceScope) throws(DomainError) {
        let trimmedTitle = title.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !trimmedTitle.isEmpty else { throw .invalid("an action needs a title", field: "\(field).title") }
        guard title.count <= Self.maximumTitleLength else {
            throw .invalid("the title is longer than \(Self.maximumTitleLength) characters", field: "\(field).title")
        }
        guard description.count <= Self.maximumDescriptionLength else {
            throw .invalid(
                "the description is longer than \(Self.maximumDescriptionLength) characters",
                field: "\(field).description")
        }
        guard attachments.count <= Self.maximumAttachments else {
            throw .invalid("at most \(Self.maximumAttachments) attachments per action", field: "\(field).attachments")
        }
        guard let assignee else {
            throw .invalid("an action needs exactly one assignee: a user or a role", field: "\(field).assignee")
        }
        if case .role(let role) = assignee, !scope.roles.contains(role) {
            let known = scope.roles.isEmpty ? "none are defined" : "known roles: \(scope.roles.joined(separator: ", "))"
            throw .invalid("the assignee role '\(role)' does not exist (\(known))", field: "\(field).assignee")
        }
        try due.validate(field: "\(field).due")
        switch type {
        case .form:
            guard let form else { throw .invalid("a form action needs form fields", field: "\(field).form") }
            try form.validate(field: "\(field).form")
        case .jumio:
            guard let jumio else {
                throw .invalid("a Jumio action needs its Jumio details", field: "\(field).jumio")
            }
            try jumio.validate(field: "\(field).jumio")
        case .todo, .acknowledgement, .approval:
            break
        }
        if form != nil, type != .form { throw .invalid("only form actions take form fields", field: "\(field).form") }
        if jumio != nil, type != .jumio { throw .invalid("only Jumio actions take Jumio details", field: "\(field).jumio") }
        try DataReferences.validate(title, field: "\(field).title", scope: scope)
        try DataReferences.validate(description, field: "\(field).description", scope: scope)
    }
}

extension ActionDefinition {
    /// This action with references written by position bound to the ids in `order`.
    public func bindingReferences(to order: [UUID]) -> ActionDefinition {
        var copy = self
        copy.title = DataReferences.bind(title, actionOrder: order)
        copy.description = DataReferences.bind(description, actionOrder: order)
        return copy
    }
}

extension Array where Element == ActionDefinition {
    /// The actions with references by position bound to the actions of this same list.
    public func bindingReferences() -> [ActionDefinition] {
        let order = map(\.id)
        return map { $0.bindingReferences(to: order) }
    }
}
