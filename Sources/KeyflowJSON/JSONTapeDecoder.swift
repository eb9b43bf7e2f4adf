import Foundation

/// Reads a `Decodable` value from JSON text: the text checked once into a `JSONTape`, then the value read from
/// the tape, making only the strings and numbers the value keeps. `JSONDecoder` spent most of its time in
/// generic bookkeeping per field. It reads what
/// `JSONStream` and `JSONEncoder` (default strategies) write exactly as `JSONDecoder` does (dates as seconds
/// since 2001, `Data` as base64, UUIDs in either case) and is as strict about kinds: a number is not a
/// boolean, a string is not a number.
enum JSONTapeDecoder {
    /// `reads`, when given, learns which fields of each object the value asked for.
    static func decode<T: Decodable>(_ type: T.Type, from tape: JSONTape.Element, reads: FieldReads? = nil) throws -> T {
        try TapeDecoder.read(T.self, from: tape, reads: reads)
    }
}

/// A number the decoder does not give exactly.
struct NeedsExactNumbers: Error {}

private struct TapeDecoder: Decoder {
    let value: JSONTape.Element
    let reads: FieldReads?
    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    /// Types whose own `init(from:)` would read them more slowly, or differently from how they were written.
    /// (Compared by identity: most calls are not specialized, and a cast of `T.self` is a search at run time.)
    static func read<T: Decodable>(_ type: T.Type, from value: JSONTape.Element, reads: FieldReads?) throws -> T {
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
        return try T(from: TapeDecoder(value: value, reads: reads))
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard value.isObject else { throw Self.mismatch([String: Any].self, value, "an object") }
        reads?.open(value)
        return KeyedDecodingContainer(KeyedTape<Key>(object: value, reads: reads))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard let items = value.items else { throw Self.mismatch([Any].self, value, "an array") }
        return UnkeyedTape(items: items, reads: reads)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer { SingleTape(value: value, reads: reads) }

    // MARK: Leaves, as strict as JSONDecoder

    static func string(_ value: JSONTape.Element) throws -> String {
        guard let text = value.text else { throw mismatch(String.self, value, "text") }
        return text
    }

    static func number(_ value: JSONTape.Element) throws -> Double {
        guard let number = value.number else { throw mismatch(Double.self, value, "a number") }
        return number
    }

    static func bool(_ value: JSONTape.Element) throws -> Bool {
        guard let bool = value.bool else { throw mismatch(Bool.self, value, "true or false") }
        return bool
    }

    static func integer<T: FixedWidthInteger>(_ type: T.Type, _ value: JSONTape.Element) throws -> T {
        let number = try number(value)
        // Beyond 2^53 a Double may have lost digits the text had.
        guard abs(number) < 9_007_199_254_740_992 else { throw NeedsExactNumbers() }
        guard let integer = T(exactly: number) else { throw mismatch(T.self, value, "a whole number that fits \(T.self)") }
        return integer
    }

    static func mismatch(_ type: Any.Type, _ value: JSONTape.Element, _ expected: String) -> DecodingError {
        DecodingError.typeMismatch(type, .init(codingPath: [], debugDescription: "expected \(expected), found \(value.kindName)"))
    }
}

private struct KeyedTape<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let object: JSONTape.Element
    let reads: FieldReads?
    var codingPath: [any CodingKey] { [] }
    var allKeys: [Key] { (object.fields ?? []).compactMap { Key(stringValue: $0.name) } }

    func contains(_ key: Key) -> Bool { field(key) != nil }

    /// Every look at a field goes through here, so `reads` learns each name the value has a place for.
    private func field(_ key: Key) -> JSONTape.Element? {
        reads?.ask(key.stringValue, of: object)
        return object[key.stringValue]
    }

    private func value(_ key: Key) throws -> JSONTape.Element {
        guard let value = field(key) else {
            throw DecodingError.keyNotFound(key, .init(codingPath: [], debugDescription: "no field \"\(key.stringValue)\""))
        }
        return value
    }

