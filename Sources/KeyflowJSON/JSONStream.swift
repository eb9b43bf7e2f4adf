import Foundation

/// The text written so far and the containers still open, innermost last.
///
/// Both are written on nearly every call while a document is encoded, and Swift checked each of those
/// accesses at run time for overlap (about a fifth of the time spent encoding a flow). One encoding runs on
/// one task and no access here overlaps another, so the checks are turned off for them.
final class JSONStream {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) private var open: [(isObject: Bool, count: Int)] = []

    /// Dates as ISO 8601 text (`JSONEncoder`'s `.iso8601`) instead of seconds since 2001.
    let datesAsISO8601: Bool

    init(datesAsISO8601: Bool = false) {
        self.datesAsISO8601 = datesAsISO8601
        bytes.reserveCapacity(4096)
    }

    var depth: Int { open.count }

    /// Writes one value where the text stands; a value that writes nothing is `{}`, as `JSONEncoder` has it.
    func value<T: Encodable>(_ value: T) throws {
        if T.self == Data.self {
            return string((value as! Data).base64EncodedString())
        }
        if T.self == URL.self { return string((value as! URL).absoluteString) }
        if T.self == Decimal.self { return bytes.append(contentsOf: (value as! Decimal).description.utf8) }
        if T.self == UUID.self { return string((value as! UUID).text(uppercase: true)) }
        if T.self == Date.self, datesAsISO8601 { return ISO8601Text.append(value as! Date, to: &bytes) }
        let depth = open.count
        let start = bytes.count
        try value.encode(to: StreamEncoder(stream: self, depth: depth))
        if bytes.count == start { bytes.append(contentsOf: "{}".utf8) }
        close(above: depth)
    }

    /// Opens an object or array as the value being written.
    func begin(object: Bool) {
        bytes.append(object ? UInt8(ascii: "{") : UInt8(ascii: "["))
        open.append((object, 0))
    }

    /// Makes room for the next entry of the container at `level`: closes anything nested in it that is still
    /// open, then writes the separator and, in an object, the key.
    func entry(at level: Int, key: String?) {
        close(above: level + 1)
        finishEmptyEntry()
        if open[level].count > 0 { bytes.append(UInt8(ascii: ",")) }
        open[level].count += 1
        if let key {
            string(key)
            bytes.append(UInt8(ascii: ":"))
        }
    }

    func count(at level: Int) -> Int { open[level].count }

    private func close(above level: Int) {
        while open.count > level {
            finishEmptyEntry()
            bytes.append(open.removeLast().isObject ? UInt8(ascii: "}") : UInt8(ascii: "]"))
        }
    }

    /// A key whose value wrote nothing (a super-encoder left unused) gets `{}`, as `JSONEncoder` gives it; no
    /// value ends in a colon, so the text ends in one only then.
    private func finishEmptyEntry() {
        if bytes.last == UInt8(ascii: ":") { bytes.append(contentsOf: "{}".utf8) }
    }

    func null() { bytes.append(contentsOf: "null".utf8) }

    func bool(_ value: Bool) { bytes.append(contentsOf: (value ? "true" : "false").utf8) }

    func integer(_ value: some BinaryInteger) { bytes.append(contentsOf: String(value).utf8) }

    func number(_ value: Double) throws {
        try JSONLiteral.requireFinite(value)
        JSONLiteral.append(value, to: &bytes)
    }

    func string(_ text: String) {
        JSONLiteral.append(text, to: &bytes)
    }
}
