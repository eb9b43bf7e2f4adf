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
        let path = Self.path(of: request.url)
        func ends(with suffix: StaticString) -> Bool {
            suffix.withUTF8Buffer { path.count >= $0.count && path.suffix($0.count).elementsEqual($0) }
        }
        let executions = Array("/workflow-executions/".utf8)
        let isExecution = path.indices.contains { path[$0...].starts(with: executions) }
        switch request.method {
        case _ where ends(with: "/oauth2/token"): return "token"
        case "POST" where ends(with: "/accounts"): return "createAccount"
        case "PUT": return "updateAccount"
        case "GET" where ends(with: "/status") && isExecution: return "retrieveStatus"
        case "GET" where isExecution: return "retrieveDetails"
        case "DELETE" where isExecution: return "deleteExecution"
        case "DELETE": return "deleteAccount"
        case "GET": return "health"
        default: return "other"
        }
    }

    /// The bytes of a URL's path, after the host and before any query or fragment. This runs on every call to
    /// Jumio, so the URL is neither parsed nor searched as characters (Foundation's `contains` and the
    /// standard library's `firstRange(of:)` each cost more than the rest of a call's bookkeeping).
    private static func path(of url: String) -> [UInt8] {
        var url = url
        return url.withUTF8 { bytes in
            var start = 0
            for index in bytes.indices.dropLast(2)
            where bytes[index] == UInt8(ascii: ":") && bytes[index + 1] == UInt8(ascii: "/") && bytes[index + 2] == UInt8(ascii: "/") {
                start = index + 3
                break
            }
            while start < bytes.count, bytes[start] != UInt8(ascii: "/") { start += 1 }
            var end = start
            while end < bytes.count, bytes[end] != UInt8(ascii: "?"), bytes[end] != UInt8(ascii: "#") { end += 1 }
            return Array(bytes[start..<end])
        }
    }
}
