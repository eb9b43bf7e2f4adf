import AsyncHTTPClient
import Foundation
import Logging
import Synchronization
import HummingbirdTesting
@testable import KeyflowServer
import Testing

@Suite("Operations: readiness, metrics, request ids and headers")
struct OperationsTests {
    @Test("ready, metrics by route, Jumio calls and callbacks counted, request ids echoed", arguments: TestServer.stores)
    func readyAndMetrics(store: TestServer.StoreKind) async throws {
        let server = try await TestServer.make(store)
        try await server.run(.live) { client in
            let ready = try await client.execute(uri: "/ready", method: .get)
            #expect(ready.status == .ok)
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            let flowID = try await admin.passedVerificationFlow()

            let traced = try await client.execute(uri: "/api/v1/flows", method: .get, headers: [.init("X-Request-Id")!: "trace-me-42"])
            #expect(traced.headers[.init("X-Request-Id")!] == "trace-me-42")
            let generated = try await client.execute(uri: "/health", method: .get, headers: [.init("X-Request-Id")!: "bad id\u{7}"])
            #expect(generated.headers[.init("X-Request-Id")!]?.count == 36)
            #expect(generated.headers[.init("X-Content-Type-Options")!] == "nosniff")
            #expect(generated.headers[.strictTransportSecurity] == nil, "HSTS only over HTTPS")

            let text = String(buffer: try await client.execute(uri: "/metrics", method: .get).body)
            #expect(text.contains(#"keyflow_http_requests_total{method="POST",route="/api/v1/actions/{id}/verification",status="201"} 1"#))
            #expect(text.contains(#"keyflow_http_request_duration_seconds_count{method="GET",route="/api/v1/flows"}"#))
            #expect(text.contains(#"keyflow_jumio_calls_total{operation="createAccount",outcome="2xx"} 1"#))
            #expect(text.contains(#"keyflow_jumio_calls_total{operation="retrieveDetails",outcome="2xx"}"#))
            #expect(text.contains(#"keyflow_jumio_callbacks_total{result="received"}"#))
            #expect(text.contains(#"keyflow_jumio_callbacks_total{result="processed"}"#))
            #expect(text.contains("# TYPE keyflow_jobs_queued gauge"))
            #expect(text.contains("keyflow_sse_connections 0"))
            #expect(!text.contains(flowID), "series never carry concrete ids")
        }
    }

    @Test("metrics need the token when one is set; HSTS is sent when served over HTTPS")
    func metricsTokenAndHSTS() async throws {
        let server = try await TestServer.make(.sqlite) { configuration in
            configuration.metricsToken = "scrape-secret"
            configuration.publicURL = "https://keyflow.bank.example"
        }
        try await server.run { client in
            #expect(try await client.execute(uri: "/metrics", method: .get).status == .unauthorized)
            let allowed = try await client.execute(uri: "/metrics", method: .get, headers: [.authorization: "Bearer scrape-secret"])
            #expect(allowed.status == .ok)
            let page = try await client.execute(uri: "/sign-in", method: .get)
            #expect(page.headers[.strictTransportSecurity] == "max-age=31536000; includeSubDomains")
        }
    }

    @Test("keyflow serve writes JSON lines that carry the request id and hide sensitive metadata")
    func jsonLogs() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-logs-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let server = try await ServerProcess.start([
            "KEYFLOW_SQLITE_PATH": directory.appendingPathComponent("k.sqlite").path, "KEYFLOW_LOG_FORMAT": "json",
            "KEYFLOW_LOG_LEVEL": "info",
        ])
        var request = HTTPClientRequest(url: "\(server.base)/hooks/jumio/not-a-token")
        request.method = .POST
        request.headers.add(name: "X-Request-Id", value: "trace-log-7")
        _ = try await HTTPClient.shared.execute(request, timeout: .seconds(5))
        server.stop()
        let lines = server.logText.split(separator: "\n").filter { $0.hasPrefix("{") }
        let objects = lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: String] }
        #expect(!objects.isEmpty && objects.count == lines.count, "every log line is a JSON object")
        let warning = try #require(objects.first { $0["message"] == "Jumio callback with an unknown token" })
        #expect(warning["request"] == "trace-log-7" && warning["level"] == "warning")
        #expect(KeyflowLogging.redacted(["clientSecret": "s3cret", "email": "a@b.example", "attempt": "7"])
            == ["clientSecret": "[redacted]", "email": "[redacted]", "attempt": "7"])
    }

    @Test("a callback's request id follows it into its job and the Jumio calls the job makes")
    func requestIDIntoJobs() async throws {
        final class Lines: Sendable {
            let recorded = Mutex<[(message: String, request: String?)]>([])
        }
        let lines = Lines()
        struct Handler: LogHandler {
            let lines: Lines
            var metadataProvider: Logger.MetadataProvider?
            var metadata: Logger.Metadata = [:]
            var logLevel: Logger.Level = .trace
            subscript(metadataKey key: String) -> Logger.Metadata.Value? {
                get { metadata[key] }
                set { metadata[key] = newValue }
            }
            /// The line's own `request`, else the task's (`RequestTrace.metadataProvider`), else the logger's, as
            /// Keyflow's handler writes it.
            func log(event: LogEvent) {
                let request = (event.metadata?["request"] ?? metadataProvider?.get()["request"] ?? metadata["request"]).map { "\($0)" }
                lines.recorded.withLock { $0.append((event.message.description, request)) }
            }
        }
        let logger = Logger(label: "keyflow") { _ in Handler(lines: lines, metadataProvider: RequestTrace.metadataProvider) }
        let server = try await TestServer.make(.sqlite) { $0.logLevel = .trace }
        try await server.run(.live, dependencies: Dependencies(logger: logger)) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            _ = try await admin.passedVerificationFlow()
        }
        let recorded = lines.recorded.withLock { $0 }
        let stored = try #require(recorded.first { $0.message == "Jumio callback stored" }?.request)
        #expect(recorded.contains { $0.message == "verification result applied" && $0.request == stored })
        #expect(recorded.contains { $0.message == "Jumio call" && $0.request == stored }, "the job's retrieval calls carry it")
    }
}
