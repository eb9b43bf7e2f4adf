import NIOCore
import PostgresNIO

/// Text in PostgreSQL's binary form is its bytes as they are.
extension DocumentBytes: PostgresNonThrowingEncodable {
    static var psqlType: PostgresDataType { .text }
    static var psqlFormat: PostgresFormat { .binary }

    func encode<JSONEncoder: PostgresJSONEncoder>(into buffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        buffer.writeBytes(utf8)
    }
}
