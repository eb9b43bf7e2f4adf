import Foundation
import Testing

@testable import KeyflowJSON

/// Dates in API answers: the text `JSONEncoder`'s `.iso8601` strategy writes, for any date.
@Suite("Dates as ISO 8601 text")
struct ISO8601TextTests {
    static func foundation(_ value: some Encodable) throws -> String {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = .withoutEscapingSlashes
        return String(decoding: try encoder.encode(value), as: UTF8.self)
    }

    static func ours(_ value: some Encodable) throws -> String {
        String(decoding: try JSONCoding.encoded(value, datesAsISO8601: true), as: UTF8.self)
    }

    @Test("every date is written as JSONEncoder writes it: leap days, before 1970, fractions rounded down, the edges")
    func sameAsFoundation() throws {
        var dates: [Double] = [
            0, 0.999, -0.5, -1, 951_782_400, 4_107_542_400, 1_795_000_000.7, -2_208_988_800.25,
            -12_212_553_600, -12_212_553_600.5, -62_135_596_800.5, 253_402_300_799.9, 253_402_300_800,
        ]
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<2_000 { dates.append(Double.random(in: -15_000_000_000...260_000_000_000, using: &generator)) }
        for seconds in dates {
            let date = Date(timeIntervalSince1970: seconds)
            #expect(try Self.ours([date]) == Self.foundation([date]), "\(seconds)")
        }
    }

    struct Answer: Codable {
        var id = UUID()
        var name = "Onboarding / KYC"
        var createdAt = Date(timeIntervalSince1970: 1_795_000_000.25)
        var completedAt: Date? = nil
        var dueAt: Date? = Date(timeIntervalSince1970: 1_795_086_400)
        var history = [Date(timeIntervalSince1970: 0)]
    }

    @Test("an answer with dates is the JSON JSONEncoder writes with .iso8601")
    func answer() throws {
        let answer = Answer()
        let ours = try JSONSerialization.jsonObject(with: Data(Self.ours(answer).utf8)) as? NSDictionary
        let theirs = try JSONSerialization.jsonObject(with: Data(Self.foundation(answer).utf8)) as? NSDictionary
        #expect(ours != nil && ours == theirs)
    }
}
