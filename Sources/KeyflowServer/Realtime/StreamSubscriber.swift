import Foundation
import NIOCore
import Synchronization

/// One open event stream, from the request that opened it until its connection closes. Until the response
/// head passes the connection's `EventStreamTap`, frames wait here (the backlog first, then live ones); from
/// then on they go straight to the connection.
final class StreamSubscriber: Sendable {
    private enum State {
        case waiting([StreamFrame])
        case attached(StreamConnection)
        case ended
    }

    private struct Ending {
        var ended = false
        var waiter: CheckedContinuation<Void, Never>?
    }

    let id = UUID.random()
    let flowID: UUID
    let after: Int64
    private let state = Mutex(State.waiting([]))
    private let ending = Mutex(Ending())

    init(flowID: UUID, after: Int64) {
        self.flowID = flowID
        self.after = after
    }

    /// Queues frames that were committed before the stream opened.
    func queue(_ frames: [StreamFrame]) {
        state.withLock { state in
            if case .waiting(let waiting) = state { state = .waiting(frames + waiting) }
        }
    }

    /// A live frame: held while waiting, otherwise the connection to write it to.
    func offer(_ frame: StreamFrame) -> StreamConnection? {
        state.withLock { state in
            switch state {
            case .waiting(var frames):
                frames.append(frame)
                state = .waiting(frames)
                return nil
            case .attached(let connection): return connection
            case .ended: return nil
            }
        }
    }

    var connection: StreamConnection? {
        state.withLock { if case .attached(let connection) = $0 { connection } else { nil } }
    }

    /// Called by the tap on the connection's event loop: writes what waited and goes live.
    func attach(_ connection: StreamConnection) {
        let waiting: [StreamFrame]? = state.withLock { state in
            guard case .waiting(let frames) = state else { return nil }
            state = .attached(connection)
            return frames
        }
        guard let waiting else { return }
        connection.writer.value.start(after: after, frames: waiting)
    }

    /// Stops the stream's writes (on its event loop, so nothing is written after the response's end) and
    /// then lets `ended()` return.
    func end() {
        let previous = state.withLock { state in
            defer { state = .ended }
            return state
        }
        switch previous {
        case .attached(let connection):
            connection.eventLoop.execute {
                connection.writer.value.stop()
                self.finish()
            }
        case .waiting: finish()
        case .ended: break
        }
    }

    /// Returns once the stream has ended: its connection closed, the server shuts down, or the task is
    /// cancelled.
    func ended() async {
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let resumeNow = ending.withLock { ending in
                    if ending.ended { return true }
                    ending.waiter = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            end()
        }
    }

    private func finish() {
        let waiter = ending.withLock { ending in
            ending.ended = true
            defer { ending.waiter = nil }
            return ending.waiter
        }
        waiter?.resume()
    }
}
