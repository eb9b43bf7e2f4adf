import NIOCore
import NIOPosix
import Synchronization

/// A bare TCP connection to the server, so a test decides exactly what goes over it (requests pipelined, one
/// cut short) and when the client goes away; also for event streams.
final class RawStream: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let received = Mutex("")
    private let channel = Mutex<(any Channel)?>(nil)
    private let closed = Mutex(false)

    static func open(port: Int, path: String, token: String, method: String = "GET") async throws -> RawStream {
        let stream = try await connect(port: port)
        try await stream.send(
            "\(method) \(path) HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer \(token)\r\nAccept: text/event-stream\r\n\r\n")
        return stream
    }

    static func connect(port: Int) async throws -> RawStream {
        let stream = RawStream()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(stream) } }
            .connect(host: "127.0.0.1", port: port).get()
        stream.channel.withLock { $0 = channel }
        return stream
    }

    /// Writes `text` as it is, in one write.
    func send(_ text: String) async throws {
        try await channel.withLock { $0 }?.writeAndFlush(ByteBuffer(string: text))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        received.withLock { $0 += text }
    }

    func channelInactive(context: ChannelHandlerContext) {
        closed.withLock { $0 = true }
        context.fireChannelInactive()
    }

    /// Whether the server closed the connection within ten seconds.
    func closedByServer() async throws -> Bool {
        for _ in 0..<200 {
            if closed.withLock({ $0 }) { return true }
            try await Task.sleep(for: .milliseconds(50))
        }
        return false
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

    /// Everything received once `count` answers have come, the last one's JSON body complete (or after ten
    /// seconds).
    func read(answers count: Int) async throws -> String {
        for _ in 0..<200 {
            let now = received.withLock { $0 }
            if now.components(separatedBy: "HTTP/1.1 ").count - 1 >= count, now.hasSuffix("}") { return now }
            try await Task.sleep(for: .milliseconds(50))
        }
        return received.withLock { $0 }
    }

    func close() async throws { try await channel.withLock { $0 }?.close() }
}
