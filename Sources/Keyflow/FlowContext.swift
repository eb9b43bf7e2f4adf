import Foundation

/// What a state change needs to know of the world: the time, the people it names, the organization's calendar.
public struct FlowContext: Sendable {
    public var now: Date
    public var people: [UUID: Person]
    public var calendar: DueDateCalculator

    public init(now: Date, people: [UUID: Person], timeZone: TimeZone) {
        self.now = now
        self.people = people
        self.calendar = DueDateCalculator(timeZone: timeZone)
    }

    func name(of userID: UUID?) -> String {
        guard let userID else { return "nobody" }
        return people[userID]?.name ?? "a former member"
    }
}
