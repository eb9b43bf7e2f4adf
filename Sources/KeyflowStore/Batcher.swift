import Synchronization

/// Hands inputs to `handle` in batches: inputs that arrive while a batch is being handled wait and form the
/// next one. Under load, work that costs the same for one input or many (a statement, a transaction) is paid
/// once per batch; alone, an input is handled at once, with no timer to wait for.
///
/// When a batch of several fails, each of its inputs is tried again alone, so one bad input fails only its own
/// caller. A handler that settles each input itself answers a `Result` per input and never throws.
public final class Batcher<Input: Sendable, Output: Sendable>: Sendable {
    /// Told an input's output, or the error its batch ended in.
    public typealias Answer = @Sendable (Result<Output, any Error>) -> Void

    private struct Waiting: Sendable {
        var input: Input
        var answer: Answer
    }

    private struct State {
        var waiting: [Waiting] = []
        var handling = false
    }

    private let state = Mutex(State())
    private let maximum: Int
    /// Answers one output per input, in order.
    private let handle: @Sendable ([Input]) async throws -> [Output]

    public init(maximum: Int, handle: @escaping @Sendable ([Input]) async throws -> [Output]) {
        precondition(maximum > 0)
        self.maximum = maximum
        self.handle = handle
    }

    public func submit(_ input: Input) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            submit(input) { continuation.resume(with: $0) }
        }
    }

    /// The same for a caller outside Swift's tasks (an event loop): `answer` is called from the batch's task.
    public func submit(_ input: Input, answer: @escaping Answer) {
        let leads = state.withLock { state in
            state.waiting.append(Waiting(input: input, answer: answer))
            defer { state.handling = true }
            return !state.handling
        }
        // Batches are handled in a task of their own that ends when nothing waits, so no caller is held past
        // its own answer. Its priority is fixed rather than inherited from whoever came first.
        if leads { Task(priority: .medium) { await self.drain() } }
    }

    private func drain() async {
        while true {
            let batch = state.withLock { state in
                let batch = Array(state.waiting.prefix(maximum))
                state.waiting.removeFirst(batch.count)
                if batch.isEmpty { state.handling = false }
                return batch
            }
            guard !batch.isEmpty else { return }
            await run(batch)
        }
    }

    private func run(_ batch: [Waiting]) async {
        do {
            let outputs = try await handle(batch.map(\.input))
            precondition(outputs.count == batch.count, "a batch handler answers one output per input")
            for (waiting, output) in zip(batch, outputs) { waiting.answer(.success(output)) }
        } catch {
            guard batch.count > 1 else { return batch[0].answer(.failure(error)) }
            for waiting in batch { await run([waiting]) }
        }
    }
}
