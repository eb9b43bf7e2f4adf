import Foundation
import KeyflowJSON

/// A document's object read field by field from its `JSONTape`, as strict about kinds as `JSONDecoder`: an
/// optional field that is absent or null is nil, a field of the wrong kind is refused. A refusal carries no
/// detail: the caller reads the document again through `Codable`, whose error names the field.
struct DocumentObject {
    struct Refused: Error {}

    private let object: JSONTape.Element

    init(_ value: JSONTape.Element) throws(Refused) {
        guard value.isObject else { throw Refused() }
        object = value
    }

    private func present(_ key: String) -> JSONTape.Element? {
        guard let value = object[key], !value.isNull else { return nil }
        return value
    }

    private func required(_ key: String) throws(Refused) -> JSONTape.Element {
        guard let value = present(key) else { throw Refused() }
        return value
    }

    func text(_ key: String) throws(Refused) -> String { try Self.text(required(key)) }
    func optionalText(_ key: String) throws(Refused) -> String? { try present(key).map(Self.text) }

    func number(_ key: String) throws(Refused) -> Double { try Self.number(required(key)) }
    func optionalNumber(_ key: String) throws(Refused) -> Double? { try present(key).map(Self.number) }

    func integer(_ key: String) throws(Refused) -> Int { try Self.integer(required(key)) }
    func optionalInteger(_ key: String) throws(Refused) -> Int? { try present(key).map(Self.integer) }

    func optionalBool(_ key: String) throws(Refused) -> Bool? {
        guard let value = present(key) else { return nil }
        guard let bool = value.bool else { throw Refused() }
        return bool
    }

    func id(_ key: String) throws(Refused) -> UUID { try Self.id(required(key)) }
    func optionalID(_ key: String) throws(Refused) -> UUID? { try present(key).map(Self.id) }

    func date(_ key: String) throws(Refused) -> Date { Date(timeIntervalSinceReferenceDate: try number(key)) }
    func optionalDate(_ key: String) throws(Refused) -> Date? {
        try optionalNumber(key).map(Date.init(timeIntervalSinceReferenceDate:))
    }

    func choice<T: RawRepresentable<String>>(_ key: String) throws(Refused) -> T {
        guard let choice = T(rawValue: try text(key)) else { throw Refused() }
        return choice
    }

    func object(_ key: String) throws(Refused) -> DocumentObject { try DocumentObject(required(key)) }
    func optionalObject(_ key: String) throws(Refused) -> DocumentObject? { try present(key).map(DocumentObject.init) }

    func array<T>(_ key: String, _ item: (JSONTape.Element) throws(Refused) -> T) throws(Refused) -> [T] {
        guard let items = try optionalArray(key, item) else { throw Refused() }
        return items
    }

    func optionalArray<T>(_ key: String, _ item: (JSONTape.Element) throws(Refused) -> T) throws(Refused) -> [T]? {
        guard let value = present(key) else { return nil }
        guard let items = value.items else { throw Refused() }
        var result: [T] = []
        result.reserveCapacity(items.count)
        for value in items { result.append(try item(value)) }
        return result
    }

    func dictionary<T>(_ key: String, _ item: (JSONTape.Element) throws(Refused) -> T) throws(Refused) -> [String: T] {
        guard let entries = try required(key).fields else { throw Refused() }
        var result: [String: T] = .init(minimumCapacity: entries.count)
        for (name, value) in entries { result[name] = try item(value) }
        return result
    }

    // MARK: Leaves

    static func text(_ value: JSONTape.Element) throws(Refused) -> String {
        guard let text = value.text else { throw Refused() }
        return text
    }

    static func number(_ value: JSONTape.Element) throws(Refused) -> Double {
        guard let number = value.number else { throw Refused() }
        return number
    }

    /// Beyond 2^53 the tree's `Double` may have lost digits; `Codable`'s reading takes those.
    static func integer(_ value: JSONTape.Element) throws(Refused) -> Int {
        let number = try number(value)
        guard abs(number) < 9_007_199_254_740_992, let integer = Int(exactly: number) else { throw Refused() }
        return integer
    }

    static func id(_ value: JSONTape.Element) throws(Refused) -> UUID {
        guard let id = UUID(text: try text(value)) else { throw Refused() }
        return id
    }
}
