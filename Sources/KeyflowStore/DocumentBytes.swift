import Foundation

/// A document's JSON as `JSONText` wrote it: UTF-8 by construction (every byte comes from a Swift string, an
/// escape or a number). Bound as it is, it reaches PostgreSQL without the validation a `String` made from
/// bytes runs over every byte (≈ 23,000 instructions for a flow saved, ≈ 1 % of a verification's).
struct DocumentBytes: Sendable, Encodable {
    let utf8: [UInt8]

    var text: String { String(decoding: utf8, as: UTF8.self) }

    /// Whether `text` is exactly these bytes, compared as memory.
    func isText(_ text: String) -> Bool {
        var text = text
        return text.withUTF8 { read in
            utf8.withUnsafeBufferPointer { mine in
                guard read.count == mine.count else { return false }
                guard let theirs = read.baseAddress, let ours = mine.baseAddress else { return true }
                return memcmp(ours, theirs, read.count) == 0
            }
        }
    }

    /// SQLKit asks every bound value to be `Encodable`; PostgreSQL is sent the bytes (`DocumentBytes+Postgres`).
    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(text)
    }
}
