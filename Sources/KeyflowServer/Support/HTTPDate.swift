import Foundation
import KeyflowJSON
import Synchronization

/// The `Date` field of answers written outside Hummingbird's responder, which adds it to the rest: an
/// IMF-fixdate (RFC 9110), made once a second.
enum HTTPDate {
    private static let latest = Mutex((second: Int.min, text: ""))

    static func now() -> String {
        let second = Int(Date().timeIntervalSince1970.rounded(.down))
        return latest.withLock { latest in
            if latest.second != second { latest = (second, text(second)) }
            return latest.text
        }
    }

    private static let weekdays = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
    private static let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]

    /// `Sun, 06 Nov 1994 08:49:37 GMT` for 784111777.
    static func text(_ secondsSince1970: Int) -> String {
        let (days, second) = CivilDate.split(secondsSince1970: secondsSince1970)
        let (year, month, day) = CivilDate.date(daysSince1970: days)
        let weekday = (days % 7 + 11) % 7  // 1970-01-01 was a Thursday
        func two(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        return "\(weekdays[weekday]), \(two(day)) \(months[month - 1]) \(year) "
            + "\(two(second / 3600)):\(two(second / 60 % 60)):\(two(second % 60)) GMT"
    }
}
