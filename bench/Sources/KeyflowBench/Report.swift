import Foundation

/// One store's figures, as printed and as written to JSON. Times are milliseconds, memory MiB, rates per second.
struct StoreReport: Codable, Sendable {
    struct Rate: Codable, Sendable {
        var perSecond: Double
        var p50: Double?
        var p99: Double?
        var p999: Double?
        var count: Int

        init(_ result: LoadLoop.Result) {
            perSecond = result.perSecond
            p50 = result.latencies.p50
            p99 = result.latencies.p99
            p999 = result.latencies.p999
            count = result.latencies.count
        }
    }

    struct Push: Codable, Sendable {
        var clients: Int
        var p50: Double?
        var p99: Double?
        var missing: Int
    }

    var store: String
    var startToReadyMs: Double
    var idleResidentMiB: Double
    var flowsStarted: Rate
    var verificationsStarted: Rate
    var callbacksAccepted: Rate
    var repeatedCallbacksAccepted: Rate
    /// Repeats again, sent at `JourneyBenchmark.targetCallbackRate` however fast they are answered.
    var callbacksAtTargetRate: Rate
    var cpuAtTargetRate: CPUAtRate
    var cpuMicrosecondsPerRepeatedCallback: Double
    var verificationsCompletedPerSecond: Double
    var completionP50: Double?
    var completionP99: Double?
    var completionSamples: Int
    var cpuMsPerVerification: Double
    var generatorCpuMsPerVerification: Double
    /// PostgreSQL's processes on this machine, when they are the store.
    var databaseCpuMsPerVerification: Double?
    /// The machine's cores, which the server, the generator and PostgreSQL share.
    var cores: Int
    var ssePush: Push
    var residentWithStreamsMiB: Double
    var cpuMicrosecondsPerPush: Double
    var peakResidentMiB: Double
    var health: Rate
    /// The server's CPU time per `/health` request: what HTTP alone costs.
    var cpuMicrosecondsPerHealth: Double
    /// `/health` sent at `JourneyBenchmark.targetCallbackRate`, paced as the callbacks are: the latency the
    /// machine allows at that rate with no work behind the answer.
    var healthAtTargetRate: Rate
    var healthCpuAtTargetRate: CPUAtRate
    var databaseTransactionsPerSecond: Double

    /// The CPU one verification takes on this machine: the server's, the generator's with the sandbox, and
    /// PostgreSQL's when it is the store.
    var allCpuMsPerVerification: Double {
        cpuMsPerVerification + generatorCpuMsPerVerification + (databaseCpuMsPerVerification ?? 0)
    }

    /// The verifications per second the machine's cores could complete at that CPU each: the limit the
    /// end-to-end rate is measured against, since everything runs on the same cores.
    var cpuBoundVerificationsPerSecond: Double {
        allCpuMsPerVerification > 0 ? Double(cores) * 1000 / allCpuMsPerVerification : 0
    }

