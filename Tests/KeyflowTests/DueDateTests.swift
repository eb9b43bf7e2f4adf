import Foundation
import Keyflow
import Testing

@Suite("Due dates")
struct DueDateTests {
    let zurich = DueDateCalculator(timeZoneIdentifier: "Europe/Zurich")

    func instant(_ text: String, in calendar: DueDateCalculator) -> Date {
        let day = LocalDate(String(text.prefix(10)))!
        let hour = Int(text.dropFirst(11).prefix(2)) ?? 12
        return calendar.calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: hour))!
    }

    func dueDay(_ policy: DuePolicy, from start: String, in calendar: DueDateCalculator? = nil) -> String {
        let calendar = calendar ?? zurich
        let due = calendar.dueDate(for: policy, activatedAt: instant(start, in: calendar))!
        return calendar.localDate(of: due).description
    }

    @Test("no due date gives none")
    func noDueDate() {
        #expect(zurich.dueDate(for: .none, activatedAt: Date()) == nil)
    }

    @Test(
        "calendar days count every day",
        arguments: [
            ("2026-11-18T10", 3, "2026-11-21"),  // Wednesday + 3 = Saturday
            ("2026-11-18T10", 7, "2026-11-25"),
            ("2026-01-30T10", 3, "2026-02-02"),  // month end
            ("2028-02-27T10", 3, "2028-03-01"),  // leap year
            ("2026-12-30T23", 5, "2027-01-04"),  // year end, late evening
        ])
    func calendarDays(start: String, days: Int, expected: String) {
        #expect(dueDay(.days(days), from: start) == expected)
    }

    @Test(
        "business days skip weekends and never land on one",
        arguments: [
            ("2026-11-18T10", 3, "2026-11-23"),  // Wed + 3 business days = Mon
            ("2026-11-20T10", 1, "2026-11-23"),  // Fri + 1 = Mon
            ("2026-11-21T10", 1, "2026-11-23"),  // Sat + 1 = Mon
            ("2026-11-22T10", 5, "2026-11-27"),  // Sun + 5 = Fri
            ("2026-11-18T10", 14, "2026-12-08"),  // two weeks of business days
            ("2026-01-29T10", 3, "2026-02-03"),  // across a month end and a weekend
        ])
    func businessDays(start: String, days: Int, expected: String) {
        let due = dueDay(.days(days, excludeWeekends: true), from: start)
        #expect(due == expected)
        #expect(!zurich.isWeekend(LocalDate(due)!))
    }

    @Test("an action is due at the very end of its due day, local time")
    func endOfDay() {
        let due = zurich.dueDate(for: .days(3), activatedAt: instant("2026-11-18T09", in: zurich))!
        let parts = zurich.calendar.dateComponents([.hour, .minute, .second], from: due)
        #expect((parts.hour, parts.minute, parts.second) == (23, 59, 59))
    }

    @Test("the DST change in spring keeps the due day and the end-of-day hour")
    func acrossSpringForward() {
        // Europe/Zurich moves to summer time on 2026-03-29 (a Sunday).
        let due = zurich.dueDate(for: .days(2), activatedAt: instant("2026-03-28T23", in: zurich))!
        #expect(zurich.localDate(of: due).description == "2026-03-30")
        #expect(zurich.calendar.component(.hour, from: due) == 23)
        let business = zurich.dueDate(
            for: .days(1, excludeWeekends: true), activatedAt: instant("2026-03-27T12", in: zurich))!
        #expect(zurich.localDate(of: business).description == "2026-03-30")
    }

    @Test("the DST change in autumn keeps the due day in New York too")
    func acrossFallBack() {
        let newYork = DueDateCalculator(timeZoneIdentifier: "America/New_York")
        // New York leaves summer time on 2026-11-01.
        #expect(dueDay(.days(1), from: "2026-10-31T23", in: newYork) == "2026-11-01")
        let due = newYork.dueDate(for: .days(1), activatedAt: instant("2026-10-31T23", in: newYork))!
        #expect(newYork.calendar.component(.hour, from: due) == 23)
    }

    @Test("the day is the organization's, not UTC's")
    func organizationTimeZone() {
        let tokyo = DueDateCalculator(timeZoneIdentifier: "Asia/Tokyo")
        // 20:00 UTC on Friday 2026-11-20 is already Saturday in Tokyo.
        let start = Date(timeIntervalSince1970: 1_795_204_800)
        #expect(tokyo.localDate(of: start).description == "2026-11-21")
        let due = tokyo.dueDate(for: .days(1, excludeWeekends: true), activatedAt: start)!
        #expect(tokyo.localDate(of: due).description == "2026-11-23")
    }

    @Test("a fixed date on a weekend moves back to Friday only when weekends are excluded")
    func fixedDate() {
        let saturday = LocalDate("2026-11-28")!
        #expect(dueDay(.on(saturday), from: "2026-11-18T10") == "2026-11-28")
        #expect(dueDay(.on(saturday, excludeWeekends: true), from: "2026-11-18T10") == "2026-11-27")
        #expect(dueDay(.on(LocalDate("2026-11-30")!, excludeWeekends: true), from: "2026-11-18T10") == "2026-11-30")
    }

    @Test("impossible policies are refused with the field named")
    func validation() {
        #expect(throws: DomainError.invalid("a due date of kind 'days' needs the number of days", field: "due.days")) {
            try DuePolicy(kind: .days).validate(field: "due")
        }
        #expect(throws: DomainError.self) { try DuePolicy.days(0).validate(field: "due") }
        #expect(throws: DomainError.self) { try DuePolicy(kind: .date).validate(field: "due") }
        #expect(LocalDate("2026-02-30") == nil)
        #expect(LocalDate("2026-2-3") == nil)
    }

    @Test("overdue is derived from the due date and the clock")
    func overdue() throws {
        let world = World()
        var flow = try world.threeStepFlow()
        flow.actions[0].dueAt = world.now.addingTimeInterval(60)
        #expect(!flow.actions[0].isOverdue(at: world.now))
        #expect(flow.actions[0].isOverdue(at: world.now.addingTimeInterval(61)))
        #expect(!flow.actions[1].isOverdue(at: world.now.addingTimeInterval(1_000_000)))
    }
}
