import Foundation
import Keyflow
import Testing

@testable import KeyflowJSON
@testable import KeyflowStore

/// The store's JSON reader: it reads what the store writes exactly as `JSONDecoder` does, and refuses what
/// `JSONDecoder` refuses. Refusals are checked on the tape's decoder alone (`fromTape`), since `JSONCoding`
/// reads a refused value again with `JSONDecoder` for its error.
@Suite("Document decoder")
struct DocumentDecoderTests {
    typealias Everything = DocumentEncoderTests.Everything

    /// The value read from the parsed tape alone, without `JSONDecoder` behind it.
    func fromTape<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONTapeDecoder.decode(type, from: JSONTape(parsing: text).root)
    }

    struct Flag: Codable { var flag: Bool }
    struct Count: Codable { var count: Int }
    struct Amount: Codable { var amount: Double }
    struct Holes: Codable, Equatable {
        var items: [String?]
        var explicit: String?
        enum CodingKeys: CodingKey { case items, explicit }
        init(items: [String?], explicit: String?) {
            self.items = items
            self.explicit = explicit
        }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            items = try container.decode([String?].self, forKey: .items)
            explicit = try container.decode(String?.self, forKey: .explicit)
        }
    }

    @Test("every kind of value the store writes reads back equal from the tape, without JSONDecoder")
    func everything() throws {
        var value = Everything()
        value.integers = [-9_007_199_254_740_991, -1, 0, 9_007_199_254_740_991]
        value.unsigned = 42
        let text = try JSONCoding.encodedText(value)
        #expect(try fromTape(Everything.self, text) == value)
    }

    @Test("integers beyond 2^53 are read exactly, by JSONDecoder")
    func exactIntegers() throws {
        let value = Everything()
        let text = try JSONCoding.encodedText(value)
        #expect(throws: NeedsExactNumbers.self) { try fromTape(Everything.self, text) }
        let read = try JSONCoding.decode(Everything.self, from: text)
        #expect(read == value)
        #expect(read.integers == [.min, -1, 0, .max])
        #expect(read.unsigned == .max)
    }

    @Test("a flow with forms, Jumio settings, due dates and outputs reads back equal")
    func flow() throws {
        var (flow, _) = try Seed().flow()
        flow.actions[0].definition.form = FormSpec(fields: [
            FormField(name: "country", label: "Country", type: .choice, required: true, options: ["CH", "DE"]),
        ])
        flow.actions[1].definition.due = DuePolicy(kind: .days, days: 3, excludeWeekends: true)
        let text = try JSONCoding.encodedText(flow)
        #expect(try fromTape(Flow.self, text) == flow)
        #expect(try fromTape(Flow.self, String(decoding: JSONEncoder().encode(flow), as: UTF8.self)) == flow)
    }

    @Test("null items and explicit optionals read as nil; ids read in either case")
    func optionalsAndIds() throws {
        #expect(try fromTape(Holes.self, #"{"items": ["a", null, "b"], "explicit": null}"#)
            == Holes(items: ["a", nil, "b"], explicit: nil))
        let id = UUID.random()
        #expect(try fromTape([UUID].self, #"["\#(id.uuidString)", "\#(id.uuidString.lowercased())"]"#) == [id, id])
    }

    @Test("a value of the wrong kind is refused, as JSONDecoder refuses it", arguments: [
        #"{"flag": 1}"#, #"{"flag": "true"}"#, #"{"flag": null}"#, #"{}"#,
    ])
    func wrongBoolean(text: String) {
        #expect(throws: DecodingError.self) { try fromTape(Flag.self, text) }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Flag.self, from: text) }
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(Flag.self, from: Data(text.utf8)) }
    }

    struct Maybe: Codable, Equatable {
        var text: String?
        var flag: Bool?
        var amount: Double?
        var count: Int?
        var id: UUID?
    }

    @Test("optional fields: absent or null is nil, a value of the wrong kind is refused", arguments: [
        (#"{}"#, Maybe()),
        (#"{"text": null, "flag": null, "amount": null, "count": null, "id": null}"#, Maybe()),
        (#"{"text": "a", "flag": false, "amount": 2.5, "count": 3, "id": "00000000-0000-0000-0000-0000000000AB"}"#,
         Maybe(text: "a", flag: false, amount: 2.5, count: 3, id: UUID(uuidString: "00000000-0000-0000-0000-0000000000AB"))),
        (#"{"text": 1}"#, nil), (#"{"flag": "yes"}"#, nil), (#"{"amount": "2"}"#, nil), (#"{"count": 1.5}"#, nil),
        (#"{"id": "x"}"#, nil),
    ] as [(String, Maybe?)])
    func optionalFields(text: String, expected: Maybe?) throws {
        let standard = try? JSONDecoder().decode(Maybe.self, from: Data(text.utf8))
        #expect(standard == expected)
        if let expected {
            #expect(try fromTape(Maybe.self, text) == expected)
        } else {
            #expect(throws: DecodingError.self) { try fromTape(Maybe.self, text) }
        }
    }

    @Test("numbers: a fraction is not an integer, text is not a number")
    func wrongNumbers() {
        #expect(throws: DecodingError.self) { try fromTape(Count.self, #"{"count": 1.5}"#) }
        #expect(throws: (any Error).self) { try fromTape(Count.self, #"{"count": 300000000000000000000}"#) }
        #expect(throws: DecodingError.self) { try JSONCoding.decode(Count.self, from: #"{"count": 300000000000000000000}"#) }
        #expect(throws: DecodingError.self) { try fromTape(Amount.self, #"{"amount": "12"}"#) }
        #expect(throws: DecodingError.self) { try fromTape([UUID].self, #"["not-an-id"]"#) }
    }

    struct Wrapper: Codable { var inner: [Count] }

    @Test("an error names the path to the field at fault; text that is not JSON is refused")
    func errors() {
        #expect {
            try JSONCoding.decode(Count.self, from: "{}")
        } throws: { error in
            "\(error)".contains("\"count\"")
        }
        #expect {
            try JSONCoding.decode(Wrapper.self, from: #"{"inner": [{"count": 1}, {"count": "2"}]}"#)
        } throws: { error in
            guard case DecodingError.typeMismatch(_, let context) = error else { return false }
            return context.codingPath.map(\.stringValue) == ["inner", "Index 1", "count"]
        }
        #expect(throws: (any Error).self) { try JSONCoding.decode(Count.self, from: #"{"count": "#) }
    }
}
