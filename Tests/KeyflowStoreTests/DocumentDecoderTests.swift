import Foundation
import Keyflow
import Testing

@testable import KeyflowStore

/// The store's JSON reader: it reads what the store writes exactly as `JSONDecoder` does, and refuses what
/// `JSONDecoder` refuses.
@Suite("Document decoder")
struct DocumentDecoderTests {
    typealias Everything = DocumentEncoderTests.Everything

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

    @Test("every kind of value the store writes reads back equal from the tree, without JSONDecoder")
    func everything() throws {
        var value = Everything()
        value.integers = [-9_007_199_254_740_991, -1, 0, 9_007_199_254_740_991]
        value.unsigned = 42
        let text = try DocumentEncoder.encode(value)
        #expect(try DocumentDecoder.fromTree(Everything.self, text) == value)
    }

    @Test("integers beyond 2^53 are read exactly, by JSONDecoder")
    func exactIntegers() throws {
        let value = Everything()
        let text = try DocumentEncoder.encode(value)
        #expect(throws: NeedsExactNumbers.self) { try DocumentDecoder.fromTree(Everything.self, text) }
        let read = try DocumentDecoder.decode(Everything.self, from: text)
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
        let text = try DocumentEncoder.encode(flow)
        #expect(try DocumentDecoder.fromTree(Flow.self, text) == flow)
        #expect(try DocumentDecoder.fromTree(Flow.self, String(decoding: JSONEncoder().encode(flow), as: UTF8.self)) == flow)
    }

    @Test("null items and explicit optionals read as nil; ids read in either case")
    func optionalsAndIds() throws {
        #expect(try DocumentDecoder.fromTree(Holes.self, #"{"items": ["a", null, "b"], "explicit": null}"#)
            == Holes(items: ["a", nil, "b"], explicit: nil))
        let id = UUID.random()
        #expect(try DocumentDecoder.fromTree([UUID].self, #"["\#(id.uuidString)", "\#(id.uuidString.lowercased())"]"#) == [id, id])
    }

    @Test("a value of the wrong kind is refused, as JSONDecoder refuses it", arguments: [
        #"{"flag": 1}"#, #"{"flag": "true"}"#, #"{"flag": null}"#, #"{}"#,
    ])
    func wrongBoolean(text: String) {
        #expect(throws: DecodingError.self) { try DocumentDecoder.decode(Flag.self, from: text) }
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
            #expect(try DocumentDecoder.decode(Maybe.self, from: text) == expected)
        } else {
            #expect(throws: DecodingError.self) { try DocumentDecoder.decode(Maybe.self, from: text) }
        }
    }

    @Test("numbers: a fraction is not an integer, text is not a number")
    func wrongNumbers() {
        #expect(throws: DecodingError.self) { try DocumentDecoder.decode(Count.self, from: #"{"count": 1.5}"#) }
        #expect(throws: DecodingError.self) { try DocumentDecoder.decode(Count.self, from: #"{"count": 300000000000000000000}"#) }
        #expect(throws: DecodingError.self) { try DocumentDecoder.decode(Amount.self, from: #"{"amount": "12"}"#) }
        #expect(throws: DecodingError.self) { try DocumentDecoder.decode([UUID].self, from: #"["not-an-id"]"#) }
    }

    @Test("a missing field is named in the error; text that is not JSON is refused")
    func errors() {
        #expect {
            try DocumentDecoder.decode(Count.self, from: "{}")
        } throws: { error in
            "\(error)".contains("\"count\"")
        }
        #expect(throws: (any Error).self) { try DocumentDecoder.decode(Count.self, from: #"{"count": "#) }
    }
}
