import Foundation

/// Why a text is not JSON, and where.
public struct JSONParseError: Error, Equatable, CustomStringConvertible {
    /// The byte offset at which the text stopped being JSON.
    public var offset: Int
    public var reason: String

    public var description: String { "not valid JSON at byte \(offset): \(reason)" }

    public init(offset: Int, reason: String) {
        self.offset = offset
        self.reason = reason
    }
}

extension JSONValue {
    /// Reads a JSON text (RFC 8259, UTF-8) straight into a value. `JSONDecoder` reaches the same value through
    /// `Codable`, which costs several times more: Jumio's answers and the flow are read on every verification.
    public init(parsing data: Data) throws(JSONParseError) {
        let result = data.withUnsafeBytes { bytes in
            Result { () throws(JSONParseError) in try JSONValue(parsing: bytes) }
        }
        self = try result.get()
    }

    /// Reads JSON text held in a `String`, without copying it.
    public init(parsing text: String) throws(JSONParseError) {
        var text = text
        let result = text.withUTF8 { bytes in
            Result { () throws(JSONParseError) in try JSONValue(parsing: UnsafeRawBufferPointer(bytes)) }
        }
        self = try result.get()
    }

    public init(parsing bytes: UnsafeRawBufferPointer) throws(JSONParseError) {
        var parser = JSONParser(bytes.assumingMemoryBound(to: UInt8.self))
        self = try parser.document()
    }
}

/// A recursive-descent reader over UTF-8 bytes. Strings without escapes are copied in one piece; nesting is
/// capped so a hostile text cannot exhaust the stack.
struct JSONParser {
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    /// The fields of the objects being read, innermost last. A dictionary grown one field at a time is
    /// rehashed at every doubling (half the cost of reading Jumio's answers went there), so an object's
    /// fields are gathered here and its dictionary is made once at its full size.
    private var pendingFields: [(key: String, value: JSONValue)] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func document() throws(JSONParseError) -> JSONValue {
        let value = try self.value()
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
        return value
    }

