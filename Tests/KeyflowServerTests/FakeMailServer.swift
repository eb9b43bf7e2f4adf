import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// A small SMTP server on loopback that keeps what it receives: enough of RFC 5321 for Keyflow's client, with
/// switches to refuse the next messages the way a busy server does (451) or every recipient for good (550).
final class FakeMailServer: Sendable {
    struct Received: Sendable {
        var from: String
        var to: String
        var data: String

        /// The decoded text of a base64 body.
        var text: String {
            let parts = data.components(separatedBy: "\r\n\r\n")
            let body = parts.dropFirst().joined().replacingOccurrences(of: "\r\n", with: "")
            return Data(base64Encoded: body).map { String(decoding: $0, as: UTF8.self) } ?? ""
        }

        func header(_ name: String) -> String? {
            data.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix(name.lowercased() + ":") }
                .map { String($0.dropFirst(name.count + 1)).trimmingCharacters(in: .whitespaces) }
        }
    }

    struct State {
        var received: [Received] = []
        var authentications: [String] = []
        var refuseNext = 0
        /// Answer every recipient 550, as for an address that does not exist.
        var rejectRecipients = false
        var recipientAttempts = 0
    }

    let state = Mutex(State())
    private let channel: any Channel

    private init(channel: any Channel) { self.channel = channel }

    var port: Int { channel.localAddress?.port ?? 0 }
    var received: [Received] { state.withLock { $0.received } }

    static func start() async throws -> FakeMailServer {
        let box = ServerBox()
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.addHandler(SessionHandler(server: box))
                }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let server = FakeMailServer(channel: channel)
        box.server.withLock { $0 = server }
        return server
    }

    func stop() async { try? await channel.close() }

    final class ServerBox: Sendable {
        let server = Mutex<FakeMailServer?>(nil)
    }

    /// One client's conversation, line by line; DATA is collected up to the lone dot.
    final class SessionHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        typealias OutboundOut = ByteBuffer
        let box: ServerBox
        var buffer = ""
        var inData = false
        var from = ""
        var to = ""

        init(server: ServerBox) { box = server }

        var server: FakeMailServer { box.server.withLock { $0! } }

        func channelActive(context: ChannelHandlerContext) {
            reply(context, "220 fake.test ESMTP ready")
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            var bytes = unwrapInboundIn(data)
            buffer += bytes.readString(length: bytes.readableBytes) ?? ""
            while true {
                if inData {
                    guard let end = buffer.range(of: "\r\n.\r\n") else { return }
                    let message = Received(from: from, to: to, data: String(buffer[..<end.lowerBound]))
                    buffer.removeSubrange(..<end.upperBound)
                    inData = false
                    server.state.withLock { $0.received.append(message) }
                    reply(context, "250 2.0.0 queued")
                    continue
                }
                guard let end = buffer.range(of: "\r\n") else { return }
                let line = String(buffer[..<end.lowerBound])
                buffer.removeSubrange(..<end.upperBound)
                respond(to: line, context)
            }
        }

        func respond(to line: String, _ context: ChannelHandlerContext) {
            let upper = line.uppercased()
            if upper.hasPrefix("EHLO") {
                reply(context, "250-fake.test\r\n250 AUTH PLAIN")
            } else if upper.hasPrefix("AUTH PLAIN ") {
                server.state.withLock { $0.authentications.append(String(line.dropFirst(11))) }
                reply(context, "235 2.7.0 accepted")
            } else if upper.hasPrefix("MAIL FROM:") {
                let refuse = server.state.withLock { state in
                    guard state.refuseNext > 0 else { return false }
                    state.refuseNext -= 1
                    return true
                }
                from = String(line.dropFirst(10))
                reply(context, refuse ? "451 4.3.2 try again later" : "250 ok")
            } else if upper.hasPrefix("RCPT TO:") {
                to = String(line.dropFirst(8))
                let reject = server.state.withLock { state in
                    state.recipientAttempts += 1
                    return state.rejectRecipients
                }
                reply(context, reject ? "550 5.1.1 no such mailbox" : "250 ok")
            } else if upper == "DATA" {
                inData = true
                reply(context, "354 end with <CRLF>.<CRLF>")
            } else if upper == "QUIT" {
                reply(context, "221 bye")
                context.close(promise: nil)
            } else {
                reply(context, "502 not implemented")
            }
        }

        func reply(_ context: ChannelHandlerContext, _ text: String) {
            context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: text + "\r\n")), promise: nil)
        }
    }
}
