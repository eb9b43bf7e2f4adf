import Foundation

/// A date as `JSONEncoder`'s `.iso8601` strategy writes it (`2026-11-28T02:15:14Z`: UTC, whole seconds
/// rounded down), worked out with integer arithmetic instead of a calendar: API answers carry several dates
/// each. Foundation's calendar is Julian before October 1582, so dates outside 1583–9999 are left to it.
enum ISO8601Text {
    static func append(_ date: Date, to bytes: inout [UInt8]) {
        let seconds = date.timeIntervalSince1970.rounded(.down)
        guard seconds >= -12_212_553_600, seconds < 253_402_300_800, let whole = Int(exactly: seconds) else {
            return JSONLiteral.append(date.formatted(.iso8601), to: &bytes)
        }
        let (days, second) = CivilDate.split(secondsSince1970: whole)
        let (year, month, day) = CivilDate.date(daysSince1970: days)
        bytes.append(UInt8(ascii: "\""))
        digits(year, 4, &bytes)
        bytes.append(UInt8(ascii: "-"))
        digits(month, 2, &bytes)
        bytes.append(UInt8(ascii: "-"))
        digits(day, 2, &bytes)
        bytes.append(UInt8(ascii: "T"))
        digits(second / 3600, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        digits(second % 3600 / 60, 2, &bytes)
        bytes.append(UInt8(ascii: ":"))
        digits(second % 60, 2, &bytes)
        bytes.append(contentsOf: "Z\"".utf8)
    }

    private static func digits(_ value: Int, _ width: Int, _ bytes: inout [UInt8]) {
        var divisor = 1
        for _ in 1..<width { divisor *= 10 }
        var rest = value
        while divisor > 0 {
            bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor))
            rest %= divisor
            divisor /= 10
        }
    }
}

/// The proleptic Gregorian calendar in integer arithmetic, for the dates written as text in every answer
/// (here and in HTTP's `Date` field), where Foundation's calendar would cost far more.
public enum CivilDate {
    /// The day since 1970-01-01 and the second of that day (days before 1970 count down from -1).
    public static func split(secondsSince1970 seconds: Int) -> (days: Int, secondOfDay: Int) {
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        return secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
    }

    /// The date `days` after 1970-01-01 (Howard Hinnant's `civil_from_days`).
    public static func date(daysSince1970 days: Int) -> (year: Int, month: Int, day: Int) {
        let shifted = days + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = dayOfYear - (153 * shiftedMonth + 2) / 5 + 1
        let month = shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
