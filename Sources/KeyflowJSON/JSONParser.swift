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
    /// `Codable`, which costs several times more. A reader that wants only some fields of a large text takes
    /// `JSONTape` instead, which makes nothing it is not asked for.
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
        let text = bytes.assumingMemoryBound(to: UInt8.self)
        var parser = JSONParser(text)
        try parser.document()
        var index = 0
        self = JSONTape.value(at: &index, nodes: parser.nodes, text: text)
    }
}

/// A recursive-descent reader over UTF-8 bytes that checks the whole text and notes where each value lies in
/// it, in document order (`JSONTape.Node`); strings and numbers are only scanned, and made by whoever reads
/// them. Nesting is capped so a hostile text cannot exhaust the stack.
struct JSONParser {
    static let maximumDepth = 512

    private let bytes: UnsafeBufferPointer<UInt8>
    private var index = 0
    private var depth = 0
    private(set) var nodes: [JSONTape.Node] = []

    init(_ bytes: UnsafeBufferPointer<UInt8>) {
        self.bytes = bytes
    }

    mutating func document() throws(JSONParseError) {
        guard bytes.count < Int(UInt32.max) else { throw failure("a JSON text of 4 GB or more is not read") }
        nodes.reserveCapacity(bytes.count / 8)
        try value()
        skipWhitespace()
        guard index == bytes.count else { throw failure("unexpected text after the value") }
    }

