import ServiceLifecycle
import Synchronization

/// Tells this process's `JobRunner` that work is waiting (a job was queued here, or a running one finished),
/// so it claims at once instead of at its next poll. Other instances still find the job by polling.
final class JobWakeup: Sendable {
    private struct State {
        var signalled = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    private let state = Mutex(State())

    func notify() {
        let waiter = state.withLock { state in
            guard let waiter = state.waiter else {
                state.signalled = true
                return nil as CheckedContinuation<Void, Never>?
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    /// Returns when `notify` is called (or was since the last wait), after `timeout`, or on shutdown.
    func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.signal() }
            group.addTask { await pause(for: timeout) }
            await group.next()
            // Whichever came first, the other is called off: a timeout leaves no signal behind for the next wait.
            group.cancelAll()
        }
    }

    private func signal() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state in
                    // Called off before it waited: any signal is left for the next wait.
                    if Task.isCancelled { return true }
                    if state.signalled {
                        state.signalled = false
                        return true
                    }
                    state.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            state.withLock { state in
                defer { state.waiter = nil }
                return state.waiter
            }?.resume()
        }
    }
}
