import Foundation
import Hummingbird
import KeyflowStore

/// What operators and orchestrators ask: `/ready` (can this instance serve: database reachable, migrations
/// current) and `/metrics` (Prometheus text). `/health` only says the process is alive.
struct OperationsController {
    let components: Components

    func addRoutes(to router: Router<KeyflowRequestContext>) {
        router.get("ready", use: ready)
        router.get("metrics", use: metrics)
    }

    @Sendable func ready(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        let problem: String?
        do {
            problem = try await components.store.migrationsAreCurrent()
                ? nil : "the database has migrations still to apply; run keyflow migrate or restart one instance"
        } catch {
            problem = "the database cannot be reached: \(error)"
        }
        guard let problem else { return try JSONBody.response(["status": "ready"]) }
        components.logger.warning("not ready", metadata: ["reason": "\(problem)"])
        return try JSONBody.response(["status": "not ready", "reason": problem], status: .serviceUnavailable)
    }

    @Sendable func metrics(_ request: Request, context: KeyflowRequestContext) async throws -> Response {
        if let token = components.configuration.metricsToken,
            request.headers[.authorization] != "Bearer \(token)"
        {
            throw APIError(status: .unauthorized, code: "metrics_token", message: "send the metrics token as Authorization: Bearer <token>")
        }
        let now = components.dependencies.clock.now()
        let depths = try await components.store.read { try await $0.queueDepths(now: now) }
        let text = components.metrics.render(gauges: [
            Metrics.Gauge(
                name: "keyflow_jobs_queued", help: "Jobs waiting in each queue (due or backing off)",
                values: depths.map { (["queue": $0.queue], Double($0.queued)) }),
            Metrics.Gauge(
                name: "keyflow_jobs_running", help: "Jobs being run, by queue",
                values: depths.map { (["queue": $0.queue], Double($0.running)) }),
            Metrics.Gauge(
                name: "keyflow_jobs_oldest_wait_seconds", help: "How long the oldest due job in each queue has waited",
                values: depths.map { (["queue": $0.queue], $0.oldestWaitSeconds) }),
            Metrics.Gauge(
                name: "keyflow_sse_connections", help: "Open event streams in this instance",
                values: [([:], Double(components.hub.openStreams))]),
        ])
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
