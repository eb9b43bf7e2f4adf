import Foundation
import JumioKit
import Logging

extension JumioTransport {
    /// The same transport, counting and timing each call to Jumio by operation and outcome, and logging it
    /// (with the request id of whoever caused it, never with credentials or bodies).
    func metered(_ metrics: Metrics, logger: Logger) -> JumioTransport {
        JumioTransport { request, timeout in
            let operation = Self.operation(of: request)
            let start = ContinuousClock.now
            var outcome = "error"
            defer {
                let elapsed = ContinuousClock.now - start
                let seconds = elapsed.inSeconds
                metrics.increment(
                    "keyflow_jumio_calls_total", ["operation": operation, "outcome": outcome],
                    help: "Calls to Jumio by operation and outcome (HTTP status class, or error when no answer came)")
                metrics.observe(
                    "keyflow_jumio_call_duration_seconds", ["operation": operation], seconds: seconds,
                    help: "Duration of calls to Jumio by operation")
                logger.debug("Jumio call", metadata: ["operation": "\(operation)", "outcome": "\(outcome)", "seconds": "\(seconds)"])
            }
            let response = try await send(request, timeout)
            outcome = "\(response.status / 100)xx"
            return response
        }
    }

    /// The KYX operation a request performs, from its method and path alone.
    static func operation(of request: JumioHTTPRequest) -> String {
        // The path without parsing the URL (this runs on every call to Jumio): after the host, before the query.
        let afterScheme = request.url.firstRange(of: "://").map { request.url[$0.upperBound...] } ?? request.url[...]
        let path = afterScheme.drop { $0 != "/" }.prefix { $0 != "?" && $0 != "#" }
        switch request.method {
        case _ where path.hasSuffix("/oauth2/token"): return "token"
        case "POST" where path.hasSuffix("/accounts"): return "createAccount"
        case "PUT": return "updateAccount"
        case "GET" where path.hasSuffix("/status") && path.contains("/workflow-executions/"): return "retrieveStatus"
        case "GET" where path.contains("/workflow-executions/"): return "retrieveDetails"
        case "DELETE" where path.contains("/workflow-executions/"): return "deleteExecution"
        case "DELETE": return "deleteAccount"
        case "GET": return "health"
        default: return "other"
        }
    }
}
