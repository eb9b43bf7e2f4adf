import KeyflowStore
import Synchronization
import Testing

@Suite("Batcher")
struct BatcherTests {
    /// Records every batch it is handed and holds the first one until `release()`, so inputs pile up behind
    /// it. A batch holding 13 fails.
    final class Handler: Sendable {
        let batches = Mutex<[[Int]]>([])
        private let gate = Mutex<CheckedContinuation<Void, Never>?>(nil)

        func handle(_ inputs: [Int]) async throws -> [String] {
            let first = batches.withLock { batches in
                batches.append(inputs)
                return batches.count == 1
            }
            if first { await withCheckedContinuation { continuation in gate.withLock { $0 = continuation } } }
            if inputs.contains(13) { throw Unlucky() }
            return inputs.map { "answer \($0)" }
        }

        /// Lets the first batch go once it is being handled.
        func release() async throws {
            try await waitUntil { gate.withLock { $0 != nil } }
            gate.withLock { $0?.resume() }
        }
    }

    struct Unlucky: Error {}

    /// Submits `first` alone, then `rest` while it is held, and answers every input's result.
    static func submit(first: Int, rest: [Int], to batcher: Batcher<Int, String>, handler: Handler) async throws
        -> [Int: Result<String, any Error>]
    {
        try await withThrowingTaskGroup(of: (Int, Result<String, any Error>).self) { group in
            for input in [first] + rest {
                group.addTask {
                    do { return (input, .success(try await batcher.submit(input))) } catch { return (input, .failure(error)) }
                }
                if input == first { try await waitUntil { handler.batches.withLock { !$0.isEmpty } } }
            }
            // The rest are queued behind the held batch long before this.
            try await Task.sleep(for: .milliseconds(200))
            try await handler.release()
            var results: [Int: Result<String, any Error>] = [:]
            for try await (input, result) in group { results[input] = result }
            return results
        }
    }

    @Test("inputs arriving while a batch is handled form the next ones, at most `maximum` each, and each gets its own answer")
    func batches() async throws {
        let handler = Handler()
        let batcher = Batcher<Int, String>(maximum: 4) { try await handler.handle($0) }
        let results = try await Self.submit(first: 0, rest: Array(1...9), to: batcher, handler: handler)
        for input in 0...9 { #expect(try results[input]?.get() == "answer \(input)") }
        let batches = handler.batches.withLock { $0 }
        #expect(batches.map(\.count) == [1, 4, 4, 1])
        #expect(batches.flatMap { $0 }.sorted() == Array(0...9))
    }

    @Test("when a batch fails, each of its inputs is tried alone: only the bad one's caller gets the error")
    func failureStaysWithItsInput() async throws {
        let handler = Handler()
        let batcher = Batcher<Int, String>(maximum: 8) { try await handler.handle($0) }
        let results = try await Self.submit(first: 0, rest: [12, 13, 14], to: batcher, handler: handler)
        #expect(try results[12]?.get() == "answer 12")
        #expect(try results[14]?.get() == "answer 14")
        #expect(throws: Unlucky.self) { try results[13]?.get() }
        #expect(handler.batches.withLock { $0 }.count == 5)
    }

    @Test("an input alone is handled at once, and the batcher starts again after falling idle")
    func idleAndAgain() async throws {
        let batcher = Batcher<Int, String>(maximum: 4) { $0.map { "answer \($0)" } }
        #expect(try await batcher.submit(1) == "answer 1")
        #expect(try await batcher.submit(2) == "answer 2")
    }
}
