import Foundation
import Keyflow
import KeyflowJSON
import KeyflowStore

// The API's JSON shapes; `openapi.yaml` describes the same ones. Storage and domain types never go out as
// they are: each view is built from them here.

struct SignInRequest: Decodable {
    var email: String
    var password: String
}

struct CreateUserRequest: Decodable {
    var email: String
    var name: String
    var role: UserRole
    var password: String?
    var locale: String?
}

struct ActionInput: Decodable {
    var id: UUID?
    var type: ActionType
    var title: String
    var description: String?
    var attachments: [UUID]?
    var assignee: AssigneeInput?
    var due: DuePolicy?
    var form: FormSpec?
    var jumio: JumioInput?

    /// The action as the domain sees it; a Jumio secret is sealed by `seal` on the way in.
    func definition(field: String, seal: (String) throws -> String) throws -> ActionDefinition {
        let assignee: Assignee?
        switch self.assignee {
        case .one(let one): assignee = one
        case .many(let many) where many.count == 1: assignee = many[0]
        case .many(let many):
            throw APIError.invalid(
                "\(type == .jumio ? "a Jumio action" : "an action") takes exactly one assignee, not \(many.count)",
                field: "\(field).assignee")
        case nil: assignee = nil
        }
        return ActionDefinition(
            id: id ?? UUID.random(), type: type, title: title, description: description ?? "", attachments: attachments ?? [],
            assignee: assignee, due: due ?? .none, form: form, jumio: try jumio?.settings(seal: seal))
    }
}

extension [ActionInput] {
    /// The actions as the domain sees them, each error naming `field.N`. The secret is write-only, so a Jumio
    /// action saved without one keeps the secret stored for its client ID and data center: its own when it is
    /// saved again, the original's when it is a duplicate.
    func definitions(field: String, seal: (String) throws -> String, keeping previous: [ActionDefinition] = [])
        throws -> [ActionDefinition]
    {
        try enumerated().map { index, input in
            var definition = try input.definition(field: "\(field).\(index + 1)", seal: seal)
            let sameCredentials = { (earlier: ActionDefinition) in
                earlier.jumio?.clientID == definition.jumio?.clientID
                    && earlier.jumio?.dataCenter == definition.jumio?.dataCenter && earlier.jumio?.sealedSecret != nil
            }
            if var jumio = definition.jumio, jumio.sealedSecret == nil, jumio.clientID != nil,
                let earlier = (previous.first { $0.id == definition.id && sameCredentials($0) }
                    ?? previous.first(where: sameCredentials))?.jumio
            {
                jumio.sealedSecret = earlier.sealedSecret
                definition.jumio = jumio
            }
            return definition
        }
    }
}

/// One assignee, or a list (which is refused unless it holds exactly one, with a message that says so).
enum AssigneeInput: Decodable {
    case one(Assignee)
    case many([Assignee])

    init(from decoder: any Decoder) throws {
        if let many = try? decoder.singleValueContainer().decode([Assignee].self) {
            self = .many(many)
        } else {
            self = .one(try Assignee(from: decoder))
        }
    }
}

/// A Jumio action's details as sent: the secret in the clear, once, to be sealed at once.
struct JumioInput: Decodable {
    var dataCenter: VerificationRegion
    var workflowType: VerificationWorkflow
    var clientId: String?
    var clientSecret: String?
    var connectionId: UUID?

    func settings(seal: (String) throws -> String) throws -> JumioSettings {
        JumioSettings(
            dataCenter: dataCenter, workflowType: workflowType, clientID: clientId,
            sealedSecret: try clientSecret.map { try seal($0) }, connectionID: connectionId)
    }
}

/// A Jumio action's details as shown: never the secret, only whether one is set.
struct JumioView: Encodable {
    var dataCenter: VerificationRegion
    var workflowType: VerificationWorkflow
    var clientId: String?
    var clientSecretSet: Bool
    var connectionId: UUID?

    init(_ settings: JumioSettings) {
        dataCenter = settings.dataCenter
        workflowType = settings.workflowType
        clientId = settings.clientID
        clientSecretSet = settings.sealedSecret?.isEmpty == false
        connectionId = settings.connectionID
    }
}

