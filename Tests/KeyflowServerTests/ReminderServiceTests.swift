import Foundation
import HummingbirdTesting
import KeyflowServer
import Testing

@Suite("The reminder worker")
struct ReminderServiceTests {
    @Test("an active action's due-soon and overdue reminders reach the timeline once each", arguments: TestServer.stores)
    func reminders(store: TestServer.StoreKind) async throws {
        let clock = MovableClock()
        let server = try await TestServer.make(store) { configuration in
            configuration.reminderInterval = .milliseconds(50)
            configuration.sessionLifetime = 30 * 86400
        }
        try await server.run(.live, dependencies: Dependencies(clock: clock.appClock)) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let adminID = try await admin.userID()
            let flow = try await admin.object(
                .post, "/api/v1/flows",
                json: #"{"name": "Due", "actions": [{"type": "todo", "title": "Send the bill", "assignee": {"userId": "\#(adminID)"}, "due": {"kind": "days", "days": 3}}]}"#,
                expect: .created)
            let flowID = try #require(flow[string: "id"])
            let dueText = try #require(flow[list: "actions"][0][string: "dueAt"])
            let due = try #require(ISO8601DateFormatter().date(from: dueText))
            func reminders() async throws -> [String] {
                try await admin.timelineKinds(flowID).filter { $0 == "actionDueSoon" || $0 == "actionOverdue" }
            }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await reminders().isEmpty)

            clock.set(to: due.addingTimeInterval(-3600))
            for _ in 0..<100 where try await reminders().isEmpty { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await reminders() == ["actionDueSoon"])

            clock.set(to: due.addingTimeInterval(60))
            for _ in 0..<100 where try await reminders().count < 2 { try await Task.sleep(for: .milliseconds(20)) }
            try await Task.sleep(for: .milliseconds(200))
            #expect(try await reminders() == ["actionDueSoon", "actionOverdue"])
            let shown = try await admin.flow(flowID)
            #expect(shown[list: "actions"][0]["overdue"] as? Bool == true)
        }
    }
}
