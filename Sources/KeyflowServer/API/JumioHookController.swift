import Foundation
import Hummingbird
import JumioKit
import Logging

enum CallbackMetrics {
    static let help =
        "Jumio callbacks: received (stored), duplicate (same status again, not queued twice), decided (about an attempt already decided, so nothing to do), processed (its job ran), unknown token, refused source"
}

/// `POST /hooks/jumio/{token}`: Jumio's callbacks. Each is handed to the `CallbackInbox`, which checks the
/// token and the sender and stores it with the job that processes it, and answered 200 once stored.
struct JumioHookController {
    let inbox: CallbackInbox
    let configuration: JumioConfiguration
    let logger: Logger
    let metrics: Metrics
    let jobWakeup: JobWakeup

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.post("hooks/jumio/:token", use: receive)
    }

    @Sendable func receive(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: 64 * 1024)
        } catch {
            throw APIError.tooLarge("a callback body is at most 64 KiB")
        }
        let text = String(buffer: body)
        let hint = JumioCallback.announcedStatus(in: Data(buffer: body))?.rawValue
        let source = sourceAddress(request, context)
        let receipt = try await inbox.receive(
            .init(token: context.parameters.get("token") ?? "", body: text, hint: hint, source: source, requestID: context.requestID))
        switch receipt {
        case .unknownToken:
            count("unknown")
            logger.warning("Jumio callback with an unknown token", metadata: ["from": "\(context.remoteAddress ?? "?")"])
            throw APIError.notFound("unknown callback")
        case .refused(let attemptID):
            count("refused")
            logger.warning(
                "Jumio callback from an address not on the allowlist", metadata: ["from": "\(source ?? "?")", "attempt": "\(attemptID)"])
            throw APIError.forbidden("callbacks are accepted only from Jumio's published addresses")
        case .stored(let attemptID, let queued):
            count("received")
            if queued { jobWakeup.notify() } else { count("duplicate") }
            logger.info("Jumio callback stored", metadata: ["attempt": "\(attemptID)", "status": "\(hint ?? "?")"])
        case .decided(let attemptID):
            count("received")
            count("decided")
            logger.info(
                "Jumio callback stored; its attempt is already decided", metadata: ["attempt": "\(attemptID)", "status": "\(hint ?? "?")"])
        }
        return Self.received
    }

    /// The answer to every stored callback, encoded once.
    private static let received = try! JSONBody.response(["received": true])

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
