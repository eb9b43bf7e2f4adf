import Foundation

/// Reads a `Decodable` value from JSON text: the text parsed once into a `JSONValue` tree, then the value read
/// from the tree. `JSONDecoder` spent most of its time in generic bookkeeping per field. It reads what
/// `JSONStream` and `JSONEncoder` (default strategies) write exactly as `JSONDecoder` does (dates as seconds
/// since 2001, `Data` as base64, UUIDs in either case) and is as strict about kinds: a number is not a
/// boolean, a string is not a number.
enum JSONTreeDecoder {
    static func decode<T: Decodable>(_ type: T.Type, from tree: JSONValue) throws -> T {
        try TreeDecoder.read(T.self, from: tree)
    }
}

/// A number the tree cannot give exactly.
struct NeedsExactNumbers: Error {}

private struct TreeDecoder: Decoder {
    let value: JSONValue
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Types whose own `init(from:)` would read them more slowly, or differently from how they were written.
    /// (Compared by identity: most calls are not specialized, and a cast of `T.self` is a search at run time.)
    static func read<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        if T.self == String.self { return try string(value) as! T }
        if T.self == UUID.self {
            guard let id = UUID(text: try string(value)) else { throw mismatch(T.self, value, "a UUID") }
            return id as! T
        }
        if T.self == Date.self { return Date(timeIntervalSinceReferenceDate: try number(value)) as! T }
        if T.self == Data.self {
            guard let data = Data(base64Encoded: try string(value)) else { throw mismatch(T.self, value, "base64 text") }
            return data as! T
        }
        if T.self == URL.self {
            guard let url = URL(string: try string(value)) else { throw mismatch(T.self, value, "a URL") }
            return url as! T
        }
        if T.self == Decimal.self { throw NeedsExactNumbers() }
        return try T(from: TreeDecoder(value: value))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let fields) = value else { throw Self.mismatch([String: Any].self, value, "an object") }
        return KeyedDecodingContainer(KeyedTree<Key>(fields: fields))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let items) = value else { throw Self.mismatch([Any].self, value, "an array") }
        return UnkeyedTree(items: items)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleTree(value: value) }

    // MARK: Leaves, as strict as JSONDecoder

    static func string(_ value: JSONValue) throws -> String {
        guard case .string(let text) = value else { throw mismatch(String.self, value, "text") }
        return text
    }

    static func number(_ value: JSONValue) throws -> Double {
        guard case .number(let number) = value else { throw mismatch(Double.self, value, "a number") }
        return number
    }

    static func bool(_ value: JSONValue) throws -> Bool {
        guard case .bool(let bool) = value else { throw mismatch(Bool.self, value, "true or false") }
        return bool
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONValue) throws -> T {
        let number = try number(value)
        // Beyond 2^53 the tree's Double may have lost digits the text had.
        guard abs(number) < 9_007_199_254_740_992 else { throw NeedsExactNumbers() }
        guard let integer = T(exactly: number) else { throw mismatch(T.self, value, "a whole number that fits \(T.self)") }
        return integer
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ expected: String) -> DecodingError {
        DecodingError.typeMismatch(type, .init(codingPath: [], debugDescription: "expected \(expected), found \(value.kind)"))
    }
}

extension JSONValue {
    /// Without `Equatable`'s comparison of payloads.
    fileprivate var isNull: Bool {
        if case .null = self { true } else { false }
    }

    fileprivate var kind: String {
        switch self {
        case .string: "text"
        case .number: "a number"
        case .bool: "a boolean"
        case .object: "an object"
        case .array: "an array"
        case .null: "null"
        }
    }
}

private struct KeyedTree<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let fields: [String: JSONValue]
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { fields.keys.compactMap(Key.init(stringValue:)) }

    func contains(_ key: Key) -> Bool { fields[key.stringValue] != nil }

    private func value(_ key: Key) throws -> JSONValue {
        guard let value = fields[key.stringValue] else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no field \"\(key.stringValue)\""))
        }
        return value
    }

    private func present(_ key: Key, _ type: Any.Type) throws -> JSONValue {
        let value = try value(key)
        guard !value.isNull else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [key], debugDescription: "\"\(key.stringValue)\" is null"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try TreeDecoder.bool(present(key, type)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try TreeDecoder.string(present(key, type)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try TreeDecoder.number(present(key, type)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try TreeDecoder.number(present(key, type))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try TreeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try TreeDecoder.integer(type, present(key, type)) }

    /// Null goes to the type itself, as an `Optional` reads it.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try TreeDecoder.read(type, from: value(key))
    }

    // An absent or null field is nil. One lookup each, where the protocol's defaults make three.
    private func optional(_ key: Key) -> JSONValue? {
        guard let value = fields[key.stringValue], !value.isNull else { return nil }
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try optional(key).map { try TreeDecoder.read(type, from: $0) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(key).map(TreeDecoder.string) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(key).map(TreeDecoder.bool) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(key).map(TreeDecoder.number) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try optional(key).map { try TreeDecoder.integer(type, $0) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TreeDecoder(value: value(key)).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: value(key)).unkeyedContainer()
    }

    /// `JSONEncoder` writes a superclass's fields under "super".
    func superDecoder() throws -> any Decoder { TreeDecoder(value: fields["super"] ?? .null) }
    func superDecoder(forKey key: Key) throws -> any Decoder { TreeDecoder(value: fields[key.stringValue] ?? .null) }
}

private struct UnkeyedTree: UnkeyedDecodingContainer {
    let items: [JSONValue]
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONValue]) { self.items = items }

    /// The next item, which must not be null.
    private mutating func next(_ type: Any.Type) throws -> JSONValue {
        guard !isAtEnd, !items[currentIndex].isNull else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "item \(currentIndex) is missing or null"))
        }
        return nextItem()
    }

    private mutating func nextItem() -> JSONValue {
        currentIndex += 1
        return items[currentIndex - 1]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try TreeDecoder.bool(next(type)) }
    mutating func decode(_ type: String.Type) throws -> String { try TreeDecoder.string(next(type)) }
    mutating func decode(_ type: Double.Type) throws -> Double { try TreeDecoder.number(next(type)) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try TreeDecoder.number(next(type))) }
    mutating func decode(_ type: Int.Type) throws -> Int { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try TreeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try TreeDecoder.integer(type, next(type)) }

    /// Null goes to the type itself, as an `Optional` reads it.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the array has no more items"))
        }
        return try TreeDecoder.read(type, from: nextItem())
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TreeDecoder(value: next([String: Any].self)).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TreeDecoder(value: next([Any].self)).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { TreeDecoder(value: try next(Any.self)) }
}

private struct SingleTree: SingleValueDecodingContainer {
    let value: JSONValue
    var codingPath: [any CodingKey] { [] }

    private func present(_ type: Any.Type) throws -> JSONValue {
        guard !value.isNull else { throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the value is null")) }
        return value
    }

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try TreeDecoder.bool(present(type)) }
    func decode(_ type: String.Type) throws -> String { try TreeDecoder.string(present(type)) }
    func decode(_ type: Double.Type) throws -> Double { try TreeDecoder.number(present(type)) }
    func decode(_ type: Float.Type) throws -> Float { Float(try TreeDecoder.number(present(type))) }
    func decode(_ type: Int.Type) throws -> Int { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: Int8.Type) throws -> Int8 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: Int32.Type) throws -> Int32 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: Int64.Type) throws -> Int64 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt.Type) throws -> UInt { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try TreeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try TreeDecoder.integer(type, present(type)) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TreeDecoder.read(type, from: value) }
}