    private func present(_ key: Key, _ type: Any.Type) throws -> JSONTape.Element {
        let value = try value(key)
        guard !value.isNull else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [key], debugDescription: "\"\(key.stringValue)\" is null"))
        }
        return value
    }

    func decodeNil(forKey key: Key) throws -> Bool { try value(key).isNull }
    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try TapeDecoder.bool(present(key, type)) }
    func decode(_ type: String.Type, forKey key: Key) throws -> String { try TapeDecoder.string(present(key, type)) }
    func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try TapeDecoder.number(present(key, type)) }
    func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try TapeDecoder.number(present(key, type))) }
    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try TapeDecoder.integer(type, present(key, type)) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try TapeDecoder.integer(type, present(key, type)) }

    /// Null goes to the type itself, as an `Optional` reads it.
    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try TapeDecoder.read(type, from: value(key), reads: reads)
    }

    // An absent or null field is nil. One lookup each, where the protocol's defaults make three.
    private func optional(_ key: Key) -> JSONTape.Element? {
        guard let value = field(key), !value.isNull else { return nil }
        return value
    }

    func decodeIfPresent<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T? {
        try optional(key).map { try TapeDecoder.read(type, from: $0, reads: reads) }
    }
    func decodeIfPresent(_ type: String.Type, forKey key: Key) throws -> String? { try optional(key).map(TapeDecoder.string) }
    func decodeIfPresent(_ type: Bool.Type, forKey key: Key) throws -> Bool? { try optional(key).map(TapeDecoder.bool) }
    func decodeIfPresent(_ type: Double.Type, forKey key: Key) throws -> Double? { try optional(key).map(TapeDecoder.number) }
    func decodeIfPresent(_ type: Int.Type, forKey key: Key) throws -> Int? {
        try optional(key).map { try TapeDecoder.integer(type, $0) }
    }

    func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TapeDecoder(value: value(key), reads: reads).container(keyedBy: type)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try TapeDecoder(value: value(key), reads: reads).unkeyedContainer()
    }

    /// `JSONEncoder` writes a superclass's fields under "super".
    func superDecoder() throws -> any Decoder {
        reads?.ask("super", of: object)
        return TapeDecoder(value: object["super"] ?? JSONTape.null, reads: reads)
    }
    func superDecoder(forKey key: Key) throws -> any Decoder { TapeDecoder(value: field(key) ?? JSONTape.null, reads: reads) }
}

private struct UnkeyedTape: UnkeyedDecodingContainer {
    let items: [JSONTape.Element]
    let reads: FieldReads?
    var currentIndex = 0
    var codingPath: [any CodingKey] { [] }
    var count: Int? { items.count }
    var isAtEnd: Bool { currentIndex >= items.count }

    init(items: [JSONTape.Element], reads: FieldReads?) {
        self.items = items
        self.reads = reads
    }

    /// The next item, which must not be null.
    private mutating func next(_ type: Any.Type) throws -> JSONTape.Element {
        guard !isAtEnd, !items[currentIndex].isNull else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "item \(currentIndex) is missing or null"))
        }
        return nextItem()
    }

    private mutating func nextItem() -> JSONTape.Element {
        currentIndex += 1
        return items[currentIndex - 1]
    }

    mutating func decodeNil() throws -> Bool {
        guard !isAtEnd, items[currentIndex].isNull else { return false }
        currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool { try TapeDecoder.bool(next(type)) }
    mutating func decode(_ type: String.Type) throws -> String { try TapeDecoder.string(next(type)) }
    mutating func decode(_ type: Double.Type) throws -> Double { try TapeDecoder.number(next(type)) }
    mutating func decode(_ type: Float.Type) throws -> Float { Float(try TapeDecoder.number(next(type))) }
    mutating func decode(_ type: Int.Type) throws -> Int { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try TapeDecoder.integer(type, next(type)) }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try TapeDecoder.integer(type, next(type)) }

    /// Null goes to the type itself, as an `Optional` reads it.
    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        guard !isAtEnd else {
            throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the array has no more items"))
        }
        return try TapeDecoder.read(type, from: nextItem(), reads: reads)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws
        -> KeyedDecodingContainer<NestedKey>
    {
        try TapeDecoder(value: next([String: Any].self), reads: reads).container(keyedBy: type)
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try TapeDecoder(value: next([Any].self), reads: reads).unkeyedContainer()
    }

    mutating func superDecoder() throws -> any Decoder { TapeDecoder(value: try next(Any.self), reads: reads) }
}

private struct SingleTape: SingleValueDecodingContainer {
    let value: JSONTape.Element
    let reads: FieldReads?
    var codingPath: [any CodingKey] { [] }

    private func present(_ type: Any.Type) throws -> JSONTape.Element {
        guard !value.isNull else { throw DecodingError.valueNotFound(type, .init(codingPath: [], debugDescription: "the value is null")) }
        return value
    }

    func decodeNil() -> Bool { value.isNull }
    func decode(_ type: Bool.Type) throws -> Bool { try TapeDecoder.bool(present(type)) }
    func decode(_ type: String.Type) throws -> String { try TapeDecoder.string(present(type)) }
    func decode(_ type: Double.Type) throws -> Double { try TapeDecoder.number(present(type)) }
    func decode(_ type: Float.Type) throws -> Float { Float(try TapeDecoder.number(present(type))) }
    func decode(_ type: Int.Type) throws -> Int { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: Int8.Type) throws -> Int8 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: Int16.Type) throws -> Int16 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: Int32.Type) throws -> Int32 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: Int64.Type) throws -> Int64 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt.Type) throws -> UInt { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try TapeDecoder.integer(type, present(type)) }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try TapeDecoder.integer(type, present(type)) }
    func decode<T: Decodable>(_ type: T.Type) throws -> T { try TapeDecoder.read(type, from: value, reads: reads) }
}
