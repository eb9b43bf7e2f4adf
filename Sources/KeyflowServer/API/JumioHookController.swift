import Foundation
import Hummingbird
import JumioKit
import KeyflowStore
import Logging

enum CallbackMetrics {
    static let help =
        "Jumio callbacks: received (stored), duplicate (same status again, not queued twice), processed (its job ran), unknown token, refused source"
}

/// `POST /hooks/jumio/{token}`: Jumio's callbacks. Each is checked (token, source, size), handed to the
/// `VerificationService` to be stored with the job that processes it, and answered 200 at once.
struct JumioHookController {
    let store: Store
    let verifications: VerificationService
    let configuration: JumioConfiguration
    let logger: Logger
    let metrics: Metrics
    let jobWakeup: JobWakeup

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.post("hooks/jumio/:token", use: receive)
    }

    @Sendable func receive(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let token = context.parameters.get("token") ?? ""
        guard let attempt = try await store.read({ try await $0.attempt(callbackToken: token) }) else {
            count("unknown")
            logger.warning("Jumio callback with an unknown token", metadata: ["from": "\(context.remoteAddress ?? "?")"])
            throw APIError.notFound("unknown callback")
        }
        let source = sourceAddress(request, context)
        if let region = JumioDataCenter(rawValue: attempt.dataCenter), configuration.checkCallbackSource {
            let allowed = configuration.callbackSources ?? region.callbackAddresses
            guard let source, allowed.contains(source) else {
                count("refused")
                logger.warning(
                    "Jumio callback from an address not on the allowlist",
                    metadata: ["from": "\(source ?? "?")", "attempt": "\(attempt.id)"])
                throw APIError.forbidden("callbacks are accepted only from Jumio's published addresses")
            }
        }
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            throw APIError.tooLarge("a callback body is at most 64 KiB")
        }
        let text = String(buffer: body)
        let hint = (try? JumioCallback.decode(Data(text.utf8)))?.workflowExecution.status.rawValue
        let queued = try await verifications.recordCallback(
            attemptID: attempt.id, body: text, hint: hint, from: source, requestID: context.requestID)
        count("received")
        if queued { jobWakeup.notify() } else { count("duplicate") }
        logger.info("Jumio callback stored", metadata: ["attempt": "\(attempt.id)", "status": "\(hint ?? "?")"])
        return try JSONBody.response(["received": true])
    }

    private func count(_ result: String) {
        metrics.increment("keyflow_jumio_callbacks_total", ["result": result], help: CallbackMetrics.help)
    }

    /// The peer's address; behind a trusted proxy, the last address it forwarded.
    private func sourceAddress(_ request: Request, _ context: KeyflowRequestContext) -> String? {
        guard let peer = context.remoteAddress, configuration.trustedProxies.contains(peer),
            let forwarded = request.headers[.init("X-Forwarded-For")!]
        else { return context.remoteAddress }
        return forwarded.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
