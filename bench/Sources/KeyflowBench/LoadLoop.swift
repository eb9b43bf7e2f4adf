import Foundation
import Synchronization

/// Runs `count` operations with `concurrency` of them in flight at any time, as fast as they complete, and
/// times each one. Paced (`perSecond`), operation `i` is due `i / perSecond` seconds after the start, is let go
/// by a `Pacer`, and is timed from when it was due, so one that had to wait — for a free place or for the
/// pacer's tick — counts its wait as a caller would.
struct LoadLoop {
    struct Result: Sendable {
        var latencies: Latencies
        var elapsed: Duration
        var failures: Int
        var firstError: String?

        var perSecond: Double { Double(latencies.count) / max(seconds(elapsed), 1e-9) }
    }

    let count: Int
    let concurrency: Int
    var perSecond: Double?

    func run(_ operation: @escaping @Sendable (Int) async throws -> Void) async -> Result {
        let next = Tickets()
        let (count, pace) = (self.count, self.perSecond)
        let clock = ContinuousClock()
        let started = clock.now
        let pacer = pace.map { Pacer(perSecond: $0, count: count, start: started) }
        let perWorker = await withTaskGroup(of: (samples: [Double], failures: Int, error: String?)?.self) { group in
            if let pacer { group.addTask { await pacer.run(); return nil } }
            for _ in 0..<min(concurrency, max(count, 1)) {
                group.addTask {
                    var samples: [Double] = []
                    var failures = 0
                    var firstError: String?
                    while true {
                        let index = next.take()
                        guard index < count else { break }
                        var begin = clock.now
                        if let pace, let pacer {
                            begin = started + .seconds(Double(index) / pace)
                            await pacer.admit(index)
                        }
                        do {
                            try await operation(index)
                            samples.append(milliseconds(clock.now - begin))
                        } catch {
                            failures += 1
                            firstError = firstError ?? "\(error)"
                        }
                    }
                    return (samples, failures, firstError)
                }
            }
            var all: [(samples: [Double], failures: Int, error: String?)] = []
            for await worker in group { if let worker { all.append(worker) } }
            return all
        }
        return Result(
            latencies: Latencies(perWorker.flatMap(\.samples)), elapsed: clock.now - started,
            failures: perWorker.map(\.failures).reduce(0, +), firstError: perWorker.compactMap(\.error).first)
    }
}

/// Hands out 0, 1, 2, … to concurrent workers.
final class Tickets: Sendable {
    private let next = Atomic<Int>(0)

    func take() -> Int { next.add(1, ordering: .relaxed).oldValue }
}

/// Lets paced operations go when they are due, on a tick of one timer for all workers. A timer per operation
/// (each worker sleeping until its next one is due) cost the generator ≈ 60 µs of CPU per operation at
/// 5,000/s, on the cores the server shares; a tick costs an operation up to a millisecond more of wait,
/// which its latency includes.
final class Pacer: Sendable {
    private struct State {
        /// Operations below this index are due.
        var due = 0
        var waiting: [Int: CheckedContinuation<Void, Never>] = [:]
    }

    static let tick = Duration.milliseconds(1)

    private let state = Mutex(State())
    private let perSecond: Double
    private let count: Int
    private let start: ContinuousClock.Instant

    init(perSecond: Double, count: Int, start: ContinuousClock.Instant) {
        self.perSecond = perSecond
        self.count = count
        self.start = start
    }

    /// Returns once operation `index` is due.
    func admit(_ index: Int) async {
        await withCheckedContinuation { continuation in
            let due = state.withLock { state in
                guard index >= state.due else { return true }
                state.waiting[index] = continuation
                return false
            }
            if due { continuation.resume() }
        }
    }

    /// Ticks until every operation is due.
    func run() async {
        let clock = ContinuousClock()
        while true {
            let due = min(count, Int(seconds(clock.now - start) * perSecond) + 1)
            let ready = state.withLock { state -> [CheckedContinuation<Void, Never>] in
                let ready = (state.due..<max(state.due, due)).compactMap { state.waiting.removeValue(forKey: $0) }
                state.due = max(state.due, due)
                return ready
            }
            for continuation in ready { continuation.resume() }
            guard due < count else { return }
            try? await clock.sleep(for: Self.tick)
        }
    }
}
