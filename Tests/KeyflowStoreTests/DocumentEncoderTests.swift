import Foundation
import Keyflow
import Testing

@testable import KeyflowJSON
@testable import KeyflowStore

/// The store's JSON writer: what it writes reads back to the same value, and is the same JSON as
/// `JSONEncoder`'s (key order aside).
@Suite("Document encoder")
struct DocumentEncoderTests {
    enum Shape: Codable, Equatable {
        case none
        case circle(radius: Double)
        case labelled(String, Int)
    }

    struct Nothing: Codable, Equatable {
        func encode(to encoder: any Encoder) throws {}
        init() {}
        init(from decoder: any Decoder) throws {}
    }

    struct ExplicitNull: Codable, Equatable {
        var value: String?
        enum CodingKeys: CodingKey { case value }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(value, forKey: .value)
        }
    }

    /// Asks for a super-encoder and leaves it unused, then writes a key of its own.
    struct UnusedSuper: Codable, Equatable {
        var count = 1
        enum CodingKeys: CodingKey { case count }
        init() {}
        init(from decoder: any Decoder) throws {
            count = try decoder.container(keyedBy: CodingKeys.self).decode(Int.self, forKey: .count)
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            _ = container.superEncoder()
            try container.encode(count, forKey: .count)
        }
    }

    struct Everything: Codable, Equatable {
        var text = "quote \" backslash \\ slash / newline \n tab \t bell \u{7} nul \u{0} Zoë 🧾"
        var numbers: [Double] = [0, -0.5, 0.1, 1e-7, 1e300, 123_456_789, .pi, 817_431_841.746_090_8, -2.5e15]
        var integers: [Int64] = [.min, -1, 0, .max]
        var unsigned = UInt64.max
        var small: Int8 = -128
        var flag = true
        var missing: String? = nil
        var present: String? = "here"
        var null = ExplicitNull(value: nil)
        var nested: [[Int]] = [[], [1], [2, 3]]
        var empty: [String: Int] = [:]
        var counts: [String: Int] = ["a": 1, "b": 2]
        var byID: [UUID: String] = [UUID(): "one"]
        var date = Date(timeIntervalSinceReferenceDate: 817_431_841.746_090_8)
        var bytes = Data([0, 1, 254, 255])
        var address = URL(string: "https://example.test/a?b=c")!
        var shapes: [Shape] = [.none, .circle(radius: 2.5), .labelled("x", 3)]
        var nothing = Nothing()
        var unusedSuper = UnusedSuper()
    }

    static func sameJSON(_ first: String, _ second: Data) throws -> Bool {
        let left = try JSONSerialization.jsonObject(with: Data(first.utf8), options: [.fragmentsAllowed]) as? NSObject
        let right = try JSONSerialization.jsonObject(with: second, options: [.fragmentsAllowed]) as? NSObject
        return left != nil && left == right
    }

    @Test("every kind of value reads back equal, and is the JSON JSONEncoder writes")
    func everything() throws {
        let value = Everything()
        let text = try JSONCoding.encodedText(value)
        #expect(try JSONDecoder().decode(Everything.self, from: Data(text.utf8)) == value)
        #expect(try Self.sameJSON(text, JSONEncoder().encode(value)), "\(text)")
    }

    @Test("a flow with forms, Jumio settings, due dates and outputs reads back equal")
    func flow() throws {
        var (flow, _) = try Seed().flow()
        flow.actions[0].definition.description = "Line one\nsays \"hi\" to {{role.Client.name}} 👋"
        flow.actions[0].definition.form = FormSpec(fields: [
            FormField(name: "country", label: "Country", type: .choice, required: true, options: ["CH", "DE"]),
        ])
        flow.actions[1].definition.due = DuePolicy(kind: .days, days: 3, excludeWeekends: true)
        let text = try JSONCoding.encodedText(flow)
        #expect(try JSONDecoder().decode(Flow.self, from: Data(text.utf8)) == flow)
        #expect(try Self.sameJSON(text, JSONEncoder().encode(flow)))
        #expect(try Documents.decode(Flow.self, Documents.encode(flow), entity: "flow", id: "f") == flow)
    }

    @Test("a number JSON cannot hold is refused", arguments: [Double.nan, .infinity, -.infinity])
    func notANumber(value: Double) {
        #expect(throws: EncodingError.self) { try JSONCoding.encodedText([value]) }
    }

    @Test("top-level values of every shape")
    func topLevel() throws {
        #expect(try JSONCoding.encodedText("a\"b") == #""a\"b""#)
        #expect(try JSONCoding.encodedText(42) == "42")
        #expect(try JSONCoding.encodedText([String]()) == "[]")
        #expect(try JSONCoding.encodedText(Nothing()) == "{}")
        #expect(try JSONCoding.encodedText(["k": ["v"]]) == #"{"k":["v"]}"#)
        #expect(try JSONCoding.encodedText(String?.none) == "null")
    }
}