    /// Each figure with its machine limit, their ratio and the target, as rows of text.
    var rows: [[String]] {
        func ms(_ value: Double?) -> String { value.map { String(format: "%.1f ms", $0) } ?? "–" }
        func rate(_ value: Double) -> String { String(format: "%.0f/s", value) }
        func micro(_ value: Double) -> String { String(format: "%.0f µs", value) }
        func atRate(_ cpu: CPUAtRate) -> String { String(format: "%.0f µs; %.0f %%", cpu.serverMicroseconds, cpu.coresBusy * 100) }
        func slow(_ cpu: CPUAtRate) -> String { cpu.slowStretchesMilliseconds.map { String(format: "%.0f ms", $0) } ?? "–" }
        func ratio(_ value: Double, _ limit: Double) -> String { limit > 0 ? String(format: "%.2f", value / limit) : "–" }
        let db = databaseTransactionsPerSecond
        return [
            ["flows started", rate(flowsStarted.perSecond), "\(rate(db)) tx", ratio(flowsStarted.perSecond, db), ""],
            ["  latency p50 / p99", "\(ms(flowsStarted.p50)) / \(ms(flowsStarted.p99))", "", "", ""],
            ["verifications started", rate(verificationsStarted.perSecond), "\(rate(db)) tx", ratio(verificationsStarted.perSecond, db), ""],
            ["callbacks accepted while verifying", rate(callbacksAccepted.perSecond), "\(rate(health.perSecond)) /health",
             ratio(callbacksAccepted.perSecond, health.perSecond), "≥ 5000/s"],
            ["  latency p50", ms(callbacksAccepted.p50), ms(health.p50), ratio(callbacksAccepted.p50 ?? 0, health.p50 ?? 0), ""],
            ["  latency p99", ms(callbacksAccepted.p99), ms(health.p99), ratio(callbacksAccepted.p99 ?? 0, health.p99 ?? 0), "≤ 20 ms"],
            ["  latency p99.9", ms(callbacksAccepted.p999), ms(health.p999), ratio(callbacksAccepted.p999 ?? 0, health.p999 ?? 0), ""],
            ["callbacks accepted alone (repeats)", rate(repeatedCallbacksAccepted.perSecond), "\(rate(health.perSecond)) /health",
             ratio(repeatedCallbacksAccepted.perSecond, health.perSecond), "≥ 5000/s"],
            ["  latency p50 / p99 / p99.9",
             "\(ms(repeatedCallbacksAccepted.p50)) / \(ms(repeatedCallbacksAccepted.p99)) / \(ms(repeatedCallbacksAccepted.p999))", "", "", ""],
            ["  server CPU per callback", micro(cpuMicrosecondsPerRepeatedCallback), "\(micro(cpuMicrosecondsPerHealth)) /health",
             ratio(cpuMicrosecondsPerRepeatedCallback, cpuMicrosecondsPerHealth), ""],
            ["callbacks sent at \(rate(JourneyBenchmark.targetCallbackRate)) (repeats)", rate(callbacksAtTargetRate.perSecond),
             "\(rate(healthAtTargetRate.perSecond)) /health", ratio(callbacksAtTargetRate.perSecond, healthAtTargetRate.perSecond), ""],
            ["  latency p50 / p99 / p99.9",
             "\(ms(callbacksAtTargetRate.p50)) / \(ms(callbacksAtTargetRate.p99)) / \(ms(callbacksAtTargetRate.p999))",
             "\(ms(healthAtTargetRate.p50)) / \(ms(healthAtTargetRate.p99)) / \(ms(healthAtTargetRate.p999))",
             ratio(callbacksAtTargetRate.p99 ?? 0, healthAtTargetRate.p99 ?? 0), "p99 ≤ 20 ms"],
            ["  server CPU each; the cores busy", atRate(cpuAtTargetRate), "\(atRate(healthCpuAtTargetRate)) /health",
             ratio(cpuAtTargetRate.serverMicroseconds, healthCpuAtTargetRate.serverMicroseconds), ""],
            ["  the cores slowed by the host (probe)", slow(cpuAtTargetRate), "\(slow(healthCpuAtTargetRate)) /health", "", ""],
            ["verifications completed end to end", rate(verificationsCompletedPerSecond), "\(rate(db)) tx",
             ratio(verificationsCompletedPerSecond, db), "≥ 1000/s"],
            ["  completion p50 / p99 (\(completionSamples) watched)", "\(ms(completionP50)) / \(ms(completionP99))", "", "", ""],
            ["  CPU per verification", String(format: "%.2f ms", cpuMsPerVerification), "", "", ""],
            ["  generator and sandbox CPU per verification", String(format: "%.2f ms", generatorCpuMsPerVerification), "", "", ""],
        ] + (databaseCpuMsPerVerification.map { [["  PostgreSQL CPU per verification", String(format: "%.2f ms", $0), "", "", ""]] } ?? []) + [
            ["  in all, and the rate the cores allow", String(format: "%.2f ms", allCpuMsPerVerification),
             "\(rate(cpuBoundVerificationsPerSecond)) on \(cores) cores", ratio(verificationsCompletedPerSecond, cpuBoundVerificationsPerSecond), ""],
            ["SSE push to \(ssePush.clients) clients p50 / p99", "\(ms(ssePush.p50)) / \(ms(ssePush.p99))", "", "",
             "p99 ≤ 100 ms"],
            ["  pushes missing", "\(ssePush.missing)", "", "", "0"],
            ["  server CPU per push to one stream", String(format: "%.1f µs", cpuMicrosecondsPerPush), "", "", ""],
            ["start to ready", ms(startToReadyMs), "", "", "≤ 1000 ms"],
            ["RSS idle", String(format: "%.1f MiB", idleResidentMiB), "", "", "≤ 60 MiB"],
            ["RSS with the streams open / peak", String(format: "%.1f / %.1f MiB", residentWithStreamsMiB, peakResidentMiB), "", "", ""],
        ]
    }

    /// What a smoke run checks besides finishing: every watched flow's completion and every push was seen on
    /// its event stream, so a harness that stops reading the streams fails instead of printing no figures.
    func requireEveryArrival(watched: Int) throws {
        guard completionSamples == watched, ssePush.missing == 0 else {
            throw KeyflowAPI.Failure(
                description: "\(store): \(completionSamples) of \(watched) watched flows showed their completion on their "
                    + "event stream, and \(ssePush.missing) pushes were missing")
        }
    }

    func table() -> String {
        let header = ["\(store)", "Keyflow", "machine limit", "ratio", "target"]
        let all = [header] + rows
        let widths = (0..<header.count).map { column in all.map { $0[column].count }.max() ?? 0 }
        return all.enumerated().map { index, row in
            let line = row.enumerated().map { column, cell in
                column == 0 ? cell.padding(toLength: widths[column], withPad: " ", startingAt: 0)
                    : String(repeating: " ", count: widths[column] - cell.count) + cell
            }.joined(separator: "  ")
            return index == 0 ? line + "\n" + String(repeating: "-", count: line.count) : line
        }.joined(separator: "\n")
    }
}
