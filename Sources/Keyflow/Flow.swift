import Foundation

public enum FlowStatus: String, Codable, Sendable, CaseIterable {
    case active
    case completed
    case cancelled
}

/// A person in a flow workspace, bound to at most one of its roles.
public struct FlowMember: Codable, Sendable, Equatable, Hashable {
    public var userID: UUID
    public var role: String?

    public init(userID: UUID, role: String? = nil) {
        self.userID = userID
        self.role = role
    }
}

/// A running flow workspace: the aggregate whose state changes are all made by its own methods.
public struct Flow: Codable, Sendable, Equatable, Identifiable {
    public var id: UUID
    public var organizationID: UUID
    public var templateID: UUID?
    public var name: String
    public var description: String
    public var ownerID: UUID
    public var roles: [String]
    public var members: [FlowMember]
    public var variables: [String: String]
    public var status: FlowStatus
    public var actions: [FlowAction]
    public var createdAt: Date
    public var completedAt: Date?

    public init(
        id: UUID = UUID.random(), organizationID: UUID, templateID: UUID? = nil, name: String, description: String = "",
        ownerID: UUID, roles: [String] = [], members: [FlowMember], variables: [String: String] = [:],
        actions: [FlowAction], createdAt: Date
    ) {
        self.id = id
        self.organizationID = organizationID
        self.templateID = templateID
        self.name = name
        self.description = description
        self.ownerID = ownerID
        self.roles = roles
        self.members = members
        self.variables = variables
        self.status = .active
        self.actions = actions
        self.createdAt = createdAt
    }

    public var memberIDs: Set<UUID> { Set(members.map(\.userID)).union([ownerID]) }

    public func member(boundTo role: String) -> UUID? {
        members.first { $0.role == role }?.userID
    }

    /// The one user who must act on this action, through a direct assignment or a role binding.
    public func assigneeID(of action: FlowAction) -> UUID? {
        switch action.definition.assignee {
        case .user(let id): id
        case .role(let role): member(boundTo: role)
        case nil: nil
        }
    }

    public var activeAction: FlowAction? { actions.first { $0.status == .active } }

    public func index(of actionID: UUID) -> Int? { actions.firstIndex { $0.id == actionID } }

    public func action(_ id: UUID) -> FlowAction? { index(of: id).map { actions[$0] } }

    /// The references an action inserted at 1-based `position` may use.
    public func referenceScope(at position: Int) -> ReferenceScope {
        let end = min(max(position - 1, 0), actions.count)
        return ReferenceScope(
            roles: roles, variables: variables.keys.sorted(), earlierActions: actions[..<end].map(\.definition),
            actionOrder: actions.map(\.id))
    }
}
