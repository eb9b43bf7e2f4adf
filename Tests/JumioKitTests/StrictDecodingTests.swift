import Foundation
import KeyflowJSON
import Testing

@Suite("Refusing JSON fields a value has no place for (JSONCoding.decodeStrictly)")
struct StrictDecodingTests {
    struct Credentials: Codable, Equatable {
        var clientId: String
        var clientSecret: String
        var note: String?
    }

    struct Step: Codable, Equatable {
        var title: String
        var credentials: Credentials?
        var labels: [String: String]?
        var extra: JSONValue?
    }

    struct Plan: Codable, Equatable {
        var name: String
        var steps: [Step]
    }

    /// Its JSON names are not its property names.
    struct Renamed: Codable, Equatable {
        var userID: String
        enum CodingKeys: String, CodingKey { case userID = "userId" }
    }

    /// Read as one of two shapes, as the API's assignee is.
    enum OneOrMany: Decodable, Equatable {
        case one(Renamed)
        case many([Renamed])

        init(from decoder: any Decoder) throws {
            if let many = try? decoder.singleValueContainer().decode([Renamed].self) {
                self = .many(many)
            } else {
                self = .one(try Renamed(from: decoder))
            }
        }
    }

    func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONCoding.decodeStrictly(type, from: JSONTape(parsing: text).root, parsedFrom: Data(text.utf8))
    }

    @Test("a field no property reads is refused with its path and the fields that are read, however deep")
    func unknownFieldsWithTheirPath() throws {
        #expect(throws: UnknownField(path: "colour", known: ["name", "steps"])) {
            try decode(Plan.self, #"{"name": "p", "steps": [], "colour": "red"}"#)
        }
        #expect(throws: UnknownField(path: "steps.2.credentials.nte", known: ["clientId", "clientSecret", "note"])) {
            try decode(
                Plan.self, #"{"name": "p", "steps": [{"title": "a"}, {"title": "b", "credentials": {"clientId": "c", "clientSecret": "s", "nte": "n"}}]}"#)
        }
    }

    @Test("optional fields left out, dictionaries' keys and free-form JSON are no unknown fields")
    func dataIsNotFields() throws {
        let plan = try decode(
            Plan.self,
            #"{"name": "p", "steps": [{"title": "a", "labels": {"anything": "goes"}, "extra": {"free": {"form": 1}}, "credentials": {"clientId": "c", "clientSecret": "s"}}]}"#)
        #expect(plan.steps[0].labels == ["anything": "goes"] && plan.steps[0].credentials?.note == nil)
        #expect(plan.steps[0].extra == .object(["free": .object(["form": .number(1)])]))
    }

    @Test("a type's own JSON names and a value read as one of two shapes are checked as they are read")
    func customDecoding() throws {
        #expect(try decode(Renamed.self, #"{"userId": "u"}"#) == Renamed(userID: "u"))
        #expect(throws: UnknownField(path: "userID", known: ["userId"])) { try decode(Renamed.self, #"{"userId": "u", "userID": "v"}"#) }
        #expect(try decode(OneOrMany.self, #"[{"userId": "a"}, {"userId": "b"}]"#) == .many([Renamed(userID: "a"), Renamed(userID: "b")]))
        #expect(throws: UnknownField(path: "role", known: ["userId"])) { try decode(OneOrMany.self, #"{"userId": "a", "role": "x"}"#) }
        #expect(throws: UnknownField(path: "2.role", known: ["userId"])) { try decode(OneOrMany.self, #"[{"userId": "a"}, {"userId": "b", "role": "x"}]"#) }
    }
}
