import Foundation
import Hummingbird
import Keyflow
import KeyflowStore

/// Acting on one action: the assignee completes, approves, rejects or submits; internal users skip or cancel.
struct ActionController {
    let flows: FlowService
    let clock: AppClock

    func addRoutes(to api: RouterGroup<KeyflowRequestContext>) {
        api.post("actions/:id/complete", use: complete)
        api.post("actions/:id/approve", use: approve)
        api.post("actions/:id/reject", use: reject)
        api.post("actions/:id/submit", use: submit)
        api.post("actions/:id/skip", use: skip)
        api.post("actions/:id/cancel", use: cancel)
    }

    @Sendable func complete(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        try await act(context) { flow, id, actor, ctx in try flow.complete(id, by: actor, context: ctx) }
    }

    @Sendable func approve(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let comment = try await Self.optionalBody(CommentRequest.self, request)?.comment
        return try await act(context) { flow, id, actor, ctx in
            try flow.approve(id, by: actor, comment: comment, context: ctx)
        }
    }

    @Sendable func reject(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let comment = try await JSONBody.decode(CommentRequest.self, from: request).comment ?? ""
        return try await act(context) { flow, id, actor, ctx in
            try flow.reject(id, by: actor, comment: comment, context: ctx)
        }
    }

    @Sendable func submit(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let answers = try await JSONBody.decode(SubmitRequest.self, from: request).answers
        return try await act(context) { flow, id, actor, ctx in
            try flow.submit(id, by: actor, answers: answers, context: ctx)
        }
    }

    @Sendable func skip(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let reason = try await JSONBody.decode(ReasonRequest.self, from: request).reason
        return try await act(context) { flow, id, actor, ctx in try flow.skip(id, by: actor, reason: reason, context: ctx) }
    }

    @Sendable func cancel(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let reason = try await JSONBody.decode(ReasonRequest.self, from: request).reason
        return try await act(context) { flow, id, actor, ctx in
            try flow.cancelAction(id, by: actor, reason: reason, context: ctx)
        }
    }

    /// Runs one act on the action's flow and answers with the whole flow as it now stands.
    private func act(
        _ context: KeyflowRequestContext,
        _ body: @escaping @Sendable (inout Flow, UUID, Actor, FlowContext) throws -> [FlowEvent]
    ) async throws -> Response {
        let actor = try context.requireActor()
        let actionID = try context.id("id", of: "action")
        let outcome = try await flows.change(.action(actionID), by: actor) { flow, ctx in try body(&flow, actionID, actor, ctx) }
        return try JSONBody.response(FlowView(outcome.flow, people: outcome.people, now: clock.now()))
    }

    /// Approvals may come with no body at all.
    static func optionalBody<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T? {
        guard request.headers[.contentLength].map({ $0 != "0" }) ?? (request.headers[.contentType] != nil) else {
            return nil
        }
        return try await JSONBody.decode(type, from: request)
    }
}
