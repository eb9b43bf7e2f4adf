import Foundation
import HTTPTypes
import Hummingbird
import JumioKit
import Logging

enum CallbackMetrics {
    static let help =
        "Jumio callbacks: received (stored), duplicate (same status again, not queued twice), decided (about an attempt already decided, so nothing to do), processed (its job ran), unknown token, refused source"
}

/// What a Jumio callback comes to, whichever way it arrived: the arrival the inbox is given and, for the
/// receipt, the answer, the log line and the counters. Callbacks arrive by `CallbackTap` on their connection's
/// event loop, or by the router (`JumioHookController`) when their connection still has a request of the
/// router's open; both answer the same way.
struct CallbackIntake: Sendable {
    /// Every callback's path, as routes are named in metrics and in the API's description.
    static let route = "/hooks/jumio/{token}"
    static let largestBody = 64 * 1024
    static let tooLarge = APIError.tooLarge("a callback body is at most 64 KiB")
    /// The answer to every stored callback.
    static let received = ByteBuffer(string: #"{"received":true}"#)
    static let forwardedFor = HTTPField.Name("X-Forwarded-For")!

    let inbox: CallbackInbox
    let configuration: JumioConfiguration
    let logger: Logger
    let metrics: Metrics
    let jobWakeup: JobWakeup

    /// `peer` is the socket's address; `forwardedFor` the request's `X-Forwarded-For`, believed only from a
    /// trusted proxy.
    func arrival(token: String, body: ByteBuffer, peer: String?, forwardedFor: String?, requestID: String?) -> CallbackInbox.Arrival {
        CallbackInbox.Arrival(
            token: token, body: String(buffer: body), hint: JumioCallback.announcedStatus(in: Data(buffer: body))?.rawValue,
            source: source(peer: peer, forwardedFor: forwardedFor), requestID: requestID)
    }

    /// Counts and logs what the inbox made of a callback; answers the error its sender gets, nil for 200.
    func settle(_ receipt: CallbackInbox.Receipt, of arrival: CallbackInbox.Arrival, peer: String?) -> APIError? {
        let logger = logger(requestID: arrival.requestID)
        switch receipt {
        case .unknownToken:
            count("unknown")
            logger.warning("Jumio callback with an unknown token", metadata: ["from": "\(peer ?? "?")"])
            return .notFound("unknown callback")
        case .refused(let attemptID):
            count("refused")
            logger.warning(
                "Jumio callback from an address not on the allowlist",
                metadata: ["from": "\(arrival.source ?? "?")", "attempt": "\(attemptID)"])
            return .forbidden("callbacks are accepted only from Jumio's published addresses")
        case .stored(let attemptID, let queued):
            count("received")
            if queued { jobWakeup.notify() } else { count("duplicate") }
            logger.info("Jumio callback stored", metadata: ["attempt": "\(attemptID)", "status": "\(arrival.hint ?? "?")"])
        case .decided(let attemptID):
            count("received")
            count("decided")
            logger.info(
                "Jumio callback stored; its attempt is already decided",
                metadata: ["attempt": "\(attemptID)", "status": "\(arrival.hint ?? "?")"])
        }
        return nil
    }

    /// A callback the inbox could not store, answered as the router's error middleware answers a failed
    /// request: unexpected causes logged and never shown (Jumio sends a callback again when it is not taken).
    func failed(_ error: any Error, requestID: String?) -> APIError {
        let apiError = APIError(error)
        if apiError.status == .internalServerError {
            logger(requestID: requestID).error(
                "request failed", metadata: ["path": "\(Self.route)", "error": "\(String(reflecting: error))"])
        }
        return apiError
    }

    /// The logger with the callback's request id: a callback answered on its event loop has no task whose
    /// `RequestTrace.id` would carry it.
    private func logger(requestID: String?) -> Logger {
        var logger = self.logger
        if let requestID { logger[metadataKey: "request"] = .string(requestID) }
        return logger
    }

    private func count(_ result: String) {
        metrics.increment("keyflow_jumio_callbacks_total", ["result": result], help: CallbackMetrics.help)
    }

    /// The peer's address; behind a trusted proxy, the last address it forwarded.
    private func source(peer: String?, forwardedFor: String?) -> String? {
        guard let peer, configuration.trustedProxies.contains(peer), let forwardedFor else { return peer }
        return forwardedFor.split(separator: ",").last.map { $0.trimmingCharacters(in: .whitespaces) }
    }
}
