import Foundation
import Synchronization

/// Runs `count` operations with `concurrency` of them in flight at any time, as fast as they complete, and
/// times each one. (`LoopSender` sends from the event loops instead, for the requests that must cost the generator least.)
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

    func run(_ operation: @escaping @Sendable (Int) async throws -> Void) async -> Result {
        let next = Tickets()
        let count = self.count
        let clock = ContinuousClock()
        let started = clock.now
        let perWorker = await withTaskGroup(of: (samples: [Double], failures: Int, error: String?).self) { group in
            for _ in 0..<min(concurrency, max(count, 1)) {
                group.addTask {
                    var samples: [Double] = []
                    var failures = 0
                    var firstError: String?
                    while true {
                        let index = next.take()
                        guard index < count else { break }
                        let begin = clock.now
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
            for await worker in group { all.append(worker) }
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
