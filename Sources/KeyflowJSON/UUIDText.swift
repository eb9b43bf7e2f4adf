import Foundation

/// Ids as text, written and read without Foundation, which formats and parses a UUID through `sprintf` and
/// `sscanf`: that cost more than the whole of some of the store's statements, and every id in a document, a
/// bind or a row takes one of these.
extension UUID {
    /// The `8-4-4-4-12` hexadecimal form; Foundation's `uuidString` is the upper-case one.
    public func text(uppercase: Bool) -> String {
        let digits: StaticString = uppercase ? "0123456789ABCDEF" : "0123456789abcdef"
        return withUnsafeBytes(of: uuid) { bytes in
            String(unsafeUninitializedCapacity: 36) { text in
                digits.withUTF8Buffer { digits in
                    var position = 0
                    // Thirty ids a verification: written byte by byte from unchecked buffers.
                    for index in 0..<16 {
                        if index == 4 || index == 6 || index == 8 || index == 10 {
                            text[position] = UInt8(ascii: "-")
                            position += 1
                        }
                        text[position] = digits[Int(bytes[index] >> 4)]
                        text[position + 1] = digits[Int(bytes[index] & 0x0f)]
                        position += 2
                    }
                }
                return 36
            }
        }
    }

    /// Reads `8-4-4-4-12` hexadecimal text in either case; nil for anything else.
    public init?(text: String) {
        var text = text
        guard let id = text.withUTF8(Self.parse) else { return nil }
        self = id
    }

    /// Reads the 36 characters in place: ids are read for every document and row, so no buffer is made.
    private static func parse(_ text: UnsafeBufferPointer<UInt8>) -> UUID? {
        guard text.count == 36 else { return nil }
        var uuid: uuid_t = (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let parsed = withUnsafeMutableBytes(of: &uuid) { bytes in
            var index = 0
            for position in 0..<16 {
                if index == 8 || index == 13 || index == 18 || index == 23 {
                    guard text[index] == UInt8(ascii: "-") else { return false }
                    index += 1
                }
                guard let high = nibble(text[index]), let low = nibble(text[index + 1]) else { return false }
                bytes[position] = high << 4 | low
                index += 2
            }
            return true
        }
        return parsed ? UUID(uuid: uuid) : nil
    }

    private static func nibble(_ character: UInt8) -> UInt8? {
        switch character {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): character - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): character - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): character - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Hexadecimal digits as UTF-8, made once: digests write them.
public enum HexadecimalDigits {
    public static let lower = Array("0123456789abcdef".utf8)
}
