/// The fields a value asked for while it was read from a JSON text, per object of the text: what the value
/// has a place for. A field of an object that nothing asked for would be dropped without a word; finding it
/// lets an API refuse a misspelt or invented field, with its path.
///
/// Learning this from the reading itself follows whatever the type's `init(from:)` does — its own key names,
/// a field read under a condition, a value read as one of two shapes — where reflecting on the decoded value
/// had to be told about each of those, and cost ≈ 100,000 instructions a request (`bench/callgrind`).
final class FieldReads {
    /// By an object's position in the text: the names asked for, in the order first asked. A dictionary asks
    /// for each of its keys as it reads it, so its keys are never unknown.
    private var asked: [Int: [String]] = [:]

    /// The object is read field by field: its names are checked even if it asks for none.
    func open(_ object: JSONTape.Element) {
        if asked[object.position] == nil { asked[object.position] = [] }
    }

    func ask(_ name: String, of object: JSONTape.Element) {
        if asked[object.position]?.contains(name) == true { return }
        asked[object.position, default: []].append(name)
    }

    /// The first field nothing asked for, in the order of the paths (an object's names sorted, an array's
    /// items in order), under `element`. Objects read as a whole (`JSONValue`) were never opened and hold no
    /// fields of the value's.
    func firstUnasked(in element: JSONTape.Element, path: String = "") -> UnknownField? {
        if let fields = element.fields {
            let known = asked[element.position]
            // A name written twice is read as its last value, as the decoder reads it.
            let values = Dictionary(fields, uniquingKeysWith: { $1 })
            for (name, value) in values.sorted(by: { $0.key < $1.key }) {
                let at = path.isEmpty ? name : "\(path).\(name)"
                if let known, !known.contains(name) { return UnknownField(path: at, known: known) }
                if let found = firstUnasked(in: value, path: at) { return found }
            }
        } else if let items = element.items {
            for (index, item) in items.enumerated() {
                if let found = firstUnasked(in: item, path: path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)") { return found }
            }
        }
        return nil
    }
}

/// A field of a JSON object that the value read from it has no place for.
public struct UnknownField: Error, Equatable, Sendable {
    /// Where it is: names and item numbers (from 1) joined by dots, as `actions.1.jumio.clientSecrt`.
    public var path: String
    /// The fields the object's value reads, in the order it reads them.
    public var known: [String]

    public init(path: String, known: [String]) {
        self.path = path
        self.known = known
    }

    /// The field's own name, the path's last part.
    public var name: String { path.split(separator: ".").last.map(String.init) ?? path }
}
