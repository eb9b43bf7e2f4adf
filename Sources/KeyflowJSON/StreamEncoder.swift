/// The `Encoder` a value writes itself through: its containers write into the stream at once.
struct StreamEncoder: Encoder {
    let stream: JSONStream
    /// How many containers were open when the value began: the one it opens is at this level.
    let depth: Int

    var codingPath: [any CodingKey] { [] }
    var userInfo: [CodingUserInfoKey: Any] { [:] }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        if stream.depth == depth { stream.begin(object: true) }
        return KeyedEncodingContainer(KeyedStream(stream: stream, level: depth))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        if stream.depth == depth { stream.begin(object: false) }
        return UnkeyedStream(stream: stream, level: depth)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer { SingleStream(stream: stream) }
}

struct KeyedStream<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let stream: JSONStream
    let level: Int

    var codingPath: [any CodingKey] { [] }

    private func entry(_ key: Key) { stream.entry(at: level, key: key.stringValue) }

    mutating func encodeNil(forKey key: Key) throws { entry(key); stream.null() }
    mutating func encode(_ value: Bool, forKey key: Key) throws { entry(key); stream.bool(value) }
    mutating func encode(_ value: String, forKey key: Key) throws { entry(key); stream.string(value) }
    mutating func encode(_ value: Double, forKey key: Key) throws { entry(key); try stream.number(value) }
    mutating func encode(_ value: Float, forKey key: Key) throws { entry(key); try stream.number(Double(value)) }
    mutating func encode(_ value: Int, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { entry(key); stream.integer(value) }
    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws { entry(key); try stream.value(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        entry(key)
        stream.begin(object: true)
        return KeyedEncodingContainer(KeyedStream<NestedKey>(stream: stream, level: stream.depth - 1))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        entry(key)
        stream.begin(object: false)
        return UnkeyedStream(stream: stream, level: stream.depth - 1)
    }

    mutating func superEncoder() -> any Encoder {
        stream.entry(at: level, key: "super")
        return StreamEncoder(stream: stream, depth: stream.depth)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        entry(key)
        return StreamEncoder(stream: stream, depth: stream.depth)
    }
}

struct UnkeyedStream: UnkeyedEncodingContainer {
    let stream: JSONStream
    let level: Int

    var codingPath: [any CodingKey] { [] }
    var count: Int { stream.count(at: level) }

    private func entry() { stream.entry(at: level, key: nil) }

    mutating func encodeNil() throws { entry(); stream.null() }
    mutating func encode(_ value: Bool) throws { entry(); stream.bool(value) }
    mutating func encode(_ value: String) throws { entry(); stream.string(value) }
    mutating func encode(_ value: Double) throws { entry(); try stream.number(value) }
    mutating func encode(_ value: Float) throws { entry(); try stream.number(Double(value)) }
    mutating func encode(_ value: Int) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: Int8) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: Int16) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: Int32) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: Int64) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: UInt) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: UInt8) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: UInt16) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: UInt32) throws { entry(); stream.integer(value) }
    mutating func encode(_ value: UInt64) throws { entry(); stream.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { entry(); try stream.value(value) }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        entry()
        stream.begin(object: true)
        return KeyedEncodingContainer(KeyedStream<NestedKey>(stream: stream, level: stream.depth - 1))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        entry()
        stream.begin(object: false)
        return UnkeyedStream(stream: stream, level: stream.depth - 1)
    }

    mutating func superEncoder() -> any Encoder {
        entry()
        return StreamEncoder(stream: stream, depth: stream.depth)
    }
}

struct SingleStream: SingleValueEncodingContainer {
    let stream: JSONStream

    var codingPath: [any CodingKey] { [] }

    mutating func encodeNil() throws { stream.null() }
    mutating func encode(_ value: Bool) throws { stream.bool(value) }
    mutating func encode(_ value: String) throws { stream.string(value) }
    mutating func encode(_ value: Double) throws { try stream.number(value) }
    mutating func encode(_ value: Float) throws { try stream.number(Double(value)) }
    mutating func encode(_ value: Int) throws { stream.integer(value) }
    mutating func encode(_ value: Int8) throws { stream.integer(value) }
    mutating func encode(_ value: Int16) throws { stream.integer(value) }
    mutating func encode(_ value: Int32) throws { stream.integer(value) }
    mutating func encode(_ value: Int64) throws { stream.integer(value) }
    mutating func encode(_ value: UInt) throws { stream.integer(value) }
    mutating func encode(_ value: UInt8) throws { stream.integer(value) }
    mutating func encode(_ value: UInt16) throws { stream.integer(value) }
    mutating func encode(_ value: UInt32) throws { stream.integer(value) }
    mutating func encode(_ value: UInt64) throws { stream.integer(value) }
    mutating func encode<T: Encodable>(_ value: T) throws { try stream.value(value) }
}
