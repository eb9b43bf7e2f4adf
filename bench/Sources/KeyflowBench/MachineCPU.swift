import Foundation

/// The CPU time everything on this machine that takes part in a run has used so far: the server, this process
/// (the generator, and the sandbox answering the server's retrievals) and, when it is the store on this
/// machine, PostgreSQL. Two readings give what a phase cost each of them, and how busy it kept the cores.
struct MachineCPU: Sendable {
    var server: Double
    var generator: Double
    /// Nil when PostgreSQL is not the store, or runs elsewhere.
    var database: Double?
    var at: ContinuousClock.Instant

    init(server: ServerUnderTest, includingPostgres: Bool) {
        self.server = server.cpuSeconds
        generator = processCPUSeconds("self")
        database = includingPostgres ? localPostgresCPUSeconds() : nil
        at = .now
    }

    /// What was used between `start` and this reading.
    func since(_ start: MachineCPU) -> MachineCPU {
        var used = self
        used.server -= start.server
        used.generator -= start.generator
        used.database = database.map { $0 - (start.database ?? 0) }
        return used
    }
}

/// What sending requests at a fixed rate cost the machine.
struct CPUAtRate: Codable, Sendable {
    /// The server's CPU time per request.
    var serverMicroseconds: Double
    /// The share of the cores' time (0…1) the server, the generator and PostgreSQL used together while the
    /// requests went out and were answered: how close to the machine's capacity the rate is, which is what a
    /// latency tail at that rate depends on.
    var coresBusy: Double
    /// How long the virtual cores themselves were slow meanwhile (`CoreProbe`), in milliseconds; nil when the
    /// probe could not run at real-time priority.
    var slowStretchesMilliseconds: Double?

    /// Runs `send`, which sends `requests` requests at the rate, and measures what it cost.
    static func measuring<T>(
        _ server: ServerUnderTest, includingPostgres: Bool, requests: Int, _ send: () async throws -> T
    ) async rethrows -> (T, CPUAtRate) {
        let start = MachineCPU(server: server, includingPostgres: includingPostgres)
        let (result, slow) = try await CoreProbe.measuring(send)
        let used = MachineCPU(server: server, includingPostgres: includingPostgres)
        return (result, CPUAtRate(used, since: start, requests: requests, slowStretchesMilliseconds: slow))
    }

    private init(_ used: MachineCPU, since start: MachineCPU, requests: Int, slowStretchesMilliseconds: Double?) {
        self.slowStretchesMilliseconds = slowStretchesMilliseconds
        let spent = used.since(start)
        let elapsed = seconds(used.at - start.at)
        serverMicroseconds = spent.server * 1_000_000 / Double(max(1, requests))
        let all = spent.server + spent.generator + (spent.database ?? 0)
        coresBusy = elapsed > 0 ? all / (elapsed * Double(ProcessInfo.processInfo.activeProcessorCount)) : 0
    }
}
