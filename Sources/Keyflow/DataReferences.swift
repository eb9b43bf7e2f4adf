import Foundation

/// Dynamic Data References: `{{…}}` tokens in titles and descriptions that read workspace details, people
/// bound to roles, earlier actions and flow variables.
///
/// A reference to an earlier action is written by its position (`{{actions.2.title}}`) and stored by the
/// action's id (`{{actions.<uuid>.title}}`), so inserting actions later never redirects it.
public enum DataReferences {
    /// One `{{…}}` occurrence in a text.
    struct Token {
        var range: Range<String.Index>
        var path: [String]
        var raw: String { path.joined(separator: ".") }
    }

    static func tokens(in text: String) -> [Token] {
        // Most texts hold no reference, which a look at their bytes tells for a fraction of Foundation's search.
        guard text.utf8.contains(UInt8(ascii: "{")) else { return [] }
        var result: [Token] = []
        var searchStart = text.startIndex
        while let open = text.range(of: "{{", range: searchStart..<text.endIndex),
            let close = text.range(of: "}}", range: open.upperBound..<text.endIndex)
        {
            let body = text[open.upperBound..<close.lowerBound].trimmingCharacters(in: .whitespaces)
            let path = body.split(separator: ".", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            result.append(Token(range: open.lowerBound..<close.upperBound, path: path))
            searchStart = close.upperBound
        }
        return result
    }

    private static func replacingTokens(in text: String, _ transform: (Token) -> String) -> String {
        var output = ""
        var cursor = text.startIndex
        for token in tokens(in: text) {
            output += text[cursor..<token.range.lowerBound]
            output += transform(token)
            cursor = token.range.upperBound
        }
        output += text[cursor...]
        return output
    }

    /// Rewrites `actions.N` (1-based, in the given order) into `actions.<id>`; ids and other tokens stay.
    public static func bind(_ text: String, actionOrder: [UUID]) -> String {
        replacingTokens(in: text) { token in
            guard token.path.count >= 2, token.path[0] == "actions", let number = Int(token.path[1]),
                actionOrder.indices.contains(number - 1)
            else { return String(text[token.range]) }
            var path = token.path
            path[1] = actionOrder[number - 1].uuidString
            return "{{\(path.joined(separator: "."))}}"
        }
    }

    /// Rewrites `actions.<id>` into the action's current 1-based position.
    public static func present(_ text: String, actionOrder: [UUID]) -> String {
        replacingTokens(in: text) { token in
            guard token.path.count >= 2, token.path[0] == "actions", let id = UUID(uuidString: token.path[1]),
                let index = actionOrder.firstIndex(of: id)
            else { return String(text[token.range]) }
            var path = token.path
            path[1] = String(index + 1)
            return "{{\(path.joined(separator: "."))}}"
        }
    }

    /// Refuses any token that names an unknown source or an action at or after this position.
    public static func validate(_ text: String, field: String, scope: ReferenceScope) throws(DomainError) {
        for token in tokens(in: text) {
            if let problem = problem(with: token.path, scope: scope) {
                let shown = present("{{\(token.raw)}}", actionOrder: scope.actionOrder)
                throw .invalid("\(shown): \(problem)", field: field)
            }
        }
    }

    private static func problem(with path: [String], scope: ReferenceScope) -> String? {
        switch path.first {
        case "workspace":
            let known: Set<[String]> = [["name"], ["description"], ["owner", "name"], ["owner", "email"]]
            return known.contains(Array(path.dropFirst()))
                ? nil : "the workspace offers name, description, owner.name and owner.email"
        case "role":
            guard path.count == 3, ["name", "email"].contains(path[2]) else {
                return "write {{role.<Role>.name}} or {{role.<Role>.email}}"
            }
            return scope.roles.contains(path[1]) ? nil : "there is no role '\(path[1])'"
        case "variables":
            guard path.count == 2 else { return "write {{variables.<name>}}" }
            return scope.variables.contains(path[1]) ? nil : "there is no variable '\(path[1])'"
        case "actions":
            return actionProblem(path, scope: scope)
        default:
            return "unknown source; references start with workspace, role, actions or variables"
        }
    }

    private static func actionProblem(_ path: [String], scope: ReferenceScope) -> String? {
        guard path.count >= 3 else { return "write {{actions.<N>.title}} or {{actions.<N>.outputs.<field>}}" }
        let earlier = scope.earlierActions
        let action: ActionDefinition?
        if let number = Int(path[1]) {
            guard number >= 1 else { return "actions are counted from 1" }
            guard number <= earlier.count else {
                return "only the \(earlier.count) action(s) before this one can be referenced"
            }
            action = earlier[number - 1]
        } else if let id = UUID(uuidString: path[1]) {
            action = earlier.first { $0.id == id }
            guard action != nil else {
                return "only the \(earlier.count) action(s) before this one can be referenced"
            }
        } else {
            return "'\(path[1])' is not an action number"
        }
        let attribute = Array(path.dropFirst(2))
        if attribute == ["title"] || attribute == ["status"] || attribute == ["completedAt"] { return nil }
        guard attribute.count == 2, attribute[0] == "outputs" else {
            return "an action offers title, status, completedAt and outputs.<field>"
        }
        let outputs = action!.declaredOutputs
        guard outputs.contains(attribute[1]) else {
            return outputs.isEmpty
                ? "that action produces no outputs"
                : "that action's outputs are \(outputs.joined(separator: ", "))"
        }
        return nil
    }

    /// Every reference available to an action standing after `scope.earlierActions`, for the '{.}' picker.
    public static func available(in scope: ReferenceScope) -> [ReferenceOption] {
        var options: [ReferenceOption] = [
            .init(token: "{{workspace.name}}", label: "Workspace name", group: "Workspace"),
            .init(token: "{{workspace.description}}", label: "Workspace description", group: "Workspace"),
            .init(token: "{{workspace.owner.name}}", label: "Workspace owner's name", group: "Workspace"),
            .init(token: "{{workspace.owner.email}}", label: "Workspace owner's email", group: "Workspace"),
        ]
        for role in scope.roles {
            options.append(.init(token: "{{role.\(role).name}}", label: "\(role)'s name", group: "Roles"))
            options.append(.init(token: "{{role.\(role).email}}", label: "\(role)'s email", group: "Roles"))
        }
        for (index, action) in scope.earlierActions.enumerated() {
            let number = index + 1
            let group = "\(number). \(action.title)"
            options.append(.init(token: "{{actions.\(number).title}}", label: "Title", group: group))
            options.append(.init(token: "{{actions.\(number).status}}", label: "Status", group: group))
            options.append(.init(token: "{{actions.\(number).completedAt}}", label: "Completed at", group: group))
            for output in action.declaredOutputs {
                options.append(.init(token: "{{actions.\(number).outputs.\(output)}}", label: output, group: group))
            }
        }
        for variable in scope.variables {
            options.append(.init(token: "{{variables.\(variable)}}", label: variable, group: "Variables"))
        }
        return options
    }

    /// Renders a bound text with the values known now; a value still missing renders empty and is reported.
    public static func resolve(_ text: String, in context: ResolutionContext) -> (text: String, warnings: [String]) {
        var warnings: [String] = []
        let rendered = replacingTokens(in: text) { token in
            if let value = context.value(for: token.path), !value.isEmpty { return value }
            let shown = present("{{\(token.raw)}}", actionOrder: context.actionOrder)
            warnings.append("\(shown) has no value yet")
            return ""
        }
        return (rendered, warnings)
    }
}

public struct ReferenceOption: Codable, Sendable, Equatable {
    public var token: String
    public var label: String
    public var group: String
}

/// The values references read when an action becomes active.
public struct ResolutionContext: Sendable {
    public var workspaceName: String
    public var workspaceDescription: String
    public var owner: Person?
    public var roles: [String: Person]
    public var actions: [FlowAction]
    public var variables: [String: String]
    public var timeZone: TimeZone

