import JumioKit
@testable import KeyflowServer
import Testing

@Suite("The /metrics text")
struct MetricsTests {
    @Test("series come sorted, histograms count every observation into each bucket it fits, labels are escaped")
    func rendering() {
        let metrics = Metrics()
        metrics.increment("keyflow_b_total", ["route": "/z"], help: "B")
        metrics.increment("keyflow_b_total", ["route": "/a"], by: 2, help: "B")
        metrics.increment("keyflow_a_total", ["why": "say \"hi\""], help: "A")
        metrics.increment("keyflow_c_total", ["route": "/a", "method": "GET"], help: "C")
        metrics.increment("keyflow_c_total", ["method": "GET", "route": "/a"], help: "C")
        for seconds in [0.0005, 0.003, 0.003, 7.0] {
            metrics.observe("keyflow_latency_seconds", ["route": "/x"], seconds: seconds, help: "L")
        }
        metrics.observe("keyflow_call_seconds", ["host": "h", "route": "/y"], seconds: 0.02, help: "C")
        let lines = metrics.render(gauges: [Metrics.Gauge(name: "keyflow_open", help: "O", values: [([:], 3)])])
            .split(separator: "\n").map(String.init)
        let series = lines.filter { !$0.hasPrefix("#") }
        #expect(Array(series.prefix(3)) == [
            #"keyflow_a_total{why="say \"hi\""} 1"#, #"keyflow_b_total{route="/a"} 2"#, #"keyflow_b_total{route="/z"} 1"#,
        ])
        #expect(series.contains(#"keyflow_latency_seconds_bucket{le="0.001",route="/x"} 1"#))
        #expect(series.contains(#"keyflow_latency_seconds_bucket{le="0.005",route="/x"} 3"#))
        #expect(series.contains(#"keyflow_latency_seconds_bucket{le="5",route="/x"} 3"#))
        #expect(series.contains(#"keyflow_latency_seconds_bucket{le="10",route="/x"} 4"#))
        #expect(series.contains(#"keyflow_latency_seconds_bucket{le="+Inf",route="/x"} 4"#))
        #expect(series.contains(#"keyflow_latency_seconds_count{route="/x"} 4"#))
        #expect(series.contains(#"keyflow_call_seconds_bucket{host="h",le="0.01",route="/y"} 0"#))
        #expect(series.contains(#"keyflow_call_seconds_bucket{host="h",le="0.025",route="/y"} 1"#))
        #expect(series.contains(#"keyflow_call_seconds_sum{host="h",route="/y"} 0.02"#))
        #expect(series.contains("keyflow_open 3"))
        #expect(series.filter { $0.hasPrefix("keyflow_c_total") } == [#"keyflow_c_total{method="GET",route="/a"} 2"#])
        #expect(lines.contains("# TYPE keyflow_latency_seconds histogram"))
    }

    @Test("each call to Jumio is counted under its operation, whatever the host, query or fragment")
    func jumioOperations() {
        let base = "https://account.amer-1.jumio.ai"
        let cases: [(String, String, String)] = [
            ("POST", "https://auth.amer-1.jumio.ai/oauth2/token", "token"),
            ("POST", base + "/api/v1/accounts", "createAccount"),
            ("PUT", base + "/api/v1/accounts/a1", "updateAccount"),
            ("GET", base + "/api/v1/accounts/a1/workflow-executions/e1/status", "retrieveStatus"),
            ("GET", base + "/api/v1/accounts/a1/workflow-executions/e1?fields=all#x", "retrieveDetails"),
            ("DELETE", base + "/api/v1/accounts/a1/workflow-executions/e1", "deleteExecution"),
            ("DELETE", base + "/api/v1/accounts/a1", "deleteAccount"),
            ("GET", "http://127.0.0.1:8080/health?workflow-executions/", "health"),
            ("PATCH", base + "/api/v1/accounts", "other"),
        ]
        for (method, url, operation) in cases {
            #expect(JumioTransport.operation(of: JumioHTTPRequest(method: method, url: url)) == operation, "\(method) \(url)")
        }
    }
}
