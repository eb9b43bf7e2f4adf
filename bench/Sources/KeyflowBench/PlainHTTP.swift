import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Keep-alive HTTP/1.1 connections to the server under test for the generator's hot loops (Jumio's callbacks
/// and `/health`, sent by `LoopSender`), one request at a time on each, written and read on its event loop.
///
/// AsyncHTTPClient's pool, request state machines and task hand-offs cost the generator ≈ 170–190 µs of CPU
/// per callback, about as much as the server spends accepting it — on the same two cores, so the generator
/// itself held the rate down. Jumio's callbacks come from Jumio's machines, not from Keyflow's; the lighter the
/// generator, the nearer the figures are to that.
final class PlainHTTP: Sendable {
    struct Response: Sendable {
        var status: Int
        var body: ByteBuffer
    }

    let base: String
    private let host: String
    private let port: Int

    init(base: String) throws {
        guard let url = URLComponents(string: base), let host = url.host, let port = url.port else {
            throw KeyflowAPI.Failure(description: "cannot read host and port from \(base)")
        }
        self.base = base
        self.host = host
        self.port = port
    }

    /// A request's head for this server.
    func head(_ method: HTTPMethod, _ path: String, headers: [(String, String)], contentLength: Int) -> HTTPRequestHead {
        var head = HTTPRequestHead(version: .http1_1, method: method, uri: path)
        head.headers.add(name: "Host", value: "\(host):\(port)")
        for (name, value) in headers { head.headers.add(name: name, value: value) }
        head.headers.add(name: "Content-Length", value: String(contentLength))
        return head
    }

    /// A new connection on `loop`, for a sender that stays on that loop (`LoopSender`).
    func open(on loop: any EventLoop) -> EventLoopFuture<PlainConnection> {
        PlainConnection.open(host: host, port: port, on: loop)
    }

    /// The path of `url` when it is one of this server's, for a request made from a full address.
    func path(of url: String) throws -> String {
        if url.hasPrefix(base) { return String(url.dropFirst(base.count)) }
        guard let components = URLComponents(string: url), components.host == host, components.port == port else {
            throw KeyflowAPI.Failure(description: "\(url) is not an address of \(base)")
        }
        return components.percentEncodedPath + (components.percentEncodedQuery.map { "?\($0)" } ?? "")
    }
}

/// One connection with its response reader.
final class PlainConnection: Sendable {
    let channel: any Channel
    private let reader: ResponseReader

    private init(channel: any Channel, reader: ResponseReader) {
        self.channel = channel
        self.reader = reader
    }

    static func open(host: String, port: Int, on group: any EventLoopGroup) -> EventLoopFuture<PlainConnection> {
        let reader = ResponseReader()
        return ClientBootstrap(group: group)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHTTPClientHandlers()
                    try channel.pipeline.syncOperations.addHandler(reader)
                }
            }
            .connect(host: host, port: port)
            .map { PlainConnection(channel: $0, reader: reader) }
    }

    /// Sends from the connection's own event loop, where the answer arrives too.
    func sendOnLoop(_ head: HTTPRequestHead, body: ByteBuffer?) -> EventLoopFuture<PlainHTTP.Response> {
        channel.eventLoop.preconditionInEventLoop()
        // Closed since it was taken: nothing would ever answer.
        guard channel.isActive else { return channel.eventLoop.makeFailedFuture(ChannelError.ioOnClosedChannel) }
        let promise = channel.eventLoop.makePromise(of: PlainHTTP.Response.self)
        reader.expect(promise)
        channel.write(HTTPClientRequestPart.head(head), promise: nil)
        if let body { channel.write(HTTPClientRequestPart.body(.byteBuffer(body)), promise: nil) }
        channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        return promise.futureResult
    }
}

/// Gathers one response at a time, on the connection's event loop only.
private final class ResponseReader: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPClientResponsePart

    private var pending: EventLoopPromise<PlainHTTP.Response>?
    private var status = 0
    private var body: ByteBuffer?

    func expect(_ promise: EventLoopPromise<PlainHTTP.Response>) {
        pending = promise
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            status = Int(head.status.code)
            body = nil
        case .body(var part):
            if body == nil { body = part } else { body!.writeBuffer(&part) }
        case .end:
            let promise = pending
            pending = nil
            promise?.succeed(PlainHTTP.Response(status: status, body: body ?? ByteBuffer()))
        }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(error)
        context.close(promise: nil)
    }

    func channelInactive(context: ChannelHandlerContext) {
        fail(ChannelError.ioOnClosedChannel)
        context.fireChannelInactive()
    }

    private func fail(_ error: any Error) {
        let promise = pending
        pending = nil
        promise?.fail(error)
    }
}
