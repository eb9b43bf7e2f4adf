import Foundation
import Hummingbird
import KeyflowStore
import ServiceLifecycle

/// A flow's timeline as Server-Sent Events: first what the client missed (after `Last-Event-ID` or `?after=`),
/// then each new event as it commits, with the `StreamHeartbeat`'s comment line to keep proxies from closing
/// an idle stream. On shutdown the stream ends, and the `retry` hint brings clients back to a live
/// instance.
struct EventStream {
    let hub: EventHub
    let store: Store

    func response(flowID: UUID, after: Int64?) -> Response {
        let body = ResponseBody { writer in
            let subscription = hub.subscribe(to: flowID)
            defer { hub.unsubscribe(subscription) }
            try await writer.write(ByteBuffer(string: "retry: 3000\n\n"))
            // Subscribed before reading the backlog, so nothing committed in between is lost; an event
            // already sent is skipped when it arrives live. Events relayed from other instances may arrive
            // a little out of order, so what was sent is remembered by id, not by a high-water mark.
            var sent = SentEvents(after: after ?? 0)
            if let after {
                for event in try await store.read({ try await $0.timeline(of: flowID, after: after) }) {
                    try await writer.write(Self.frame(event))
                    sent.insert(event.id)
                }
            }
            let stream = subscription.stream
            try await withGracefulShutdownHandler {
                for await item in stream {
                    switch item {
                    case .event(let id, let frame) where sent.isNew(id):
                        try await writer.write(frame)
                        sent.insert(id)
                    case .event:
                        continue
                    case .heartbeat:
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            } onGracefulShutdown: {
                subscription.continuation.finish()
            }
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no"],
            body: body)
    }

    /// The ids a stream has sent: everything up to `floor`, and the recent ones above it.
    struct SentEvents {
        var floor: Int64
        var recent = Set<Int64>()
        static let window = 512

        init(after: Int64) { floor = after }

        func isNew(_ id: Int64) -> Bool { id > floor && !recent.contains(id) }

        mutating func insert(_ id: Int64) {
            recent.insert(id)
            if recent.count > Self.window, let oldest = recent.min() {
                recent.remove(oldest)
                floor = max(floor, oldest)
            }
        }
    }

    static func frame(_ event: StoredEvent) throws -> ByteBuffer {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let json = String(decoding: try encoder.encode(EventView(event)), as: UTF8.self)
        return ByteBuffer(string: "id: \(event.id)\nevent: \(event.event.kind.rawValue)\ndata: \(json)\n\n")
    }
}
