import Foundation
import Keyflow
import KeyflowJSON
import Synchronization

/// Finds the first field of a JSON body that the decoded value has no place for, so a misspelt or invented
/// field is refused with its path instead of being silently dropped. The value's stored properties (by
/// reflection) are the fields it knows; dictionaries hold data, not fields, and are not checked.
enum UnknownFields {
    /// Reflection runs only where the body has an object or an array: a leaf has no fields to check, and most
    /// of a body's values are leaves.
    static func first(in json: JSONTape.Element, decodedAs value: Any, path: String = "") -> (path: String, known: [String])? {
        if let fields = json.fields {
            let value = unwrapped(value)
            if let transparent = value as? any TransparentJSON { return first(in: json, decodedAs: transparent.jsonValue, path: path) }
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle != .dictionary else { return nil }
            let labels = labels(of: value, mirror)
            let known = (value as? any NamedJSONKeys).map { type(of: $0).jsonKeys } ?? labels
            for key in Set(fields.map(\.name)).sorted() {
                let at = path.isEmpty ? key : "\(path).\(key)"
                guard known.contains(key) else { return (at, known) }
                guard let nested = json[key], nested.isObject || nested.isArray, let offset = labels.firstIndex(of: key) else { continue }
                let child = mirror.children[mirror.children.index(mirror.children.startIndex, offsetBy: offset)].value
                if let found = first(in: nested, decodedAs: child, path: at) { return found }
            }
            return nil
        }
        if let items = json.items {
            let value = unwrapped(value)
            if let transparent = value as? any TransparentJSON { return first(in: json, decodedAs: transparent.jsonValue, path: path) }
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle == .collection else { return nil }
            for (index, (element, decoded)) in zip(items, mirror.children.map(\.value)).enumerated()
            where element.isObject || element.isArray {
                if let found = first(in: element, decodedAs: decoded, path: path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)") {
                    return found
                }
            }
            return nil
        }
        return nil
    }

    /// A struct's stored properties in order, found by reflection once per type: reading a mirror's children
    /// demangles each field's type, and that was most of this check's cost (≈ 9 % of the server's CPU while
    /// flows were being started). An enum's children depend on its case, so they are read every time.
    private static let labelsByType = Mutex<[ObjectIdentifier: [String]]>([:])

    private static func labels(of value: Any, _ mirror: Mirror) -> [String] {
        guard mirror.displayStyle == .struct || mirror.displayStyle == .class else {
            return mirror.children.compactMap(\.label)
        }
        let type = ObjectIdentifier(Swift.type(of: value))
        if let labels = labelsByType.withLock({ $0[type] }) { return labels }
        let labels = mirror.children.compactMap(\.label)
        labelsByType.withLock { $0[type] = labels }
        return labels
    }

    private static func unwrapped(_ value: Any) -> Any {
        let mirror = Mirror(reflecting: value)
        guard mirror.displayStyle == .optional, let some = mirror.children.first else { return value }
        return unwrapped(some.value)
    }
}

/// A type whose JSON keys differ from its stored properties.
protocol NamedJSONKeys {
    static var jsonKeys: [String] { get }
}

/// A wrapper decoded from the same JSON as the value it wraps.
protocol TransparentJSON {
    var jsonValue: Any { get }
}

extension Assignee: NamedJSONKeys {
    static var jsonKeys: [String] { ["userId", "role"] }
}

extension AssigneeInput: TransparentJSON {
    var jsonValue: Any {
        switch self {
        case .one(let assignee): assignee
        case .many(let assignees): assignees
        }
    }
}
