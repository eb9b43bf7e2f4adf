import Foundation

/// The person making a request, as the domain's permission rules see them.
public struct Actor: Sendable, Equatable {
    public var userID: UUID
    public var organizationID: UUID
    public var role: UserRole

    public init(userID: UUID, organizationID: UUID, role: UserRole) {
        self.userID = userID
        self.organizationID = organizationID
        self.role = role
    }

    public init(_ user: User) {
        self.init(userID: user.id, organizationID: user.organizationID, role: user.role)
    }

    public var isInternal: Bool { role.isInternal }
}

/// Who may see and change what. Handlers ask these; they never decide on their own.
public enum Access {
    public static func canView(_ template: FlowTemplate, as actor: Actor) -> Bool {
        guard actor.isInternal, actor.organizationID == template.organizationID else { return false }
        return template.access == .shared || template.ownerID == actor.userID || actor.role == .admin
    }

    public static func canEdit(_ template: FlowTemplate, as actor: Actor) -> Bool {
        guard actor.isInternal, actor.organizationID == template.organizationID else { return false }
        return template.ownerID == actor.userID || actor.role == .admin
    }

    /// Internal users see their organization's flows; clients only the flows they are members of.
    public static func canView(_ flow: Flow, as actor: Actor) -> Bool {
        guard actor.organizationID == flow.organizationID else { return false }
        return actor.isInternal || flow.memberIDs.contains(actor.userID)
    }

    /// Only internal users may start flows, add actions or skip and cancel them.
    public static func canManage(_ flow: Flow, as actor: Actor) -> Bool {
        actor.organizationID == flow.organizationID && actor.isInternal
    }

    public static func canCreateUsers(as actor: Actor) -> Bool { actor.role == .admin }
}
