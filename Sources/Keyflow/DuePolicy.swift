import Foundation

/// A calendar day without a time, as people write due dates (`2026-12-01`).
public struct LocalDate: Codable, Sendable, Hashable, Comparable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init(year: Int, month: Int, day: Int) {
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`, refusing impossible days such as `2026-02-30`.
    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let components = DateComponents(year: year, month: month, day: day)
        guard components.isValidDate(in: calendar) else { return nil }
        self.init(year: year, month: month, day: day)
    }

    public var description: String { String(format: "%04d-%02d-%02d", year, month, day) }

    public static func < (lhs: Self, rhs: Self) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let date = LocalDate(text) else {
            throw DecodingError.dataCorrupted(
                .init(codingPath: decoder.codingPath, debugDescription: "'\(text)' is not a date of the form YYYY-MM-DD"))
        }
        self = date
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}

/// When an action is due, as the builder chose it: the presets (3, 5, 7, 14 days) and custom counts are all `days`.
public struct DuePolicy: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        case none
        case days
        case date
    }

    public var kind: Kind
    /// Days counted from the day the action becomes active (`kind == .days`).
    public var days: Int?
    /// A fixed day (`kind == .date`).
    public var date: LocalDate?
    /// Count Monday to Friday only, and never fall due on a Saturday or Sunday.
    public var excludeWeekends: Bool

    public init(kind: Kind, days: Int? = nil, date: LocalDate? = nil, excludeWeekends: Bool = false) {
        self.kind = kind
        self.days = days
        self.date = date
        self.excludeWeekends = excludeWeekends
    }

    public static let none = DuePolicy(kind: .none)
    public static func days(_ count: Int, excludeWeekends: Bool = false) -> Self {
        .init(kind: .days, days: count, excludeWeekends: excludeWeekends)
    }
    public static func on(_ date: LocalDate, excludeWeekends: Bool = false) -> Self {
        .init(kind: .date, date: date, excludeWeekends: excludeWeekends)
    }

    public static let maximumDays = 3650

    enum CodingKeys: String, CodingKey { case kind, days, date, excludeWeekends }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        kind = try container.decode(Kind.self, forKey: .kind)
        days = try container.decodeIfPresent(Int.self, forKey: .days)
        date = try container.decodeIfPresent(LocalDate.self, forKey: .date)
        excludeWeekends = try container.decodeIfPresent(Bool.self, forKey: .excludeWeekends) ?? false
    }

    /// Refuses policies that cannot produce a due date, naming the field at fault.
    public func validate(field: String) throws(DomainError) {
        switch kind {
        case .none:
            return
        case .days:
            guard let days else {
                throw .invalid("a due date of kind 'days' needs the number of days", field: "\(field).days")
            }
            guard (1...Self.maximumDays).contains(days) else {
                throw .invalid("days must be between 1 and \(Self.maximumDays), got \(days)", field: "\(field).days")
            }
        case .date:
            guard date != nil else {
                throw .invalid("a due date of kind 'date' needs a date (YYYY-MM-DD)", field: "\(field).date")
            }
        }
    }
}