    private mutating func value() throws(JSONParseError) {
        skipWhitespace()
        guard index < bytes.count else { throw failure("the text ends where a value should be") }
        switch bytes[index] {
        case UInt8(ascii: "\""): try string()
        case UInt8(ascii: "{"): try object()
        case UInt8(ascii: "["): try array()
        case UInt8(ascii: "t"): try literal("true", .true)
        case UInt8(ascii: "f"): try literal("false", .false)
        case UInt8(ascii: "n"): try literal("null", .null)
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): try number()
        default: throw failure("a value cannot start with '\(Character(Unicode.Scalar(bytes[index])))'")
        }
    }

    private mutating func object() throws(JSONParseError) {
        try enterNesting()
        let node = open(.object)
        skipWhitespace()
        var count = 0
        if try !consume(UInt8(ascii: "}")) {
            repeat {
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { throw failure("expected a field name in quotes") }
                try string()
                skipWhitespace()
                guard try consume(UInt8(ascii: ":")) else { throw failure("expected ':' after a field name") }
                try value()
                count += 1
                skipWhitespace()
            } while try consume(UInt8(ascii: ","))
            guard try consume(UInt8(ascii: "}")) else { throw failure("expected ',' or '}' in an object") }
        }
        close(node, count: count)
    }

    private mutating func array() throws(JSONParseError) {
        try enterNesting()
        let node = open(.array)
        skipWhitespace()
        var count = 0
        if try !consume(UInt8(ascii: "]")) {
            repeat {
                try value()
                count += 1
                skipWhitespace()
            } while try consume(UInt8(ascii: ","))
            guard try consume(UInt8(ascii: "]")) else { throw failure("expected ',' or ']' in an array") }
        }
        close(node, count: count)
    }

    private mutating func enterNesting() throws(JSONParseError) {
        depth += 1
        guard depth <= Self.maximumDepth else { throw failure("nested more than \(Self.maximumDepth) levels deep") }
    }

    /// Notes a container at its opening bracket and steps over it; `close` completes the note.
    private mutating func open(_ kind: JSONTape.Kind) -> Int {
        nodes.append(JSONTape.Node(kind: kind, start: index, end: index, next: 0))
        index += 1
        return nodes.count - 1
    }

    private mutating func close(_ node: Int, count: Int) {
        depth -= 1
        nodes[node].end = UInt32(index)
        nodes[node].count = UInt32(count)
        nodes[node].next = UInt32(nodes.count)
    }

    private mutating func note(_ kind: JSONTape.Kind, from start: Int) {
        nodes.append(JSONTape.Node(kind: kind, start: start, end: index, next: nodes.count + 1))
    }

    // MARK: Strings

    /// Checks a string starting at its opening quote and notes its content, between the quotes.
    private mutating func string() throws(JSONParseError) {
        index += 1
        let start = index
        var runStart = index
        var ascii = true
        var escaped = false
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                if !ascii { try checkUTF8(runStart..<index) }
                note(escaped ? .escapedString : .string, from: start)
                index += 1
                return
            }
            if byte == UInt8(ascii: "\\") {
                if !ascii { try checkUTF8(runStart..<index) }
                index += 1
                _ = try escape()
                escaped = true
                ascii = true
                runStart = index
                continue
            }
            guard byte >= 0x20 else { throw failure("a control character inside a string must be escaped") }
            if byte >= 0x80 { ascii = false }
            index += 1
        }
        throw failure("a string is not closed")
    }

    /// The text of a string checked by `string()` that has escapes: its runs copied, its escapes decoded, made
    /// a `String` once (appending to a `String` piece by piece costs more: Jumio writes every `/` of a URL as
    /// `\/`).
    static func unescaped(_ range: Range<Int>, in bytes: UnsafeBufferPointer<UInt8>) throws(JSONParseError) -> String {
        var reader = JSONParser(bytes)
        reader.index = range.lowerBound
        var text: [UInt8] = []
        text.reserveCapacity(range.count)
        while reader.index < range.upperBound {
            let runStart = reader.index
            while reader.index < range.upperBound, bytes[reader.index] != UInt8(ascii: "\\") { reader.index += 1 }
            text.append(contentsOf: bytes[runStart..<reader.index])
            guard reader.index < range.upperBound else { break }
            reader.index += 1
            UTF8.encode(try reader.escape()) { text.append($0) }
        }
        return String(decoding: text, as: UTF8.self)
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

    /// Checks a run of bytes with some above ASCII (most keys and values have none and need no check).
    private func checkUTF8(_ range: Range<Int>) throws(JSONParseError) {
        var decoder = UTF8()
        var iterator = UnsafeBufferPointer(rebasing: bytes[range]).makeIterator()
        while true {
            switch decoder.decode(&iterator) {
            case .scalarValue: continue
            case .emptyInput: return
            case .error: throw JSONParseError(offset: range.lowerBound, reason: "a string is not valid UTF-8")
            }
        }
    }

    // MARK: Numbers and literals

    /// Checks a number in JSON's grammar and notes it; one that could overflow a `Double` (with an exponent, or
    /// over 300 digits) is converted here to refuse it if it does.
    private mutating func number() throws(JSONParseError) {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count, isDigit(bytes[index]) else { throw failure("a '-' must be followed by digits") }
        let digitsStart = index
        if bytes[index] == UInt8(ascii: "0") { index += 1 } else { _ = skipDigits() }
        let digits = index - digitsStart
        var whole = true
        var exponent = false
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
            exponent = true
        }
        if exponent || digits > 300, !Self.number(start..<index, exact: false, in: bytes).isFinite {
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
            throw JSONParseError(offset: start, reason: "the number \(text) is out of range")
        }
        note(whole && digits <= 15 ? .integer : .number, from: start)
    }

    /// The value of a number checked by `number()`; `exact`, an integer of up to 15 digits, is added up
    /// without going through text.
    static func number(_ range: Range<Int>, exact: Bool, in bytes: UnsafeBufferPointer<UInt8>) -> Double {
        guard exact else {
            return Double(String(decoding: UnsafeBufferPointer(rebasing: bytes[range]), as: UTF8.self)) ?? .nan
        }
        let negative = bytes[range.lowerBound] == UInt8(ascii: "-")
        var integer: Int64 = 0
        for byte in bytes[(negative ? range.lowerBound + 1 : range.lowerBound)..<range.upperBound] {
            integer = integer * 10 + Int64(byte - UInt8(ascii: "0"))
        }
        return negative ? -Double(integer) : Double(integer)
    }

    /// Skips a run of digits; false when there is none.
    private mutating func skipDigits() -> Bool {
        let start = index
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
        return index > start
    }

    private func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }

    private mutating func literal(_ word: StaticString, _ kind: JSONTape.Kind) throws(JSONParseError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
            memcmp(bytes.baseAddress! + index, word.utf8Start, count) == 0
        else { throw failure("expected \(word)") }
        index += count
        note(kind, from: index - count)
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