    var actionOrder: [UUID] { actions.map(\.id) }

    func value(for path: [String]) -> String? {
        switch path.first {
        case "workspace":
            switch Array(path.dropFirst()) {
            case ["name"]: return workspaceName
            case ["description"]: return workspaceDescription
            case ["owner", "name"]: return owner?.name
            case ["owner", "email"]: return owner?.email
            default: return nil
            }
        case "role" where path.count == 3:
            guard let person = roles[path[1]] else { return nil }
            return path[2] == "email" ? person.email : person.name
        case "variables" where path.count == 2:
            return variables[path[1]]
        case "actions" where path.count >= 3:
            guard let id = UUID(uuidString: path[1]), let action = actions.first(where: { $0.id == id }) else {
                return nil
            }
            switch Array(path.dropFirst(2)) {
            case ["title"]: return action.title
            case ["status"]: return action.status.rawValue
            case ["completedAt"]: return action.completedAt.map(format)
            case let attribute where attribute.count == 2 && attribute[0] == "outputs":
                return action.outputs[attribute[1]]?.description
            default: return nil
            }
        default:
            return nil
        }
    }

    private func format(_ date: Date) -> String {
        var style = Date.ISO8601FormatStyle(timeZone: timeZone)
        style = style.year().month().day()
        return date.formatted(style)
    }
}