/// An attempt as people see it; the journey link is not shown (it is a secret of the assignee's).
struct AttemptView: Encodable {
    var id: UUID
    var number: Int
    /// Jumio's ids, to look the transaction up in the Jumio Portal (empty once the data is deleted).
    var accountId: String
    var executionId: String
    var status: VerificationAttempt.Status
    var label: String?
    var reasons: [String]
    var riskScore: Double?
    var startedAt: Date
    var finishedAt: Date?
    var expiresAt: Date

    init(_ attempt: VerificationAttempt) {
        id = attempt.id
        number = attempt.number
        accountId = attempt.accountID
        executionId = attempt.executionID
        status = attempt.status
        label = attempt.label
        reasons = attempt.reasons
        riskScore = attempt.riskScore
        startedAt = attempt.startedAt
        finishedAt = attempt.finishedAt
        expiresAt = attempt.expiresAt
    }
}

struct VerificationView: Encodable {
    var attempts: [AttemptView]
    var acceptedBy: UUID?
    var acceptanceComment: String?

    init(_ state: VerificationState) {
        attempts = state.attempts.map(AttemptView.init)
        acceptedBy = state.acceptedBy
        acceptanceComment = state.acceptanceComment
    }
}

struct TemplateInput: Decodable {
    var name: String
    var description: String?
    var icon: String?
    var access: TemplateAccess?
    var roles: [String]?
    var variables: [String]?
    var actions: [ActionInput]
}

struct DraftReferencesRequest: Decodable {
    var roles: [String]?
    var variables: [String]?
    var actions: [ActionInput]
    /// Where the action being written stands, 1-based.
    var position: Int
}

struct MemberInput: Decodable {
    var userId: UUID
    var role: String?
}

struct CreateFlowRequest: Decodable {
    var templateId: UUID?
    var name: String
    var description: String?
    var members: [MemberInput]?
    var variables: [String: String]?
    var actions: [ActionInput]?
}

struct InsertActionRequest: Decodable {
    var position: Int
    var action: ActionInput
}

struct CommentRequest: Decodable { var comment: String? }
struct ReasonRequest: Decodable { var reason: String }
struct SubmitRequest: Decodable { var answers: [String: OutputValue] }
struct MessageRequest: Decodable { var text: String }

struct UserView: Encodable {
    var id: UUID
    var organizationId: UUID
    var email: String
    var name: String
    var role: UserRole
    var locale: String?

    init(_ user: User) {
        id = user.id
        organizationId = user.organizationID
        email = user.email
        name = user.name
        role = user.role
        locale = user.locale
    }
}

struct SessionView: Encodable {
    var token: String
    var expiresAt: Date
    var user: UserView
}

struct ActionDefinitionView: Encodable {
    var id: UUID
    var type: ActionType
    var title: String
    var description: String
    var attachments: [UUID]
    var assignee: Assignee?
    var due: DuePolicy
    var form: FormSpec?
    var jumio: JumioView?

    /// References are shown by position, as the builder writes them.
    init(_ definition: ActionDefinition, order: [UUID]) {
        id = definition.id
        type = definition.type
        title = DataReferences.present(definition.title, actionOrder: order)
        description = DataReferences.present(definition.description, actionOrder: order)
        attachments = definition.attachments
        assignee = definition.assignee
        due = definition.due
        form = definition.form
        jumio = definition.jumio.map(JumioView.init)
    }
}

struct TemplateView: Encodable {
    var id: UUID
    var name: String
    var description: String
    var icon: String
    var access: TemplateAccess
    var roles: [String]
    var variables: [String]
    var ownerId: UUID
    var createdAt: Date
    var updatedAt: Date
    var actions: [ActionDefinitionView]

    init(_ template: FlowTemplate) {
        id = template.id
        name = template.name
        description = template.description
        icon = template.icon
        access = template.access
        roles = template.roles
        variables = template.variables
        ownerId = template.ownerID
        createdAt = template.createdAt
        updatedAt = template.updatedAt
        let order = template.actions.map(\.id)
        actions = template.actions.map { ActionDefinitionView($0, order: order) }
    }
}

