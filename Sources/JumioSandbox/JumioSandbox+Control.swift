import Foundation
import Hummingbird
import JumioKit

extension JumioSandbox {
    /// Faults as the control endpoint takes them.
    struct FaultsInput: Decodable {
        var latencyMs: Int?
        var serverErrorRate: Double?
        var rateLimitRate: Double?
        var dropCallbackRate: Double?
        var duplicateCallbacks: Bool?
        var outOfOrderCallbacks: Bool?
        var callbackBeforeProcessed: Bool?
    }

    /// Lets the token of an unstarted execution lapse now: it ends TOKEN_EXPIRED at the next tick.
    public func expireToken(executionID: String) throws(SandboxError) {
        let now = clock.now()
        try state.withLock { state throws(SandboxError) in
            guard let execution = state.executions[executionID] else { throw .notFound("no execution \(executionID)") }
            guard execution.status == .initiated, execution.startedAt == nil else {
                throw .badRequest("only an execution whose journey has not started can let its token lapse")
            }
            state.executions[executionID]?.tokenExpiresAt = now
        }
        settle()
    }

    /// Controls that Jumio does not have, for tests, demos and benchmarks: `POST _sandbox/faults` and
    /// `POST _sandbox/executions/{id}/expire-token`.
    func addControlRoutes<Context: RequestContext>(to group: RouterGroup<Context>) {
        group.post("_sandbox/faults") { request, _ in
            try await self.answer {
                let body = try await request.body.collect(upTo: 16 * 1024)
                guard let input = try? JSONDecoder().decode(FaultsInput.self, from: Data(buffer: body)) else {
                    throw SandboxError.badRequest("send the faults as JSON")
                }
                self.faults = SandboxFaults(
                    latency: .milliseconds(input.latencyMs ?? 0), serverErrorRate: input.serverErrorRate ?? 0,
                    rateLimitRate: input.rateLimitRate ?? 0, dropCallbackRate: input.dropCallbackRate ?? 0,
                    duplicateCallbacks: input.duplicateCallbacks ?? false, outOfOrderCallbacks: input.outOfOrderCallbacks ?? false,
                    callbackBeforeProcessed: input.callbackBeforeProcessed ?? false)
                return try Self.json(["faults": "set"])
            }
        }
        group.post("_sandbox/executions/:execution/expire-token") { _, context in
            try await self.answer {
                try self.expireToken(executionID: context.parameters.get("execution") ?? "")
                return try Self.json(["expired": true])
            }
        }
    }
}
