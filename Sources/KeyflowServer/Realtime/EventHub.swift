import Foundation
import NIOCore
import KeyflowStore
import Synchronization

/// Fans committed timeline events out to the open event streams of their flow, in this process.
public final class EventHub: Sendable {
    private let subscribers = Mutex<[UUID: [UUID: AsyncStream<StreamItem>.Continuation]]>([:])

    public init() {}

    enum StreamItem: Sendable {
        /// An event with its frame, encoded once for every stream it goes to.
        case event(id: Int64, frame: ByteBuffer)
        case heartbeat
    }

    struct Subscription: Sendable {
        let id: UUID
        let flowID: UUID
        let stream: AsyncStream<StreamItem>
        let continuation: AsyncStream<StreamItem>.Continuation
    }

    func subscribe(to flowID: UUID) -> Subscription {
        let (stream, continuation) = AsyncStream.makeStream(of: StreamItem.self, bufferingPolicy: .bufferingNewest(1000))
        let id = UUID()
        subscribers.withLock { $0[flowID, default: [:]][id] = continuation }
        return Subscription(id: id, flowID: flowID, stream: stream, continuation: continuation)
    }

    func unsubscribe(_ subscription: Subscription) {
        subscribers.withLock { all in
            all[subscription.flowID]?[subscription.id] = nil
            if all[subscription.flowID]?.isEmpty == true { all[subscription.flowID] = nil }
        }
        subscription.continuation.finish()
    }

    /// How many streams are open in this process.
    var openStreams: Int { subscribers.withLock { $0.values.reduce(0) { $0 + $1.count } } }

    /// A keep-alive for every open stream.
    func beat() {
        for continuation in subscribers.withLock({ $0.values.flatMap(\.values) }) { continuation.yield(.heartbeat) }
    }

    /// Call after the transaction that wrote the events has committed.
    public func publish(_ events: [StoredEvent]) {
        for event in events {
            let targets = subscribers.withLock { Array(($0[event.flowID] ?? [:]).values) }
            guard !targets.isEmpty, let frame = try? EventStream.frame(event) else { continue }
            for continuation in targets { continuation.yield(.event(id: event.id, frame: frame)) }
        }
    }
}

