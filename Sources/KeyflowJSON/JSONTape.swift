import Foundation

/// A JSON text checked once and noted as a flat list of its values in document order (a "tape"): where each
/// lies in the text and where the one after it begins. Reading a field walks its object's names comparing
/// bytes, and a string or number is made only when it is read; no tree, dictionary or string is built for
/// the rest. A reader that wants a few dozen fields of a document (Jumio's details, a stored flow) pays a
/// fraction of what a `JSONValue` tree costs, whose every name is hashed and every string allocated.
public final class JSONTape: Sendable {
    enum Kind: UInt8, Sendable {
        case object, array, string, escapedString, integer, number, `true`, `false`, null
    }

    /// One value: its kind, its bytes (a string's between its quotes; a container's from its opening bracket),
    /// its items (a container's; an object's fields count once, each a name followed by its value) and the
    /// index of the node after all of it.
    struct Node: Sendable {
        var kind: Kind
        var start: UInt32
        var end: UInt32
        var next: UInt32
        var count: UInt32 = 0

        init(kind: Kind, start: Int, end: Int, next: Int) {
            self.kind = kind
            self.start = UInt32(start)
            self.end = UInt32(end)
            self.next = UInt32(next)
        }

        var range: Range<Int> { Int(start)..<Int(end) }
    }

    private let bytes: [UInt8]
    private let nodes: [Node]

    public convenience init(parsing data: Data) throws(JSONParseError) {
        try self.init(bytes: Array(data))
    }

    public convenience init(parsing text: String) throws(JSONParseError) {
        try self.init(bytes: Array(text.utf8))
    }

    private init(bytes: [UInt8], nodes: [Node]) {
        self.bytes = bytes
        self.nodes = nodes
    }

    /// A `null` of its own, for a decoder that reads an absent value as null.
    static let null = JSONTape(bytes: Array("null".utf8), nodes: [Node(kind: .null, start: 0, end: 4, next: 1)]).root

    private init(bytes: [UInt8]) throws(JSONParseError) {
        let parsed = bytes.withUnsafeBufferPointer { text in
            Result { () throws(JSONParseError) -> [Node] in
                var parser = JSONParser(text)
                try parser.document()
                return parser.nodes
            }
        }
        self.bytes = bytes
        nodes = try parsed.get()
    }

    /// The document's value.
    public var root: Element { Element(tape: self, index: 0) }

    /// A value of the document; reading it makes only what is asked for.
    public struct Element: Sendable {
        fileprivate let tape: JSONTape
        fileprivate let index: Int

        private var node: Node { tape.nodes[index] }

        /// Where the value is in its document: the same for every `Element` of it.
        var position: Int { index }

        public var isNull: Bool { node.kind == .null }
        public var isObject: Bool { node.kind == .object }
        public var isArray: Bool { node.kind == .array }

        /// The value's kind in words, for an error that says what was found instead.
        var kindName: String {
            switch node.kind {
            case .string, .escapedString: "text"
            case .integer, .number: "a number"
            case .true, .false: "a boolean"
            case .object: "an object"
            case .array: "an array"
            case .null: "null"
            }
        }

        /// The text of a string, and nothing else (as `JSONValue.text`).
        public var text: String? {
            let node = node
            guard node.kind == .string || node.kind == .escapedString else { return nil }
            return tape.bytes.withUnsafeBufferPointer { JSONTape.text(of: node, in: $0) }
        }

        public var number: Double? {
            let node = node
            guard node.kind == .integer || node.kind == .number else { return nil }
            return tape.bytes.withUnsafeBufferPointer { JSONParser.number(node.range, exact: node.kind == .integer, in: $0) }
        }

        public var bool: Bool? {
            switch node.kind {
            case .true: true
            case .false: false
            default: nil
            }
        }

        /// The field `name` of an object (the last, if it is written more than once); nil when absent or when
        /// this is no object.
        public subscript(name: String) -> Element? {
            guard node.kind == .object else { return nil }
            var found: Element?
            var name = name
            name.withUTF8 { wanted in
                tape.bytes.withUnsafeBufferPointer { bytes in
                    forEachName { key in
                        if tape.isName(key, wanted, in: bytes) { found = Element(tape: tape, index: key + 1) }
                    }
                }
            }
            return found
        }

        /// An array's items; nil when this is no array.
        public var items: [Element]? {
            let node = node
            guard node.kind == .array else { return nil }
            var items: [Element] = []
            items.reserveCapacity(Int(node.count))
            var item = index + 1
            for _ in 0..<node.count {
                items.append(Element(tape: tape, index: item))
                item = Int(tape.nodes[item].next)
            }
            return items
        }

        /// An object's fields in the order written; nil when this is no object.
        public var fields: [(name: String, value: Element)]? {
            guard node.kind == .object else { return nil }
            var fields: [(name: String, value: Element)] = []
            fields.reserveCapacity(Int(node.count))
            forEachName { key in fields.append((Element(tape: tape, index: key).text ?? "", Element(tape: tape, index: key + 1))) }
            return fields
        }

        /// Calls `body` with the node index of each of an object's names, in order; its value is the node after it.
        private func forEachName(_ body: (Int) -> Void) {
            var key = index + 1
            for _ in 0..<node.count {
                body(key)
                key = Int(tape.nodes[key + 1].next)
            }
        }

        /// This value and all it holds as a `JSONValue`.
        public var value: JSONValue {
            tape.bytes.withUnsafeBufferPointer { bytes in
                var at = index
                return JSONTape.value(at: &at, nodes: tape.nodes, text: bytes)
            }
        }
    }

    /// Whether the node at `index` is a string whose text is `wanted`.
    private func isName(_ index: Int, _ wanted: UnsafeBufferPointer<UInt8>, in bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        let node = nodes[index]
        switch node.kind {
        case .string:
            return node.range.count == wanted.count
                && (wanted.isEmpty || memcmp(bytes.baseAddress! + node.range.lowerBound, wanted.baseAddress!, wanted.count) == 0)
        case .escapedString:
            return Self.text(of: node, in: bytes).utf8.elementsEqual(wanted)
        default:
            return false
        }
    }

    /// A string node's text. The parser has checked its escapes, so decoding them cannot fail.
    private static func text(of node: Node, in bytes: UnsafeBufferPointer<UInt8>) -> String {
        guard node.kind == .escapedString else {
            return String(decoding: UnsafeBufferPointer(rebasing: bytes[node.range]), as: UTF8.self)
        }
        return (try? JSONParser.unescaped(node.range, in: bytes)) ?? ""
    }

    /// The value of the node at `index` with all it holds, leaving `index` at the node after it.
    static func value(at index: inout Int, nodes: [Node], text: UnsafeBufferPointer<UInt8>) -> JSONValue {
        let node = nodes[index]
        index += 1
        switch node.kind {
        case .object:
            var fields = [String: JSONValue](minimumCapacity: Int(node.count))
            for _ in 0..<node.count {
                let name = Self.text(of: nodes[index], in: text)
                index += 1
                // A repeated name keeps its last value.
                fields[name] = value(at: &index, nodes: nodes, text: text)
            }
            return .object(fields)
        case .array:
            var items: [JSONValue] = []
            items.reserveCapacity(Int(node.count))
            for _ in 0..<node.count { items.append(value(at: &index, nodes: nodes, text: text)) }
            return .array(items)
        case .string, .escapedString: return .string(Self.text(of: node, in: text))
        case .integer, .number: return .number(JSONParser.number(node.range, exact: node.kind == .integer, in: text))
        case .true: return .bool(true)
        case .false: return .bool(false)
        case .null: return .null
        }
    }
}
