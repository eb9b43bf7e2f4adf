import Foundation
import KeyflowJSON
import Testing

@Suite("Reading fields of JSON without building it (JSONTape)")
struct JSONTapeTests {
    func tape(_ text: String) throws(JSONParseError) -> JSONTape.Element {
        try JSONTape(parsing: text).root
    }

    /// Every field of every object in `tree`, looked up by name on the tape, is the tree's value.
    func expectSameFields(_ element: JSONTape.Element, _ tree: JSONValue, at path: String) {
        switch tree {
        case .object(let fields):
            #expect(element.fields?.map(\.name).sorted() == fields.keys.sorted(), "\(path)")
            for (name, value) in fields {
                guard let found = element[name] else {
                    Issue.record("\(path).\(name) not found")
                    continue
                }
                expectSameFields(found, value, at: "\(path).\(name)")
            }
        case .array(let items):
            #expect(element.items?.count == items.count, "\(path)")
            for (index, (found, value)) in zip(element.items ?? [], items).enumerated() {
                expectSameFields(found, value, at: "\(path)[\(index)]")
            }
        default:
            #expect(element.value == tree, "\(path)")
        }
    }

    @Test("every field of every documented Jumio payload reads as JSONDecoder reads it")
    func documentedPayloads() throws {
        for name in ["details-rejected", "details-warning", "details-expired", "details-unknown", "callback-processed"] {
            let url = try #require(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"))
            let data = try Data(contentsOf: url)
            let tree = try JSONDecoder().decode(JSONValue.self, from: data)
            let root = try JSONTape(parsing: data).root
            #expect(root.value == tree, "\(name)")
            expectSameFields(root, tree, at: name)
        }
    }

    @Test("a name is matched exactly: escaped names, repeats, prefixes, nesting")
    func names() throws {
        let root = try tape(#"{"a\u0062": 1, "a": 2, "abc": 3, "b": {"a": 4}, "a": 5, "": 6, "caf\u00e9": 7, "Zürich": 8}"#)
        #expect(root["ab"]?.number == 1)
        #expect(root["a"]?.number == 5, "a repeated name reads as its last value, as JSONDecoder reads it")
        #expect(root["abc"]?.number == 3)
        #expect(root["b"]?["a"]?.number == 4)
        #expect(root[""]?.number == 6)
        #expect(root["café"]?.number == 7)
        #expect(root["Zürich"]?.number == 8)
        #expect(root["abcd"] == nil)
        #expect(root["b"]?["b"] == nil)
        #expect(root["a"]?["a"] == nil, "a number has no fields")
        #expect(try tape("[1]")["a"] == nil)
        #expect(root.fields?.map(\.name) == ["ab", "a", "abc", "b", "a", "", "café", "Zürich"])
    }

    @Test("values read as what they are, and only as that")
    func values() throws {
        let root = try tape(#"""
            {"text": "https:\/\/example.com\/a \"q\" \u00e9 😀", "plain": "Zürich", "integer": -42, "fraction": 12.5,
             "exponent": 1.25e3, "long": 123456789012345678901, "yes": true, "no": false, "nothing": null,
             "list": [1, "two", [3], {"four": 4}], "empty": {}, "none": []}
            """#)
        #expect(root["text"]?.text == "https://example.com/a \"q\" é 😀")
        #expect(root["plain"]?.text == "Zürich")
        #expect(root["integer"]?.number == -42)
        #expect(root["fraction"]?.number == 12.5)
        #expect(root["exponent"]?.number == 1250)
        #expect(root["long"]?.number == Double("123456789012345678901"))
        #expect(root["yes"]?.bool == true)
        #expect(root["no"]?.bool == false)
        #expect(root["nothing"]?.isNull == true)
        #expect(root["integer"]?.text == nil)
        #expect(root["text"]?.number == nil)
        #expect(root["nothing"]?.bool == nil)
        #expect(root["list"]?.items?.map(\.value) == [.number(1), .string("two"), .array([.number(3)]), .object(["four": .number(4)])])
        #expect(root["list"]?.items?[3]["four"]?.number == 4)
        #expect(root["empty"]?.fields?.isEmpty == true)
        #expect(root["none"]?.items?.isEmpty == true)
        #expect(root["list"]?.fields == nil)
        #expect(root["empty"]?.items == nil)
    }

    @Test("a text that is not JSON is refused, where JSONValue refuses it", arguments: [
        ("", 0), ("{\"a\":1,}", 7), ("[1 2]", 3), ("01", 1), (#""\x""#, 3), (#""\ud800""#, 7), (#""open"#, 5),
        ("\"tab\there\"", 4), ("tru", 0), ("{} x", 3), ("1.", 2), ("-", 1), ("1e", 2), ("{\"a\" 1}", 5), ("1e999", 0),
        ("[1,", 3), ("@", 0),
    ])
    func refused(text: String, offset: Int) {
        #expect {
            try JSONTape(parsing: text)
        } throws: { error in
            (error as? JSONParseError)?.offset == offset
        }
    }

    @Test("invalid UTF-8 is refused, before, between and after escapes")
    func invalidUTF8() {
        for bytes: [UInt8] in [[0x22, 0x61, 0xFF, 0x22], [0x22, 0x5C, 0x6E, 0xC3, 0x22], [0x22, 0xFF, 0x5C, 0x6E, 0x22]] {
            #expect(throws: JSONParseError.self) { try JSONTape(parsing: Data(bytes)) }
        }
    }

    @Test("a quote, escape, control character or byte above ASCII is seen wherever it stands in a string")
    func specialBytesAnywhere() throws {
        for place in 0...17 {
            let before = String(repeating: "a", count: place)
            let after = String(repeating: "b", count: 17 - place) + "\u{7F}~ "
            #expect(try JSONValue(parsing: "\"\(before)\\n\(after)\"") == .string(before + "\n" + after))
            #expect(try JSONValue(parsing: "\"\(before)é\(after)\"") == .string(before + "é" + after))
            #expect(try JSONValue(parsing: "[\"\(before)\",\"\(after)\"]") == .array([.string(before), .string(after)]))
            #expect {
                try JSONValue(parsing: "\"\(before)\u{1F}\(after)\"")
            } throws: { error in
                (error as? JSONParseError)?.offset == 1 + place
            }
            let invalid = Data(Array("\"\(before)".utf8) + [0xFF] + Array("\(after)\"".utf8))
            #expect(throws: JSONParseError.self) { try JSONValue(parsing: invalid) }
        }
    }
}
