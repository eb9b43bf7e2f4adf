import Foundation
import Keyflow

/// Finds the first field of a JSON body that the decoded value has no place for, so a misspelt or invented
/// field is refused with its path instead of being silently dropped. The value's stored properties (by
/// reflection) are the fields it knows; dictionaries hold data, not fields, and are not checked.
enum UnknownFields {
    static func first(in json: Any, decodedAs value: Any, path: String = "") -> (path: String, known: [String])? {
        let value = unwrapped(value)
        if let transparent = value as? any TransparentJSON { return first(in: json, decodedAs: transparent.jsonValue, path: path) }
        if let object = json as? [String: Any] {
            let mirror = Mirror(reflecting: value)
            guard mirror.displayStyle != .dictionary else { return nil }
            let known = (value as? any NamedJSONKeys).map { type(of: $0).jsonKeys }
                ?? mirror.children.compactMap(\.label)
            let children = Dictionary(mirror.children.compactMap { child in child.label.map { ($0, child.value) } }) { first, _ in first }
            for key in object.keys.sorted() {
                let at = path.isEmpty ? key : "\(path).\(key)"
                guard known.contains(key) else { return (at, known) }
                if let child = children[key], let nested = object[key], let found = first(in: nested, decodedAs: child, path: at) {
                    return found
                }
            }
            return nil
        }
        if let array = json as? [Any], Mirror(reflecting: value).displayStyle == .collection {
            for (index, (element, decoded)) in zip(array, Mirror(reflecting: value).children.map(\.value)).enumerated() {
                if let found = first(in: element, decodedAs: decoded, path: path.isEmpty ? "\(index + 1)" : "\(path).\(index + 1)") {
                    return found
                }
            }
        }
        return nil
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
