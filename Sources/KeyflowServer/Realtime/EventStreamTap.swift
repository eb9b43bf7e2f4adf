import Foundation
import HTTPTypes
import KeyflowJSON
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Sits in every HTTP connection's pipeline. When a response head names an event stream
/// (`EventStreamTap.header`, set by `EventStream` and removed here), the stream's frames are written to this
/// connection directly from its event loop from then on; the response's own body only waits for the end.
final class EventStreamTap: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    static let header = HTTPField.Name("X-Keyflow-Event-Stream")!

    private let hub: EventHub
    private var subscriber: StreamSubscriber?

    init(hub: EventHub) { self.hub = hub }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        guard case .head(var head) = unwrapOutboundIn(data), let named = head.headerFields[Self.header] else {
            context.write(data, promise: promise)
            return
        }
        head.headerFields[Self.header] = nil
        context.write(wrapOutboundOut(.head(head)), promise: promise)
        guard let id = UUID(text: named), let subscriber = hub.subscriber(id) else { return }
        self.subscriber = subscriber
        subscriber.attach(StreamConnection(context: context))
    }

    func channelInactive(context: ChannelHandlerContext) {
        closeStream()
        context.fireChannelInactive()
    }

    /// The server keeps a connection whose client closed its sending side open until the response ends; an
    /// event stream's response never ends by itself, and its client has nothing more to send, so a closed
    /// input means the client has gone.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let channelEvent = event as? ChannelEvent, channelEvent == .inputClosed { closeStream() }
        context.fireUserInboundEventTriggered(event)
    }

    func handlerRemoved(context: ChannelHandlerContext) { closeStream() }

    private func closeStream() {
        guard let subscriber else { return }
        self.subscriber = nil
        hub.close(subscriber)
    }
}

/// One Server-Sent Events frame, made once for every stream it goes to: the text, and the same text framed as
/// an HTTP/1.1 chunk.
struct StreamFrame: Sendable {
    let id: Int64
    let body: ByteBuffer
    let chunk: ByteBuffer

    init(id: Int64, text: String) {
        self.id = id
        body = ByteBuffer(string: text)
        chunk = Self.chunk(body)
    }

    static func chunk(_ body: ByteBuffer) -> ByteBuffer {
        var chunk = ByteBuffer(string: String(body.readableBytes, radix: 16) + "\r\n")
        chunk.writeImmutableBuffer(body)
        chunk.writeStaticString("\r\n")
        return chunk
    }
}

/// An event stream's connection, written only on its event loop.
struct StreamConnection: Sendable {
    let eventLoop: any EventLoop
    let writer: NIOLoopBound<Writer>

    init(context: ChannelHandlerContext) {
        eventLoop = context.eventLoop
        writer = NIOLoopBound(Writer(context: context), eventLoop: context.eventLoop)
    }

    final class Writer {
        /// Where frames enter the pipeline: below the HTTP/1 encoder, as ready-made chunks, so thousands of
        /// streams do not each pass the HTTP codecs and get a chunk header of their own. Every event stream's
        /// response is chunked (HTTP/1.1 and no length); without the encoder in the pipeline the frames go
        /// through it from the tap.
        private let below: ChannelHandlerContext?
        private let context: ChannelHandlerContext
        /// Kept, since reaching it through the context walks to the pipeline on every frame of every stream.
        private let channel: any Channel
        private var sent = SentEvents(after: 0)
        private var open = true
        private static let retry = StreamFrame(id: 0, text: "retry: 3000\n\n")
        private static let keepAlive = StreamFrame(id: 0, text: ": keep-alive\n\n")

        init(context: ChannelHandlerContext) {
            self.context = context
            channel = context.channel
            below = try? context.pipeline.syncOperations.context(handlerType: HTTPResponseEncoder.self)
        }

        /// The reconnect hint, then what the client missed and what arrived meanwhile.
        func start(after: Int64, frames: [StreamFrame]) {
            sent = SentEvents(after: after)
            write(Self.retry)
            for frame in frames where sent.isNew(frame.id) {
                write(frame)
                sent.insert(frame.id)
            }
            flush()
        }

        func send(_ frame: StreamFrame) {
            guard open, sent.isNew(frame.id) else { return }
            // A client that stopped reading would make the server hold its frames without bound; closed, it
            // reconnects with Last-Event-ID and replays from the timeline, so nothing is lost.
            guard channel.isWritable else {
                stop()
                context.close(promise: nil)
                return
            }
            sent.insert(frame.id)
            write(frame)
            flush()
        }

        func beat() {
            guard open else { return }
            write(Self.keepAlive)
            flush()
        }

        func stop() { open = false }

        private func write(_ frame: StreamFrame) {
            if let below {
                below.write(NIOAny(IOData.byteBuffer(frame.chunk)), promise: nil)
            } else {
                context.write(NIOAny(HTTPResponsePart.body(frame.body)), promise: nil)
            }
        }

        private func flush() { (below ?? context).flush() }
    }
}

/// The ids a stream has sent: everything up to `floor`, and the recent ones above it. Events relayed from
/// other instances may arrive a little out of order, so what was sent is remembered by id, not by a
/// high-water mark.
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
