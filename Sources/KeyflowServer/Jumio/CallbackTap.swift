import HTTPTypes
import Logging
import NIOCore
import NIOHTTPTypes

/// Sits in every HTTP connection's pipeline and answers Jumio's callbacks (`POST /hooks/jumio/{token}`) on the
/// connection's event loop: the request is read here, handed to the `CallbackInbox` and answered from here
/// once stored. Callbacks are the request Keyflow takes most of, in bursts, and on the router's path each one
/// woke the connection's task, ran through the middleware in Swift's executor and hopped back to the loop to
/// be written: as much CPU again as the callback's own work when they come one at a time (PERFORMANCE.md).
///
/// Answers on a connection go out in the order its requests came. A callback is taken only when the router has
/// none of this connection's requests open; one that comes behind such a request goes to the router
/// (`JumioHookController`), and parts that come while a taken callback waits for the inbox are held and
/// passed on once it is answered.
final class CallbackTap: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private struct Callback {
        var request: HTTPRequest
        var token: String
        var body: ByteBuffer
        var tooLarge = false
        let start = ContinuousClock.now
    }

    private let intake: CallbackIntake
    private let strictTransportSecurity: Bool
    private let serverName: String
    /// The callback being read, until its end arrives.
    private var reading: Callback?
    /// Whether a callback read here waits for its answer.
    private var answering = false
    /// Parts that arrived while a callback was being answered.
    private var held: [HTTPRequestPart] = []
    /// The router's requests on this connection whose answers have not ended yet.
    private var routerRequests = 0
    /// The server is shutting down: the connection closes once the callback under way is answered.
    private var closeWhenAnswered = false
    /// A read of the socket asked for while a callback waited for its answer, made once it is answered.
    private var readWanted = false

    init(intake: CallbackIntake, strictTransportSecurity: Bool, serverName: String) {
        self.intake = intake
        self.strictTransportSecurity = strictTransportSecurity
        self.serverName = serverName
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let part = unwrapInboundIn(data)
        if answering { return held.append(part) }
        if var callback = reading {
            reading = nil
            switch part {
            case .head:
                // The decoder ends a request before it starts the next; nothing else comes here.
                context.close(promise: nil)
            case .body(let chunk):
                if callback.body.readableBytes + chunk.readableBytes > CallbackIntake.largestBody {
                    callback.tooLarge = true
                } else {
                    callback.body.writeImmutableBuffer(chunk)
                }
                reading = callback
            case .end:
                answer(callback, context: context)
            }
            return
        }
        if case .head(let request) = part {
            if routerRequests == 0, let token = Self.token(request) {
                reading = Callback(request: request, token: token, body: context.channel.allocator.buffer(capacity: 0))
                return
            }
            routerRequests += 1
        }
        context.fireChannelRead(data)
    }

    /// Shutting down, the server closes a connection at once unless the router is answering on it, and the
    /// router knows nothing of the callback read here: that one is answered first, then the connection closed,
    /// as the router's own are.
    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is ChannelShouldQuiesceEvent, answering || reading != nil {
            closeWhenAnswered = true
            return
        }
        context.fireUserInboundEventTriggered(event)
    }

    /// The socket is not read while a callback waits for its answer, so what a client sends behind it stays in
    /// the socket rather than piling up here.
    func read(context: ChannelHandlerContext) {
        guard !answering else { return readWanted = true }
        context.read()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { routerRequests -= 1 }
        context.write(data, promise: promise)
    }

    /// The token of a callback's request target: one plain segment after `/hooks/jumio/`. Anything less
    /// plain (escapes, more segments, another method) is the router's to answer as it answers any request.
    static func token(_ request: HTTPRequest) -> String? {
        guard request.method == .post, var path = request.path else { return nil }
        // Read as bytes: every POST's head comes here, and walking the string's UTF-8 view took ≈ 3,400
        // instructions a callback.
        return path.withUTF8 { target -> String? in
            guard target.starts(with: prefix) else { return nil }
            var end = prefix.count
            while end < target.count, target[end] != UInt8(ascii: "?") {
                guard isPlain(target[end]) else { return nil }
                end += 1
            }
            guard end > prefix.count else { return nil }
            return String(decoding: UnsafeBufferPointer(rebasing: target[prefix.count..<end]), as: UTF8.self)
        }
    }

    private static let prefix = Array("/hooks/jumio/".utf8)

    private static func isPlain(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
            UInt8(ascii: "-"), UInt8(ascii: "_"), UInt8(ascii: "."), UInt8(ascii: "~"):
            true
        default: false
        }
    }

    private func answer(_ callback: Callback, context: ChannelHandlerContext) {
        answering = true
        let requestID = RequestTrace.id(from: callback.request.headerFields[RequestTraceMiddleware.requestID])
        guard !callback.tooLarge else {
            return respond(CallbackIntake.tooLarge, to: callback, requestID: requestID, context: context)
        }
        let peer = context.channel.remoteAddress?.ipAddress
        let arrival = intake.arrival(
            token: callback.token, body: callback.body, peer: peer,
            forwardedFor: callback.request.headerFields[CallbackIntake.forwardedFor], requestID: requestID)
        let loop = context.eventLoop
        let tap = NIOLoopBound((self, context), eventLoop: loop)
        intake.inbox.receive(arrival) { [intake] result in
            let error: APIError?
            switch result {
            case .success(let receipt): error = intake.settle(receipt, of: arrival, peer: peer)
            case .failure(let failure): error = intake.failed(failure, requestID: requestID)
            }
            loop.execute {
                let (tap, context) = tap.value
                tap.respond(error, to: callback, requestID: requestID, context: context)
            }
        }
    }

    /// Writes the answer (200, or the error), then passes on what arrived meanwhile.
    private func respond(_ error: APIError?, to callback: Callback, requestID: String, context: ChannelHandlerContext) {
        var fields = error?.headerFields ?? [.contentType: "application/json; charset=utf-8"]
        let body = error?.body ?? CallbackIntake.received
        let status = error?.status ?? .ok
        fields[.contentLength] = String(body.readableBytes)
        RequestTraceMiddleware.mark(&fields, requestID: requestID, strictTransportSecurity: strictTransportSecurity)
        fields[.date] = HTTPDate.now()
        fields[.server] = serverName
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(body)), promise: nil)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
        MetricsMiddleware.record(
            in: intake.metrics, method: .post, route: CallbackIntake.route, status: status.code,
            seconds: (ContinuousClock.now - callback.start).inSeconds)
        answering = false
        if closeWhenAnswered || callback.request.headerFields[.connection] == "close" { return context.close(promise: nil) }
        if !held.isEmpty {
            while !answering, !held.isEmpty {
                channelRead(context: context, data: wrapInboundOut(held.removeFirst()))
            }
            context.fireChannelReadComplete()
        }
        if !answering, readWanted {
            readWanted = false
            context.read()
        }
    }
}
