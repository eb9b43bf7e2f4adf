/// The typed fields of a Form action; the answers become the action's outputs.
public struct FormSpec: Codable, Sendable, Equatable {
    public var fields: [FormField]

    public init(fields: [FormField]) { self.fields = fields }

    public func validate(field path: String) throws(DomainError) {
        guard !fields.isEmpty else { throw .invalid("a form needs at least one field", field: "\(path).fields") }
        var seen = Set<String>()
        for (index, field) in fields.enumerated() {
            let at = "\(path).fields.\(index + 1)"
            guard FormField.isValidName(field.name) else {
                throw .invalid(
                    "field name '\(field.name)' must start with a letter and use only letters, digits and _ (at most 64)",
                    field: "\(at).name")
            }
            guard seen.insert(field.name).inserted else {
                throw .invalid("field name '\(field.name)' is used twice", field: "\(at).name")
            }
            guard !field.label.trimmingCharacters(in: .whitespaces).isEmpty else {
                throw .invalid("field '\(field.name)' needs a label", field: "\(at).label")
            }
            if field.type == .choice, (field.options ?? []).isEmpty {
                throw .invalid("choice field '\(field.name)' needs at least one option", field: "\(at).options")
            }
        }
    }

    /// Checks submitted answers against the fields and turns them into outputs.
    public func outputs(from answers: [String: OutputValue]) throws(DomainError) -> [String: OutputValue] {
        let known = Set(fields.map(\.name))
        if let unknown = answers.keys.sorted().first(where: { !known.contains($0) }) {
            throw .invalid("this form has no field '\(unknown)'", field: "answers.\(unknown)")
        }
        var outputs: [String: OutputValue] = [:]
        for field in fields {
            guard let answer = answers[field.name] else {
                if field.required { throw .invalid("'\(field.label)' is required", field: "answers.\(field.name)") }
                continue
            }
            outputs[field.name] = try field.check(answer)
        }
        return outputs
    }
}

public struct FormField: Codable, Sendable, Equatable {
    public enum FieldType: String, Codable, Sendable, CaseIterable {
        case text, number, date, choice, checkbox
    }

    public var name: String
    public var label: String
    public var type: FieldType
    public var required: Bool
    public var options: [String]?

    public init(name: String, label: String, type: FieldType, required: Bool = false, options: [String]? = nil) {
        self.name = name
        self.label = label
        self.type = type
        self.required = required
        self.options = options
    }

    enum CodingKeys: String, CodingKey { case name, label, type, required, options }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        name = try container.decode(String.self, forKey: .name)
        label = try container.decodeIfPresent(String.self, forKey: .label) ?? name
        type = try container.decode(FieldType.self, forKey: .type)
        required = try container.decodeIfPresent(Bool.self, forKey: .required) ?? false
        options = try container.decodeIfPresent([String].self, forKey: .options)
    }

    static func isValidName(_ name: String) -> Bool {
        guard let first = name.unicodeScalars.first, name.count <= 64, first.properties.isAlphabetic, first.isASCII
        else { return false }
        return name.unicodeScalars.allSatisfy { ($0.isASCII && $0.properties.isAlphabetic) || ("0"..."9").contains($0) || $0 == "_" }
    }

    func check(_ answer: OutputValue) throws(DomainError) -> OutputValue {
        let at = "answers.\(name)"
        switch (type, answer) {
        case (.text, .text(let text)):
            guard text.count <= 10_000 else { throw .invalid("'\(label)' is longer than 10000 characters", field: at) }
            if required, text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw .invalid("'\(label)' is required", field: at)
            }
            return answer
        case (.number, .number(let number)) where number.isFinite:
            return answer
        case (.number, .text(let text)):
            guard let number = Double(text), number.isFinite else {
                throw .invalid("'\(label)' must be a number, got '\(text)'", field: at)
            }
            return .number(number)
        case (.date, .text(let text)):
            guard LocalDate(text) != nil else {
                throw .invalid("'\(label)' must be a date written YYYY-MM-DD, got '\(text)'", field: at)
            }
            return answer
        case (.choice, .text(let text)):
            guard options?.contains(text) == true else {
                throw .invalid(
                    "'\(label)' must be one of \((options ?? []).joined(separator: ", ")), got '\(text)'", field: at)
            }
            return answer
        case (.checkbox, .bool(let checked)):
            if required, !checked { throw .invalid("'\(label)' must be ticked", field: at) }
            return answer
        default:
            throw .invalid("'\(label)' expects a \(type.rawValue) answer", field: at)
        }
    }
}

import Foundation
