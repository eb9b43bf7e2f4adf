import Foundation
import Testing

@testable import Keyflow

@Suite("Reminders: due soon and overdue, each once")
struct ReminderTests {
    let owner = UUID()
    let zurich = TimeZone(identifier: "Europe/Zurich")!
    let start = ISO8601DateFormatter().date(from: "2026-12-01T09:00:00Z")!

    func flow(due: DuePolicy) throws -> Flow {
        let template = FlowTemplate(
            organizationID: UUID(), ownerID: owner, name: "T",
            actions: [
                ActionDefinition(type: .todo, title: "Sign the form", assignee: .user(owner), due: due),
                ActionDefinition(type: .todo, title: "Later", assignee: .user(owner), due: .days(1)),
            ], createdAt: start)
        return try Flow.start(
            from: template, name: "F", owner: owner, members: [], variables: [:], context: context(at: start)).flow
    }

    func context(at now: Date) -> FlowContext {
        FlowContext(now: now, people: [owner: Person(name: "Olga", email: "olga@bank.example")], timeZone: zurich)
    }

    @Test("due soon a day ahead, overdue after the due date, never twice")
    func dueSoonThenOverdue() throws {
        var flow = try flow(due: .days(3))
        let due = try #require(flow.actions[0].dueAt)
        #expect(flow.nextReminderAt == due.addingTimeInterval(-Flow.dueSoonWindow))
        #expect(flow.sendReminders(context: context(at: due.addingTimeInterval(-Flow.dueSoonWindow - 60))).isEmpty)

        let soon = flow.sendReminders(context: context(at: due.addingTimeInterval(-3600)))
        #expect(soon.map(\.kind) == [.actionDueSoon])
        #expect(soon.first?.text == "“Sign the form” is due within a day; it is Olga's to do")
        #expect(flow.sendReminders(context: context(at: due.addingTimeInterval(-60))).isEmpty)
        #expect(flow.nextReminderAt == due)

        let late = flow.sendReminders(context: context(at: due.addingTimeInterval(1)))
        #expect(late.map(\.kind) == [.actionOverdue])
        #expect(flow.sendReminders(context: context(at: due.addingTimeInterval(86400))).isEmpty)
        #expect(flow.nextReminderAt == nil)
    }

    @Test("an action found overdue gets only the overdue reminder; pending actions and no due date get none")
    func overdueOnly() throws {
        var flow = try flow(due: .days(1))
        let due = try #require(flow.actions[0].dueAt)
        let events = flow.sendReminders(context: context(at: due.addingTimeInterval(3 * 86400)))
        #expect(events.map(\.kind) == [.actionOverdue])
        #expect(events.first?.actionID == flow.actions[0].id, "the pending second action is not reminded")

        var none = try self.flow(due: .none)
        #expect(none.nextReminderAt == nil)
        #expect(none.sendReminders(context: context(at: start.addingTimeInterval(30 * 86400))).isEmpty)
    }
}
