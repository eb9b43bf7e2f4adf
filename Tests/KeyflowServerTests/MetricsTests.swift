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
        for seconds in [0.0005, 0.003, 0.003, 7.0] {
            metrics.observe("keyflow_latency_seconds", ["route": "/x"], seconds: seconds, help: "L")
        }
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
        #expect(series.contains("keyflow_open 3"))
        #expect(lines.contains("# TYPE keyflow_latency_seconds histogram"))
    }
}
