import Foundation
import JumioKit
import KeyflowJSON
import Testing

@Suite("Reading JSON without Codable")
struct JSONParserTests {
    /// An integer with more digits than a Double holds: it reads as the nearest Double, as in JSONDecoder.
    static let tooLongToBeExact = Double("123456789012345678901")!

    func parse(_ text: String) throws(JSONParseError) -> JSONValue {
        try JSONValue(parsing: Data(text.utf8))
    }

    @Test("every documented Jumio payload reads exactly as JSONDecoder reads it")
    func sameAsFoundation() throws {
        let names = [
            "details-rejected", "details-warning", "details-expired", "details-unknown", "callback-processed",
            "callback-unknown-status",
        ]
        for name in names {
            let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
            let data = try Data(contentsOf: url)
            #expect(try JSONValue(parsing: data) == JSONDecoder().decode(JSONValue.self, from: data), "\(name)")
        }
    }

    @Test("strings: every escape, surrogate pairs, and UTF-8 as written")
    func strings() throws {
        #expect(try parse(#""a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00""#) == .string("a\"b\\c/d\u{08}\u{0C}\n\r\té😀"))
        #expect(try parse(#""Zürich 😀 東京""#) == .string("Zürich 😀 東京"))
        #expect(try parse(#""Zü\nrich 東\/京 😀""#) == .string("Zü\nrich 東/京 😀"))
        #expect(try parse(#""https:\/\/example.com\/a""#) == .string("https://example.com/a"))
        #expect(try parse(#""plain" "#) == .string("plain"))
        #expect(try parse(#""\u0041BC\u0000""#) == .string("ABC\u{0}"))
        #expect(try parse(#""""#) == .string(""))
    }

    @Test("numbers: integers, fractions, exponents, and integers too long to be exact")
    func numbers() throws {
        #expect(try parse("[0, -0, 7, -42, 12.5, 1.25e3, -1E-2, 1e+2, 123456789012345678901]") == .array([
            .number(0), .number(-0.0), .number(7), .number(-42), .number(12.5), .number(1250), .number(-0.01),
            .number(100), .number(Self.tooLongToBeExact),
        ]))
        #expect(try parse("999999999999999") == .number(999_999_999_999_999))
    }

    @Test("objects and arrays, nested and empty, with whitespace anywhere")
    func containers() throws {
        let value = try parse(" {\n\t\"a\" : [ true , false , null , { } , [ ] ] , \"b\":{\"c\":\"d\"}\r\n} ")
        #expect(value == .object([
            "a": .array([.bool(true), .bool(false), .null, .object([:]), .array([])]),
            "b": .object(["c": .string("d")]),
        ]))
        // Nested objects with the same names keep apart; a name repeated in one object keeps its last value.
        #expect(try parse(#"{"a": 1, "b": {"a": 2, "c": {"a": 3}, "d": [{"a": 5}]}, "a": 4}"#) == .object([
            "a": .number(4), "b": .object(["a": .number(2), "c": .object(["a": .number(3)]), "d": .array([.object(["a": .number(5)])])]),
        ]))
    }

    @Test("a text that is not JSON is refused with where and why", arguments: [
        ("", 0, "ends"), ("{\"a\":1,}", 7, "field name"), ("[1 2]", 3, "',' or ']'"), ("01", 1, "after the value"),
        (#""\x""#, 3, "escape"), (#""\ud800""#, 7, "surrogate"), (#""open"#, 5, "not closed"),
        ("\"tab\there\"", 4, "control character"), ("tru", 0, "true"), ("{} x", 3, "after the value"),
        ("1.", 2, "'.'"), ("-", 1, "'-'"), ("1e", 2, "exponent"), ("{\"a\" 1}", 5, "':'"), ("1e999", 0, "out of range"),
        ("[1,", 3, "ends"), ("@", 0, "'@'"),
    ])
    func refused(text: String, offset: Int, reason: String) {
        #expect {
            try parse(text)
        } throws: { error in
            guard let error = error as? JSONParseError else { return false }
            return error.offset == offset && error.reason.contains(reason)
        }
    }

    @Test("invalid UTF-8 inside a string is refused, not repaired")
    func invalidUTF8() {
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data([0x22, 0x61, 0xFF, 0x22])) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data([0x22, 0x5C, 0x6E, 0xC3, 0x22])) }
        #expect(throws: JSONParseError.self) { try JSONValue(parsing: Data([0x22, 0xFF, 0x5C, 0x6E, 0x22])) }
    }

    @Test("nesting deeper than the limit is refused instead of exhausting the stack")
    func deepNesting() throws {
        let deep = String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000)
        #expect(throws: JSONParseError.self) { try parse(deep) }
        let allowed = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(try parse(allowed) != .null)
    }

    @Test("written JSON reads back as the same value, here and in JSONDecoder")
    func writtenReadsBack() throws {
        let value: JSONValue = .object([
            "text": .string("quote \" backslash \\ slash / newline \n tab \t bell \u{07} Zürich 😀"),
            "numbers": .array([.number(0), .number(-42), .number(12.5), .number(1e-7), .number(Self.tooLongToBeExact)]),
            "flags": .array([.bool(true), .bool(false), .null]), "empty": .object([:]), "none": .array([]),
            "nested": .object(["deeper": .object(["list": .array([.object(["k": .string("v")])])])]),
        ])
        let bytes = value.serialized
        #expect(try JSONValue(parsing: Data(bytes)) == value)
        #expect(try JSONDecoder().decode(JSONValue.self, from: Data(bytes)) == value)
        #expect(String(decoding: JSONValue.array([.number(31), .number(-0.5)]).serialized, as: UTF8.self) == "[31,-0.5]")
        #expect(String(decoding: JSONValue.number(.nan).serialized, as: UTF8.self) == "null")
    }

    @Test("a details field of an unexpected shape is left out without hiding its neighbours")
    func lenientDetails() throws {
        let text = #"""
            {"workflow": {"id": "w-1", "status": 7, "definitionKey": "10013"},
             "decision": {"type": "PASSED", "risk": {"score": "high"}},
             "credentials": [{"id": "c-1", "category": "ID"}, "oops"],
             "capabilities": {"usability": "oops", "extraction": [{"id": "x", "data": {"firstName": "JANE"}}, 3]}}
            """#
        let details = try JumioExecutionDetails(json: Data(text.utf8))
        #expect(details.workflow?.id == "w-1")
        #expect(details.workflow?.status == nil)
        #expect(details.workflow?.definitionKey == "10013")
        #expect(details.decision?.type == .passed)
        #expect(details.decision?.risk?.score == nil)
        #expect(details.credentials.map(\.id) == ["c-1"])
        #expect(details.capabilities["usability"] == nil)
        #expect(details.extraction?["firstName"]?.text == "JANE")
        #expect(throws: JSONParseError.self) { try JumioExecutionDetails(json: Data("[1]".utf8)) }
    }
}
