import Foundation
import Hummingbird
import KeyflowJSON
import KeyflowStore
import ServiceLifecycle

/// A flow's timeline as Server-Sent Events: first what the client missed (after `Last-Event-ID` or `?after=`),
/// then each new event as it commits, with the `StreamHeartbeat`'s comment line to keep proxies from closing
/// an idle stream. The frames are written by the connection's `EventStreamTap`; the response body only
/// waits for the stream to end. On shutdown the stream ends, and the `retry` hint brings clients back to a
/// live instance.
struct EventStream {
    let hub: EventHub
    let store: Store

    func response(flowID: UUID, after: Int64?) async throws -> Response {
        // Subscribed before reading the backlog, so nothing committed in between is lost; an event already
        // sent is skipped when it arrives live.
        let subscriber = hub.subscribe(to: flowID, after: after ?? 0)
        let lease = StreamLease(hub: hub, subscriber: subscriber)
        if let after {
            let missed = try await store.read { try await $0.timeline(of: flowID, after: after) }
            subscriber.queue(try missed.map(Self.frame))
        }
        let body = ResponseBody { writer in
            await withGracefulShutdownHandler {
                await lease.subscriber.ended()
            } onGracefulShutdown: {
                lease.close()
            }
            lease.close()
            try await writer.finish(nil)
        }
        return Response(
            status: .ok,
            headers: [
                .contentType: "text/event-stream", .cacheControl: "no-cache", .init("X-Accel-Buffering")!: "no",
                EventStreamTap.header: subscriber.id.text(uppercase: true),
            ],
            body: body)
    }

    /// The event as the API writes it in a flow's timeline (`JSONCoding`, a fraction of `JSONEncoder`'s cost).
    static func frame(_ event: StoredEvent) throws -> StreamFrame {
        let json = String(decoding: try JSONCoding.encoded(EventView(event), datesAsISO8601: true), as: UTF8.self)
        return StreamFrame(id: event.id, text: "id: \(event.id)\nevent: \(event.event.kind.rawValue)\ndata: \(json)\n\n")
    }
}

/// Closes the stream when its response is dropped without having been sent (the client left before the
/// head was written), so no subscriber outlives its request.
private final class StreamLease: Sendable {
    let hub: EventHub
    let subscriber: StreamSubscriber

    init(hub: EventHub, subscriber: StreamSubscriber) {
        self.hub = hub
        self.subscriber = subscriber
    }

    func close() { hub.close(subscriber) }

    deinit { hub.close(subscriber) }
}
