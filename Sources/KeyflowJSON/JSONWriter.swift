extension JSONValue {
    /// The value as compact JSON text in UTF-8, written directly rather than through `JSONEncoder`'s `Codable`
    /// walk (the sandbox answers every retrieval with one). Numbers that JSON cannot carry (NaN, infinity) are
    /// written as `null`.
    public var serialized: [UInt8] {
        var output: [UInt8] = []
        output.reserveCapacity(256)
        write(to: &output)
        return output
    }

    private func write(to output: inout [UInt8]) {
        switch self {
        case .null: output.append(contentsOf: "null".utf8)
        case .bool(let value): output.append(contentsOf: (value ? "true" : "false").utf8)
        case .number(let value):
            if value.isFinite { JSONLiteral.append(value, to: &output) } else { output.append(contentsOf: "null".utf8) }
        case .string(let value): JSONLiteral.append(value, to: &output)
        case .array(let items):
            output.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { output.append(UInt8(ascii: ",")) }
                item.write(to: &output)
            }
            output.append(UInt8(ascii: "]"))
        case .object(let fields):
            output.append(UInt8(ascii: "{"))
            var first = true
            for (key, value) in fields {
                if !first { output.append(UInt8(ascii: ",")) }
                first = false
                JSONLiteral.append(key, to: &output)
                output.append(UInt8(ascii: ":"))
                value.write(to: &output)
            }
            output.append(UInt8(ascii: "}"))
        }
    }
}

/// JSON's string and number literals, written by `JSONValue` and by the store's document encoder alike.
public enum JSONLiteral {
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// Refuses a number JSON has no form for (NaN, infinity), as `JSONEncoder` does.
    static func requireFinite(_ number: Double) throws(EncodingError) {
        guard number.isFinite else {
            throw EncodingError.invalidValue(number, .init(codingPath: [], debugDescription: "\(number) has no JSON form"))
        }
    }

    /// Appends a finite number: whole numbers as integers ("31", not "31.0", as `JSONEncoder` and Jumio write
    /// them), the rest in Swift's shortest form that reads back to the same `Double`.
    public static func append(_ number: Double, to output: inout [UInt8]) {
        precondition(number.isFinite, "JSON has no form for \(number)")
        if number.rounded(.towardZero) == number, abs(number) < 1e15 {
            output.append(contentsOf: String(Int64(number)).utf8)
        } else {
            output.append(contentsOf: number.description.utf8)
        }
    }

    /// Appends `text` in quotes; text that needs no escape (most keys, ids and titles) is copied whole.
    public static func append(_ text: String, to output: inout [UInt8]) {
        output.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            if needsEscape(utf8) {
                appendEscaped(utf8, to: &output)
            } else {
                output.append(contentsOf: utf8)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    static func needsEscape(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        utf8.contains { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }
    }

    private static func appendEscaped(_ utf8: UnsafeBufferPointer<UInt8>, to output: inout [UInt8]) {
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: #"\""#.utf8)
            case UInt8(ascii: "\\"): output.append(contentsOf: #"\\"#.utf8)
            case UInt8(ascii: "\n"): output.append(contentsOf: #"\n"#.utf8)
            case UInt8(ascii: "\r"): output.append(contentsOf: #"\r"#.utf8)
            case UInt8(ascii: "\t"): output.append(contentsOf: #"\t"#.utf8)
            case 0..<0x20:
                output.append(contentsOf: #"\u00"#.utf8)
                output.append(hexDigits[Int(byte >> 4)])
                output.append(hexDigits[Int(byte & 0x0f)])
            default: output.append(byte)
            }
        }
    }
}