struct MemberView: Encodable {
    var userId: UUID
    var role: String?
    var name: String?
    var email: String?
}

struct FlowActionView: Encodable {
    var id: UUID
    var position: Int
    var type: ActionType
    var title: String
    var description: String
    var status: ActionStatus
    var assignee: Assignee?
    var assigneeId: UUID?
    var dueAt: Date?
    var overdue: Bool
    var outputs: [String: OutputValue]
    var attachments: [UUID]
    var warnings: [String]
    var form: FormSpec?
    var jumio: JumioView?
    var verification: VerificationView?
    var activatedAt: Date?
    var completedAt: Date?
    var completedBy: UUID?
    var reason: String?
}

struct FlowView: Encodable {
    var id: UUID
    var name: String
    var description: String
    var status: FlowStatus
    var templateId: UUID?
    var ownerId: UUID
    var roles: [String]
    var members: [MemberView]
    /// Names of everyone the flow mentions (members, owner, assignees), by user id.
    var names: [String: String]
    var variables: [String: String]
    var createdAt: Date
    var completedAt: Date?
    var actions: [FlowActionView]

    init(_ flow: Flow, people: [UUID: User], now: Date) {
        id = flow.id
        name = flow.name
        description = flow.description
        status = flow.status
        templateId = flow.templateID
        ownerId = flow.ownerID
        roles = flow.roles
        variables = flow.variables
        createdAt = flow.createdAt
        completedAt = flow.completedAt
        members = flow.members.map {
            MemberView(userId: $0.userID, role: $0.role, name: people[$0.userID]?.name, email: people[$0.userID]?.email)
        }
        names = Dictionary(uniqueKeysWithValues: people.map { ($0.key.text(uppercase: true), $0.value.name) })
        let order = flow.actions.map(\.id)
        actions = flow.actions.enumerated().map { index, action in
            let definition = action.definition
            return FlowActionView(
                id: action.id, position: index + 1, type: action.type,
                title: action.resolvedTitle ?? DataReferences.present(definition.title, actionOrder: order),
                description: action.resolvedDescription
                    ?? DataReferences.present(definition.description, actionOrder: order),
                status: action.status, assignee: definition.assignee, assigneeId: flow.assigneeID(of: action),
                dueAt: action.dueAt, overdue: action.isOverdue(at: now), outputs: action.outputs,
                attachments: definition.attachments, warnings: action.warnings, form: definition.form,
                jumio: definition.jumio.map(JumioView.init), verification: action.verification.map(VerificationView.init),
                activatedAt: action.activatedAt, completedAt: action.completedAt, completedBy: action.completedBy,
                reason: action.reason)
        }
    }
}

struct FlowSummaryView: Encodable {
    var id: UUID
    var name: String
    var status: FlowStatus
    var ownerId: UUID
    var createdAt: Date
    var completedActions: Int
    var totalActions: Int
    var activeAction: ActiveActionView?

    struct ActiveActionView: Encodable {
        var id: UUID
        var title: String
        var assigneeId: UUID?
        var dueAt: Date?
        var overdue: Bool
    }

    init(_ flow: Flow, now: Date) {
        id = flow.id
        name = flow.name
        status = flow.status
        ownerId = flow.ownerID
        createdAt = flow.createdAt
        completedActions = flow.actions.filter { $0.status.isClosed }.count
        totalActions = flow.actions.count
        activeAction = flow.activeAction.map {
            ActiveActionView(
                id: $0.id, title: $0.title, assigneeId: flow.assigneeID(of: $0), dueAt: $0.dueAt,
                overdue: $0.isOverdue(at: now))
        }
    }
}

struct EventView: Encodable {
    var id: Int64
    var flowId: UUID
    var kind: FlowEvent.Kind
    var actionId: UUID?
    var actorId: UUID?
    var text: String
    var data: [String: String]
    var at: Date

    init(_ stored: StoredEvent) {
        id = stored.id
        flowId = stored.flowID
        kind = stored.event.kind
        actionId = stored.event.actionID
        actorId = stored.event.actorID
        text = stored.event.text
        data = stored.event.data
        at = stored.event.at
    }
}

struct ListView<Item: Encodable>: Encodable {
    var items: [Item]
}
