import AsyncHTTPClient
import Foundation

/// `keyflow serve` in a process of its own, started the way an operator starts it, with what /proc tells
/// about its memory and CPU time.
final class ServerUnderTest: @unchecked Sendable {
    let process: Process
    let base: String
    let log: URL
    /// From spawning the process to the first 200 from `/ready`.
    let startToReady: Duration
    /// Run as `<command> begin <phase> <pid>` before each measured phase and `<command> end <phase> <pid>
    /// <operations>` after it, so a profiler can take each phase apart (`bench/callgrind`).
    let phaseCommand: String?

    private init(process: Process, base: String, log: URL, startToReady: Duration, phaseCommand: String?) {
        self.process = process
        self.base = base
        self.log = log
        self.startToReady = startToReady
        self.phaseCommand = phaseCommand
    }

    /// Runs a `keyflow` subcommand to its end, failing with its output when it fails.
    static func runToEnd(_ binary: String, _ arguments: [String], environment: [String: String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        try process.run()
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw KeyflowAPI.Failure(description: "keyflow \(arguments.first ?? "") failed: \(text)")
        }
    }

    static func start(
        _ binary: String, environment: [String: String], port: Int, http: HTTPClient, phaseCommand: String?
    ) async throws -> ServerUnderTest {
        let log = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-bench-\(port).log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = ["serve", "--port", "\(port)"]
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, given in given }
        let handle = try FileHandle(forWritingTo: log)
        process.standardOutput = handle
        process.standardError = handle
        let base = "http://127.0.0.1:\(port)"
        let clock = ContinuousClock()
        let spawned = clock.now
        try process.run()
        while process.isRunning, clock.now - spawned < .seconds(60) {
            if let response = try? await http.execute(HTTPClientRequest(url: "\(base)/ready"), timeout: .seconds(1)),
                response.status == .ok
            {
                let ready = clock.now - spawned
                _ = try? await response.body.collect(upTo: 4096)
                return ServerUnderTest(
                    process: process, base: base, log: log, startToReady: ready, phaseCommand: phaseCommand)
            }
            try await Task.sleep(for: .milliseconds(2))
        }
        process.terminate()
        let text = (try? String(contentsOf: log, encoding: .utf8)) ?? ""
        throw KeyflowAPI.Failure(description: "keyflow serve did not become ready: \(text)")
    }

    /// Resident memory now and at its peak, in MiB (VmRSS, VmHWM).
    var memory: (resident: Double, peak: Double) {
        let status = (try? String(contentsOfFile: "/proc/\(process.processIdentifier)/status", encoding: .utf8)) ?? ""
        func kibibytes(_ field: String) -> Double {
            let line = status.split(separator: "\n").first { $0.hasPrefix(field + ":") } ?? ""
            return Double(line.split(separator: " ").dropFirst().first ?? "0").map { $0 / 1024 } ?? 0
        }
        return (kibibytes("VmRSS"), kibibytes("VmHWM"))
    }

    /// CPU time (user + system) the process has used so far, in seconds.
    var cpuSeconds: Double { processCPUSeconds("\(process.processIdentifier)") }

    /// A measured phase under way: its name and the server's CPU time when it began.
    struct Phase {
        let name: String
        let cpuAtStart: Double
    }

    /// Starts a measured phase (the phase command first, so its own work is not in the phase).
    func begin(_ name: String) throws -> Phase {
        try runPhaseCommand(["begin", name, "\(process.processIdentifier)"])
        return Phase(name: name, cpuAtStart: cpuSeconds)
    }

    /// Ends a phase of `operations` operations; answers the server's CPU seconds in it.
    @discardableResult
    func end(_ phase: Phase, operations: Int) throws -> Double {
        let cpu = cpuSeconds - phase.cpuAtStart
        try runPhaseCommand(["end", phase.name, "\(process.processIdentifier)", "\(operations)"])
        return cpu
    }

    private func runPhaseCommand(_ arguments: [String]) throws {
        guard let phaseCommand else { return }
        let command = Process()
        command.executableURL = URL(fileURLWithPath: phaseCommand)
        command.arguments = arguments
        try command.run()
        command.waitUntilExit()
        guard command.terminationStatus == 0 else {
            throw KeyflowAPI.Failure(description: "\(phaseCommand) \(arguments.joined(separator: " ")) failed")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        process.waitUntilExit()
    }
}

/// CPU time (user + system) a process has used so far, in seconds; `"self"` for this one.
func processCPUSeconds(_ pid: String) -> Double {
    let stat = (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8)) ?? ""
    // The fields after the command name (which may hold spaces) start after the last ')'.
    guard let close = stat.lastIndex(of: ")") else { return 0 }
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// The CPU seconds of every PostgreSQL process on this machine (the postmaster, its backends and helpers):
/// the database's share of a phase when it runs beside Keyflow, as `bench/run`'s does.
func localPostgresCPUSeconds() -> Double {
    let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
    return entries.filter { $0.allSatisfy(\.isNumber) }.reduce(0) { total, pid in
        let name = (try? String(contentsOfFile: "/proc/\(pid)/comm", encoding: .utf8)) ?? ""
        return name == "postgres\n" ? total + processCPUSeconds(pid) : total
    }
}
