import KeyflowJSON

extension Sequence<UInt8> {
    /// Lowercase hexadecimal, two digits a byte (digests as stored and shown).
    var hexadecimal: String {
        let digits = HexadecimalDigits.lower
        var text: [UInt8] = []
        text.reserveCapacity(underestimatedCount * 2)
        for byte in self {
            text.append(digits[Int(byte >> 4)])
            text.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }
}
