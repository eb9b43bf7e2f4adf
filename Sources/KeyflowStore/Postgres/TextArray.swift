import NIOCore
import PostgresNIO

/// A `text[]` bound in PostgreSQL's binary form, whose elements may be NULL (PostgresNIO's own arrays take no
/// NULL elements). A batch's rows go to `unnest` as one array per column: each value travels as its bytes
/// with their length, so nothing is escaped on the way or parsed on arrival, as it was in a JSON document.
struct TextArray<Element: TextArrayElement>: Encodable, Sendable, PostgresNonThrowingEncodable {
    var elements: [Element?]

    init(_ elements: [Element?]) {
        self.elements = elements
    }

    static var psqlType: PostgresDataType { .textArray }
    static var psqlFormat: PostgresFormat { .binary }

    /// The layout of `array_send`: dimensions, whether any element is NULL, the element type, each dimension's
    /// length and lower bound, then every element as its length (-1 for NULL) and bytes.
    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeInteger(Int32(elements.isEmpty ? 0 : 1))
        buffer.writeInteger(Int32(elements.contains { $0 == nil } ? 1 : 0))
        buffer.writeInteger(PostgresDataType.text.rawValue)
        guard !elements.isEmpty else { return }
        buffer.writeInteger(Int32(elements.count))
        buffer.writeInteger(Int32(1))
        for element in elements {
            guard let element else {
                buffer.writeInteger(Int32(-1))
                continue
            }
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(Int32(0))
            let length = element.write(to: &buffer)
            buffer.setInteger(Int32(length), at: lengthAt)
        }
    }

    /// SQLKit asks every bound value to be `Encodable`; on PostgreSQL the binary form above is what is sent.
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(elements)
    }
}

/// What a `TextArray` holds: a value written as text's bytes.
protocol TextArrayElement: Encodable, Sendable {
    /// Writes the bytes; answers how many.
    func write(to buffer: inout ByteBuffer) -> Int
}

extension String: TextArrayElement {
    func write(to buffer: inout ByteBuffer) -> Int { buffer.writeString(self) }
}

extension DocumentBytes: TextArrayElement {
    func write(to buffer: inout ByteBuffer) -> Int { buffer.writeBytes(utf8) }
}
