import Foundation
import Hummingbird
import JumioKit
import KeyflowJSON
import NIOFoundationCompat

extension JumioSandbox {
    struct JourneyAction: Decodable {
        var authorizationToken: String
        var outcome: String?
    }

    func addJourneyRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.get("web/client") { request, _ in
            let token = request.uri.queryParameters["authorizationToken"].map(String.init) ?? ""
            let locale = request.uri.queryParameters["locale"].map(String.init) ?? "en"
            return self.journeyPage(token: token, locale: locale)
        }
        group.post("web/client/start") { request, _ in
            try await self.answer {
                let action = try await Self.journeyAction(request)
                try self.startJourney(authorizationToken: action.authorizationToken)
                return try Self.json(["started": true])
            }
        }
        group.post("web/client/submit") { request, _ in
            try await self.answer {
                let action = try await Self.journeyAction(request)
                guard let outcome = Self.outcome(action.outcome ?? "pass") else {
                    throw SandboxError.badRequest("unknown outcome '\(action.outcome ?? "")'")
                }
                let execution = try self.submitJourney(authorizationToken: action.authorizationToken, outcome: outcome)
                return try Self.json(["status": execution.status.rawValue])
            }
        }
    }

    static func journeyAction(_ request: Request) async throws -> JourneyAction {
        let body = try await request.body.collect(upTo: 16 * 1024)
        do {
            return try JSONDecoder().decode(JourneyAction.self, from: Data(buffer: body))
        } catch {
            throw SandboxError.badRequest("send {\"authorizationToken\": …}")
        }
    }

    /// `pass`, `expire`, `reject:<LABEL>` or `warning:<LABEL>`.
    static func outcome(_ text: String) -> SandboxOutcome? {
        switch text {
        case "pass": return .pass
        case "expire": return .expire
        default:
            let parts = text.split(separator: ":", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else { return nil }
            switch parts[0] {
            case "reject": return .reject(label: parts[1])
            case "warning": return .warning(label: parts[1])
            default: return nil
            }
        }
    }

    func journeyPage(token: String, locale: String) -> Response {
        settle()
        let execution = state.withLock { state in
            state.executionByAuthorization[token].flatMap { state.executions[$0] }
        }
        var config: [String: JSONValue] = [
            "authorizationToken": .string(token),
            "accountId": .string(execution?.accountID ?? ""),
            "workflowExecutionId": .string(execution?.id ?? ""),
            "customerInternalReference": .string(execution?.customerInternalReference ?? ""),
            "needsSelfie": .bool(execution?.credentials.contains { $0.category == "SELFIE" } ?? false),
        ]
        if let success = execution?.successURL { config["successUrl"] = .string(success) }
        if let error = execution?.errorURL { config["errorUrl"] = .string(error) }
        if execution == nil {
            config["problem"] = .string("This verification link is invalid.")
            config["problemCode"] = .number(9200)
        } else if execution?.status == .tokenExpired || execution?.status == .sessionExpired {
            config["problem"] = .string("This verification link has expired.")
            config["problemCode"] = .number(execution?.status == .sessionExpired ? 9210 : 9200)
        } else if execution?.status != .initiated {
            config["problem"] = .string("These documents were already submitted.")
            config["problemCode"] = .number(9200)
        }
        let json = String(decoding: JSONValue.object(config).serialized, as: UTF8.self)
        // Inside <script>, "<" must never appear raw, so no value can close the element.
        let safeJSON = json.replacingOccurrences(of: "<", with: "\\u003c")
        let language = String(locale.prefix(2)).filter(\.isLetter)
        let html = Self.journeyTemplate
            .replacingOccurrences(of: "{{config}}", with: safeJSON)
            .replacingOccurrences(of: "{{lang}}", with: language.isEmpty ? "en" : language)
        return Response(
            status: .ok,
            headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
            body: .init(byteBuffer: ByteBuffer(string: html)))
    }

    static let journeyTemplate: String = {
        guard let url = Bundle.module.url(forResource: "journey", withExtension: "html", subdirectory: "Resources"),
            let text = try? String(contentsOf: url, encoding: .utf8)
        else { fatalError("journey.html is missing from the JumioSandbox bundle") }
        return text
    }()
}
