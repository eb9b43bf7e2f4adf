import Foundation

/// `Codable` values to and from JSON text, as `JSONEncoder` and `JSONDecoder` with their default strategies
/// write and read them, at a fraction of their cost: the encoder writes straight into bytes (`JSONEncoder`
/// first builds a dictionary per object, then writes the tree), the decoder reads from the text's `JSONTape`
/// (`JSONDecoder`'s generic bookkeeping per field was most of its time). Flows are read and saved on
/// every step of a verification, and every call to Jumio encodes a request and decodes an answer.
///
/// What the fast path cannot do exactly it leaves to Foundation: it reads numbers as `Double`, so an integer
/// beyond 2^53 or a `Decimal` is read by `JSONDecoder`; and a value that fails to read is read again by
/// `JSONDecoder`, whose error names the path to the field at fault (the fast decoder keeps no path).
public enum JSONCoding {
    /// The value as JSON text: dates as seconds since 2001 (`JSONEncoder`'s default), or as ISO 8601 text
    /// (its `.iso8601`), as the API writes them. Keys come in the order the value encodes them.
    public static func encoded(_ value: some Encodable, datesAsISO8601: Bool = false) throws -> [UInt8] {
        let stream = JSONStream(datesAsISO8601: datesAsISO8601)
        try stream.value(value)
        return stream.bytes
    }

    public static func encodedText(_ value: some Encodable) throws -> String {
        String(decoding: try encoded(value), as: UTF8.self)
    }

    public static func encodedData(_ value: some Encodable) throws -> Data {
        Data(try encoded(value))
    }

    public static func decode<T: Decodable>(_ type: T.Type, from text: String) throws -> T {
        do {
            return try JSONTapeDecoder.decode(type, from: JSONTape(parsing: text).root)
        } catch {
            return try JSONDecoder().decode(type, from: Data(text.utf8))
        }
    }

    public static func decode<T: Decodable>(_ type: T.Type, from data: Data) throws -> T {
        guard let tape = try? JSONTape(parsing: data) else { return try JSONDecoder().decode(type, from: data) }
        return try decode(type, from: tape.root, parsedFrom: data)
    }

    /// The value read from `tape`, already parsed from `data` (which `JSONDecoder` reads if the tape's reading
    /// fails): for a caller that looks at the text's values itself too.
    public static func decode<T: Decodable>(_ type: T.Type, from tape: JSONTape.Element, parsedFrom data: Data) throws -> T {
        do {
            return try JSONTapeDecoder.decode(type, from: tape)
        } catch {
            return try JSONDecoder().decode(type, from: data)
        }
    }

    /// As `decode(_:from:parsedFrom:)`, and throws `UnknownField` for the first field of an object that the
    /// value has no place for (`FieldReads`). A value only `JSONDecoder` reads exactly (see above) is read
    /// by it unchecked.
    public static func decodeStrictly<T: Decodable>(_ type: T.Type, from tape: JSONTape.Element, parsedFrom data: Data) throws
        -> T
    {
        let reads = FieldReads()
        let value: T
        do {
            value = try JSONTapeDecoder.decode(type, from: tape, reads: reads)
        } catch {
            return try JSONDecoder().decode(type, from: data)
        }
        if let unknown = reads.firstUnasked(in: tape) { throw unknown }
        return value
    }
}
