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
            let elapsed = ContinuousClock.now - start
            let route = context.endpointPath ?? "unmatched"
            let seconds = elapsed.inSeconds
            metrics.increment(
                "keyflow_http_requests_total", ["method": request.method.rawValue, "route": route, "status": String(status)],
                help: "HTTP requests by method, route and status")
            metrics.observe(
                "keyflow_http_request_duration_seconds", ["method": request.method.rawValue, "route": route], seconds: seconds,
                help: "Time to the response head, by method and route (streams count until they start)")
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
}
