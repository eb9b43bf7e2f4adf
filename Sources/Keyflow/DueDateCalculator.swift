import Foundation

/// Turns a due policy into an instant, on the organization's calendar.
///
/// An action is due at the end of its due day (23:59:59 local time), so "due in 3 days" gives the assignee
/// the whole of the third day whatever the hour the action started, and DST shifts never move the day.
public struct DueDateCalculator: Sendable {
    public let calendar: Calendar

    public init(timeZone: TimeZone) {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        self.calendar = calendar
    }

    public init(timeZoneIdentifier: String) {
        self.init(timeZone: TimeZone(identifier: timeZoneIdentifier) ?? TimeZone(identifier: "UTC")!)
    }

    /// The due instant of an action that becomes active at `start`; nil when the policy has no due date.
    public func dueDate(for policy: DuePolicy, activatedAt start: Date) -> Date? {
        switch policy.kind {
        case .none:
            return nil
        case .days:
            guard let days = policy.days else { return nil }
            let startDay = localDate(of: start)
            let day = policy.excludeWeekends ? adding(businessDays: days, to: startDay) : adding(days: days, to: startDay)
            return endOfDay(day)
        case .date:
            guard let date = policy.date else { return nil }
            return endOfDay(policy.excludeWeekends ? previousWeekday(onOrBefore: date) : date)
        }
    }

    public func localDate(of instant: Date) -> LocalDate {
        let parts = calendar.dateComponents([.year, .month, .day], from: instant)
        return LocalDate(year: parts.year!, month: parts.month!, day: parts.day!)
    }

    public func isWeekend(_ day: LocalDate) -> Bool {
        let weekday = calendar.component(.weekday, from: noon(of: day))
        return weekday == 1 || weekday == 7
    }

    public func adding(days: Int, to day: LocalDate) -> LocalDate {
        localDate(of: calendar.date(byAdding: .day, value: days, to: noon(of: day))!)
    }

    /// Steps forward one day at a time, counting only Monday to Friday; the result is always a weekday.
    public func adding(businessDays: Int, to day: LocalDate) -> LocalDate {
        var current = day
        var remaining = businessDays
        while remaining > 0 {
            current = adding(days: 1, to: current)
            if !isWeekend(current) { remaining -= 1 }
        }
        return current
    }

    /// A fixed due day on a weekend moves back to the Friday before: a deadline never slips later.
    public func previousWeekday(onOrBefore day: LocalDate) -> LocalDate {
        var current = day
        while isWeekend(current) { current = adding(days: -1, to: current) }
        return current
    }

    public func endOfDay(_ day: LocalDate) -> Date {
        let startOfNextDay = calendar.startOfDay(for: noon(of: adding(days: 1, to: day)))
        return startOfNextDay.addingTimeInterval(-1)
    }

    /// Noon never falls in a DST gap, so it is a safe anchor for day arithmetic.
    private func noon(of day: LocalDate) -> Date {
        calendar.date(from: DateComponents(year: day.year, month: day.month, day: day.day, hour: 12))!
    }
}
