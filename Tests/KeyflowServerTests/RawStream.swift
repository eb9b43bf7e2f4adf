import NIOCore
import NIOPosix
import Synchronization

/// An event stream read over a bare TCP connection, so a test decides exactly when the client goes away.
final class RawStream: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let received = Mutex("")
    private let channel = Mutex<(any Channel)?>(nil)

    static func open(port: Int, path: String, token: String, method: String = "GET") async throws -> RawStream {
        let stream = RawStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(stream) } }
            .connect(host: "127.0.0.1", port: port).get()
        stream.channel.withLock { $0 = channel }
        let request = "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n"
        try await channel.writeAndFlush(ByteBuffer(string: request))
        return stream
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        received.withLock { $0 += text }
    }

    /// Everything received once `text` has arrived (or after ten seconds).
    func read(until text: String) async throws -> String {
        for _ in 0..<200 {
            let now = received.withLock { $0 }
            if now.contains(text) { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received.withLock { $0 }
    }

    func close() async throws { try await channel.withLock { $0 }?.close() }
}
