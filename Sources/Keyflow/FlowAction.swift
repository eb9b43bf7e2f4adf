import Foundation

public enum ActionStatus: String, Codable, Sendable, CaseIterable {
    case pending
    case active
    case completed
    case cancelled
    case skipped

    /// Closed actions never change again and are never moved or removed.
    public var isClosed: Bool { self == .completed || self == .cancelled || self == .skipped }
}

/// An action inside a running flow: its definition plus what happened to it.
public struct FlowAction: Codable, Sendable, Equatable, Identifiable {
    public var definition: ActionDefinition
    public var status: ActionStatus
    /// Title and description with references resolved, snapshot when the action became active.
    public var resolvedTitle: String?
    public var resolvedDescription: String?
    /// References that had no value when the action became active.
    public var warnings: [String]
    public var dueAt: Date?
    public var outputs: [String: OutputValue]
    public var activatedAt: Date?
    public var completedAt: Date?
    public var completedBy: UUID?
    /// Why the owner skipped or cancelled it.
    public var reason: String?
    /// Attempts at verifying, for Jumio actions.
    public var verification: VerificationState?
    /// The reminders already sent for the current due date (absent in flows saved before reminders existed).
    public var remindersSent: [ReminderKind]?

    public init(definition: ActionDefinition) {
        self.definition = definition
        self.status = .pending
        self.warnings = []
        self.outputs = [:]
    }

    public var id: UUID { definition.id }
    public var type: ActionType { definition.type }
    public var title: String { resolvedTitle ?? definition.title }

    public func isOverdue(at now: Date) -> Bool {
        guard status == .active, let dueAt else { return false }
        return dueAt < now
    }
}
