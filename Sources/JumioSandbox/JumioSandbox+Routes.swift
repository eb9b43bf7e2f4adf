import Foundation
import Hummingbird
import JumioKit
import KeyflowJSON
import NIOFoundationCompat

extension JumioSandbox {
    /// Mounts the emulated APIs and the web journey on a router group: `/oauth2/token`, `/api/v1/accounts…`,
    /// `/status` and `/web/client`. `publicBaseURL` must point at this group.
    public func addRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.post("oauth2/token") { request, _ in
            try await self.answer {
                if let failure = self.takeForcedFailure() { throw failure }
                let form = String(buffer: try await request.body.collect(upTo: 8 * 1024))
                let token = try self.issueToken(authorization: request.headers[.authorization], form: form)
                return Self.json(.object([
                    "access_token": .string(token.token), "expires_in": .number(Double(token.expiresIn)),
                    "token_type": .string("Bearer"),
                ]))
            }
        }
        group.post("api/v1/accounts") { request, _ in
            try await self.api(request) { body in try Self.json(try self.initiate(body, accountID: nil)) }
        }
        group.put("api/v1/accounts/:account") { request, context in
            let account = context.parameters.get("account") ?? ""
            return try await self.api(request) { body in try Self.json(try self.initiate(body, accountID: account)) }
        }
        group.get("api/v1/accounts/:account/workflow-executions/:execution") { request, context in
            let (account, execution) = (context.parameters.get("account") ?? "", context.parameters.get("execution") ?? "")
            return try await self.api(request) { _ in
                Self.json(bytes: try self.execution(accountID: account, executionID: execution).details(base: self.publicBaseURL))
            }
        }
        group.get("api/v1/accounts/:account/workflow-executions/:execution/status") { request, context in
            let (account, execution) = (context.parameters.get("account") ?? "", context.parameters.get("execution") ?? "")
            return try await self.api(request) { _ in
                let found = try self.execution(accountID: account, executionID: execution)
                let base = self.publicBaseURL
                return try Self.json(JumioStatusResponse(
                    account: .init(id: found.accountID, href: "\(base)/api/v1/accounts/\(found.accountID)"),
                    workflowExecution: .init(
                        id: found.id, href: "\(base)/api/v1/workflow-executions/\(found.id)",
                        definitionKey: String(found.key), status: found.status)))
            }
        }
        group.delete("api/v1/accounts/:account") { request, context in
            let account = context.parameters.get("account") ?? ""
            return try await self.api(request) { _ in
                try self.deleteAccount(account)
                return Response(status: .ok)
            }
        }
        group.delete("api/v1/accounts/:account/workflow-executions/:execution") { request, context in
            let (account, execution) = (context.parameters.get("account") ?? "", context.parameters.get("execution") ?? "")
            return try await self.api(request) { _ in
                try self.deleteExecution(accountID: account, executionID: execution)
                return Response(status: .ok)
            }
        }
        group.get("status") { _, _ in try Self.json(JumioHealth(status: "UP", details: nil)) }
        addJourneyRoutes(to: group)
        addControlRoutes(to: group)
    }

    /// An API call: latency, header and token checks, then the operation; refusals as Jumio's error body.
    private func api(_ request: Request, _ operation: (Data) async throws -> Response) async throws -> Response {
        try await answer {
            let latency = faults.latency
            if latency > .zero { try await Task.sleep(for: latency) }
            try authorize(authorization: request.headers[.authorization], userAgent: request.headers[.userAgent])
            let body = try await request.body.collect(upTo: 1024 * 1024)
            return try await operation(Data(buffer: body))
        }
    }

    func answer(_ body: () async throws -> Response) async throws -> Response {
        do {
            return try await body()
        } catch let error as SandboxError {
            var response = Self.json(
                .object(["title": .string(error.title), "status": .number(Double(error.status)), "detail": .string(error.detail)]))
            response.status = .init(code: error.status)
            if let retryAfter = error.retryAfter { response.headers[.retryAfter] = String(retryAfter) }
            return response
        }
    }

    static func json(_ value: some Encodable) throws -> Response {
        json(bytes: try JSONCoding.encoded(value))
    }

    /// A free-form answer (a token, an error), written without `Codable`.
    static func json(_ value: JSONValue) -> Response {
        json(bytes: value.serialized)
    }

    private static func json(bytes: some Sequence<UInt8>) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }
}
