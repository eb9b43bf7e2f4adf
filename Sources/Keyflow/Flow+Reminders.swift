import Foundation
import KeyflowJSON

/// The reminders an active action with a due date gets: once when it is due within a day, once when it is
/// overdue. Each goes out at most once per action and kind.
public enum ReminderKind: String, Codable, Sendable {
    case dueSoon
    case overdue
}

extension Flow {
    /// How long before the due date an action counts as due soon.
    public static let dueSoonWindow: TimeInterval = 24 * 3600

    /// When the next reminder of this flow falls due, or nil when none is left to send.
    public var nextReminderAt: Date? {
        actions.compactMap { action -> Date? in
            guard action.status == .active, let due = action.dueAt else { return nil }
            let sent = action.remindersSent ?? []
            if !sent.contains(.dueSoon) { return due.addingTimeInterval(-Self.dueSoonWindow) }
            if !sent.contains(.overdue) { return due }
            return nil
        }.min()
    }

    /// Sends the reminders due at `context.now`; an action already overdue gets only the overdue one.
    public mutating func sendReminders(context: FlowContext) -> [FlowEvent] {
        guard status == .active else { return [] }
        var events: [FlowEvent] = []
        for index in actions.indices {
            guard actions[index].status == .active, let due = actions[index].dueAt else { continue }
            var sent = actions[index].remindersSent ?? []
            let assignee = assigneeID(of: actions[index])
            let data = ["assigneeId": assignee?.text(uppercase: true) ?? "", "dueAt": due.formatted(.iso8601)]
            let title = actions[index].title
            if due <= context.now, !sent.contains(.overdue) {
                sent.append(contentsOf: [ReminderKind.dueSoon, .overdue].filter { !sent.contains($0) })
                events.append(
                    FlowEvent(
                        kind: .actionOverdue, actionID: actions[index].id, actorID: nil,
                        text: "“\(title)” is overdue; \(context.name(of: assignee)) has not finished it yet", data: data,
                        at: context.now))
            } else if due.addingTimeInterval(-Self.dueSoonWindow) <= context.now, !sent.contains(.dueSoon) {
                sent.append(.dueSoon)
                events.append(
                    FlowEvent(
                        kind: .actionDueSoon, actionID: actions[index].id, actorID: nil,
                        text: "“\(title)” is due within a day; it is \(context.name(of: assignee))'s to do", data: data,
                        at: context.now))
            }
            actions[index].remindersSent = sent
        }
        return events
    }
}