    private mutating func value() throws(JSONParseError) -> JSONValue {
        skipWhitespace()
        guard index < bytes.count else { throw failure("the text ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "{"): return try object()
        case UInt8(ascii: "["): return try array()
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try number())
        default: throw failure("a value cannot start with '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func object() throws(JSONParseError) -> JSONValue {
        try enterNesting()
        index += 1
        skipWhitespace()
        if try consume(UInt8(ascii: "}")) {
            depth -= 1
            return .object([:])
        }
        let first = pendingFields.count
        repeat {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a field name in quotes") }
            let key = try string()
            skipWhitespace()
            guard try consume(UInt8(ascii: ":")) else { throw failure("expected ':' after a field name") }
            let value = try value()
            pendingFields.append((key, value))
            skipWhitespace()
        } while try consume(UInt8(ascii: ","))
        guard try consume(UInt8(ascii: "}")) else { throw failure("expected ',' or '}' in an object") }
        depth -= 1
        var fields = [String: JSONValue](minimumCapacity: pendingFields.count - first)
        // A repeated name keeps its last value, as before.
        for index in first..<pendingFields.count { fields[pendingFields[index].key] = pendingFields[index].value }
        pendingFields.removeLast(pendingFields.count - first)
        return .object(fields)
    }

    private mutating func array() throws(JSONParseError) -> JSONValue {
        try enterNesting()
        index += 1
        var items: [JSONValue] = []
        skipWhitespace()
        if try consume(UInt8(ascii: "]")) {
            depth -= 1
            return .array(items)
        }
        repeat {
            items.append(try value())
            skipWhitespace()
        } while try consume(UInt8(ascii: ","))
        guard try consume(UInt8(ascii: "]")) else { throw failure("expected ',' or ']' in an array") }
        depth -= 1
        return .array(items)
    }

    private mutating func enterNesting() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
    }

    // MARK: Strings

    /// A string starting at its opening quote.
    private mutating func string() throws(JSONParseError) -> String {
        index += 1
        let start = index
        var ascii = true
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = try utf8(start..<index, ascii: ascii)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") { return try escapedString(from: start, ascii: ascii) }
            guard byte >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw failure("a string is not closed")
    }

    /// The rest of a string that has escapes, its unescaped beginning already scanned. The text is gathered
    /// as bytes and made a `String` once (appending to a `String` piece by piece cost more than the parse:
    /// Jumio writes every `/` of a URL as `\/`). Runs with non-ASCII bytes are checked as UTF-8 where they stand.
    private mutating func escapedString(from start: Int, ascii: Bool) throws(JSONParseError) -> String {
        if !ascii { _ = try utf8(start..<index, ascii: false) }
        var text = Array(bytes[start..<index])
        while index < bytes.count {
            let runStart = index
            var runASCII = true
            while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\") {
                guard bytes[index] >= 0x20 else { throw failure("a control character inside a string must be escaped") }
                if bytes[index] >= 0x80 { runASCII = false }
                index += 1
            }
            if !runASCII { _ = try utf8(runStart..<index, ascii: false) }
            text.append(contentsOf: bytes[runStart..<index])
            guard index < bytes.count else { break }
            if bytes[index] == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: text, as: UTF8.self)
            }
            index += 1
            UTF8.encode(try escape()) { text.append($0) }
        }
        throw failure("a string is not closed")
    }

    /// The character an escape stands for, its backslash already read.
    private mutating func escape() throws(JSONParseError) -> Unicode.Scalar {
        guard index < bytes.count else { throw failure("a string ends inside an escape") }
        let letter = bytes[index]
        index += 1
        switch letter {
        case UInt8(ascii: "\""): return "\""
        case UInt8(ascii: "\\"): return "\\"
        case UInt8(ascii: "/"): return "/"
        case UInt8(ascii: "b"): return "\u{08}"
        case UInt8(ascii: "f"): return "\u{0C}"
        case UInt8(ascii: "n"): return "\n"
        case UInt8(ascii: "r"): return "\r"
        case UInt8(ascii: "t"): return "\t"
        case UInt8(ascii: "u"): return try unicodeEscape()
        default: throw failure("'\\\(Character(Unicode.Scalar(letter)))' is not an escape JSON knows")
        }
    }

    /// `\uXXXX`, joining a UTF-16 surrogate pair written as two escapes.
    private mutating func unicodeEscape() throws(JSONParseError) -> Unicode.Scalar {
        let first = try hexQuad()
        if let scalar = Unicode.Scalar(first) { return scalar }
        guard (0xD800...0xDBFF).contains(first), index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"),
            bytes[index + 1] == UInt8(ascii: "u")
        else { throw failure("a lone UTF-16 surrogate in a \\u escape") }
        index += 2
        let second = try hexQuad()
        guard (0xDC00...0xDFFF).contains(second),
            let scalar = Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))
        else { throw failure("a lone UTF-16 surrogate in a \\u escape") }
        return scalar
    }

    private mutating func hexQuad() throws(JSONParseError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw failure("a \\u escape needs four hexadecimal digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw failure("a \\u escape needs four hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        return value
    }

    /// The text of `range`; ASCII (most keys and values) needs no validation, and the generic validating
    /// initializer costs more than the rest of a string's reading.
    private func utf8(_ range: Range<Int>, ascii: Bool) throws(JSONParseError) -> String {
        let slice = UnsafeBufferPointer(rebasing: bytes[range])
        if ascii { return String(decoding: slice, as: UTF8.self) }
        guard let text = String(validating: slice, as: UTF8.self) else {
            throw JSONParseError(offset: range.lowerBound, reason: "a string is not valid UTF-8")
        }
        return text
    }

    // MARK: Numbers and literals

    /// A number in JSON's grammar; integers of up to 15 digits are exact without going through text.
    private mutating func number() throws(JSONParseError) -> Double {
        let start = index
        let negative = bytes[index] == UInt8(ascii: "-")
        if negative { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a '-' must be followed by digits") }
        var integer: Int64 = 0
        var digits = 0
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            digits = 1
        } else {
            while index < bytes.count, isDigit(bytes[index]) {
                if digits < 18 { integer = integer * 10 + Int64(bytes[index] - UInt8(ascii: "0")) }
                digits += 1
                index += 1
            }
        }
        var whole = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard skipDigits() else { throw failure("a '.' in a number must be followed by digits") }
            whole = false
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard skipDigits() else { throw failure("an exponent must have digits") }
            whole = false
        }
        if whole, digits <= 15 { return negative ? -Double(integer) : Double(integer) }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        guard let value = Double(text), value.isFinite else {
            throw JSONParseError(offset: start, reason: "the number \(text) is out of range")
        }
        return value
    }

    /// Skips a run of digits; false when there is none.
    private mutating func skipDigits() -> Bool {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func literal(_ word: StaticString) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw failure("expected \(word)") }
        index += count
    }

    // MARK: Punctuation

    private mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }

    /// Steps over `byte` when it is next; whitespace before it must already be skipped.
    private mutating func consume(_ byte: UInt8) throws(JSONParseError) -> Bool {
        guard index < bytes.count else { throw failure("the text ends too early") }
        guard bytes[index] == byte else { return false }
        index += 1
        return true
    }

    private func failure(_ reason: String) -> JSONParseError {
        JSONParseError(offset: index, reason: reason)
    }
}
