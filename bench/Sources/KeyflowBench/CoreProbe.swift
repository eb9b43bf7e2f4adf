import Foundation
import Synchronization

/// How long the virtual cores themselves were slow during a phase. A thread at real-time priority, which no
/// ordinary thread on the machine can preempt, wakes every 2 ms and does the same few tens of microseconds of
/// arithmetic. On a shared virtual machine the cores sometimes lose most of their time to the host for a
/// while: that arithmetic then takes several times as long, and so does everything else running, the server
/// and the generator alike (PERFORMANCE, "What a slow moment looks like"). Printed beside the latencies at
/// 5,000/s, it tells a slow moment of the machine from a slow moment of Keyflow.
///
/// A slow stretch is 20 ms in which at least 3 of the probe's 10 runs took 3 times its median or more: on this
/// machine at most 1 % of its runs are that slow in ordinary moments (0.0–0.1 % in its quietest hours), so
/// three in one stretch by chance are rare.
final class CoreProbe: Sendable {
    /// One run of the arithmetic: when it began and how long it took, in nanoseconds.
    struct Run {
        var start: UInt64
        var nanoseconds: UInt64
    }

    static let period: UInt64 = 2_000_000
    static let stretch: UInt64 = 20_000_000

    private let stopping = Atomic(false)
    /// Where the arithmetic's result goes, so the compiler cannot leave it out.
    private let outcome = Atomic<UInt64>(0)

    private init() {}

    /// Runs `body` with the probe beside it; answers the slow stretches' milliseconds, or nil when this process
    /// may not run a thread at real-time priority (it then measures nothing rather than something else).
    static func measuring<T>(_ body: () async throws -> T) async rethrows -> (T, slowMilliseconds: Double?) {
        let probe = CoreProbe()
        let runs = Task.detached { await probe.run() }
        func stop() async -> [Run]? {
            probe.stopping.store(true, ordering: .relaxed)
            return await runs.value
        }
        do {
            let result = try await body()
            return (result, await stop().map(slowMilliseconds))
        } catch {
            _ = await stop()
            throw error
        }
    }

    /// The probe's runs, on a thread of its own until told to stop; nil when it cannot have real-time priority.
    private func run() async -> [Run]? {
        await withCheckedContinuation { continuation in
            let thread = Thread { continuation.resume(returning: self.probe()) }
            thread.start()
        }
    }

    private func probe() -> [Run]? {
        var priority = sched_param(sched_priority: 1)
        guard pthread_setschedparam(pthread_self(), SCHED_FIFO, &priority) == 0 else { return nil }
        var runs: [Run] = []
        var next = Self.now()
        var sink: UInt64 = 0
        while !stopping.load(ordering: .relaxed) {
            next += Self.period
            var due = timespec(tv_sec: Int(next / 1_000_000_000), tv_nsec: Int(next % 1_000_000_000))
            clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &due, nil)
            let start = Self.now()
            sink ^= Self.arithmetic(seed: start)
            runs.append(Run(start: start, nanoseconds: Self.now() - start))
        }
        outcome.store(sink, ordering: .relaxed)
        return runs
    }

    /// A fixed chain of dependent multiplications (≈ 22 µs on this machine).
    @inline(never)
    private static func arithmetic(seed: UInt64) -> UInt64 {
        var value = seed
        for _ in 0..<10_000 {
            value = value &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            value ^= value >> 29
        }
        return value
    }

    /// The slow stretches' total, in milliseconds (see the type's description).
    static func slowMilliseconds(_ runs: [Run]) -> Double {
        guard let first = runs.first else { return 0 }
        let median = runs.map(\.nanoseconds).sorted()[runs.count / 2]
        var slowRuns: [UInt64: Int] = [:]
        for run in runs where run.nanoseconds >= 3 * median {
            slowRuns[(run.start - first.start) / stretch, default: 0] += 1
        }
        return Double(slowRuns.values.filter { $0 >= 3 }.count * Int(stretch / 1_000_000))
    }

    private static func now() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
