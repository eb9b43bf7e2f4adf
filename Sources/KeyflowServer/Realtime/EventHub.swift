import Foundation
import NIOCore
import KeyflowStore
import Synchronization

/// Fans committed timeline events out to the open event streams of their flow, in this process. A frame is
/// encoded once per event and written to every stream of the flow from the streams' own event loops, one
/// hop per loop rather than a task wake-up per stream.
public final class EventHub: Sendable {
    private struct Streams {
        var byFlow: [UUID: [UUID: StreamSubscriber]] = [:]
        var byID: [UUID: StreamSubscriber] = [:]
    }

    private let streams = Mutex(Streams())

    public init() {}

    /// Opens a stream on `flowID` whose first frames are `backlog` (what a reconnecting client missed).
    /// Subscribe before reading the backlog's events, so nothing committed in between is lost.
    func subscribe(to flowID: UUID, after: Int64) -> StreamSubscriber {
        let subscriber = StreamSubscriber(flowID: flowID, after: after)
        streams.withLock {
            $0.byFlow[flowID, default: [:]][subscriber.id] = subscriber
            $0.byID[subscriber.id] = subscriber
        }
        return subscriber
    }

    /// The open stream with this id, for the connection whose response head names it.
    func subscriber(_ id: UUID) -> StreamSubscriber? { streams.withLock { $0.byID[id] } }

    /// Ends a stream; safe to call more than once.
    func close(_ subscriber: StreamSubscriber) {
        streams.withLock { all in
            all.byID[subscriber.id] = nil
            all.byFlow[subscriber.flowID]?[subscriber.id] = nil
            if all.byFlow[subscriber.flowID]?.isEmpty == true { all.byFlow[subscriber.flowID] = nil }
        }
        subscriber.end()
    }

    /// How many streams are open in this process.
    var openStreams: Int { streams.withLock { $0.byID.count } }

    /// A keep-alive for every open stream.
    func beat() {
        let all = streams.withLock { Array($0.byID.values) }
        Self.onEachLoop(all.compactMap(\.connection)) { $0.beat() }
    }

    /// Call after the transaction that wrote the events has committed.
    public func publish(_ events: [StoredEvent]) {
        for event in events {
            let targets = streams.withLock { Array(($0.byFlow[event.flowID] ?? [:]).values) }
            guard !targets.isEmpty, let frame = try? EventStream.frame(event) else { continue }
            let connections = targets.compactMap { $0.offer(frame) }
            Self.onEachLoop(connections) { $0.send(frame) }
        }
    }

    /// Runs `write` for every connection on its own event loop, one task per loop.
    private static func onEachLoop(
        _ connections: [StreamConnection], _ write: @escaping @Sendable (StreamConnection.Writer) -> Void
    ) {
        var byLoop: [ObjectIdentifier: (loop: any EventLoop, connections: [StreamConnection])] = [:]
        for connection in connections {
            byLoop[ObjectIdentifier(connection.eventLoop), default: (connection.eventLoop, [])].connections.append(connection)
        }
        for (loop, connections) in byLoop.values {
            loop.execute { for connection in connections { write(connection.writer.value) } }
        }
    }
}
