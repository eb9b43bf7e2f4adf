import Foundation
import Hummingbird

/// Counts requests and times them by route pattern (`/api/v1/flows/{id}`), never by concrete path, so the
/// number of series stays bounded whatever clients send.
struct MetricsMiddleware: RouterMiddleware {
    typealias Context = KeyflowRequestContext
    let metrics: Metrics

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let start = ContinuousClock.now
        var status = 500
        defer {
            Self.record(
                in: metrics, method: request.method, route: context.endpointPath ?? "unmatched", status: status,
                seconds: (ContinuousClock.now - start).inSeconds)
        }
        do {
            let response = try await next(request, context)
            status = response.status.code
            return response
        } catch let error as any HTTPResponseError {
            status = error.status.code
            throw error
        }
    }

    /// One request's count and time; also for requests answered outside the router (`CallbackTap`).
    static func record(in metrics: Metrics, method: HTTPRequest.Method, route: String, status: Int, seconds: Double) {
        metrics.increment(
            "keyflow_http_requests_total", ["method": method.rawValue, "route": route, "status": String(status)],
            help: "HTTP requests by method, route and status")
        metrics.observe(
            "keyflow_http_request_duration_seconds", ["method": method.rawValue, "route": route], seconds: seconds,
            help: "Time to the response head, by method and route (streams count until they start)")
    }
}
