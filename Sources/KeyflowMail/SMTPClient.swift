import Foundation
import NIOCore
import NIOPosix
import NIOSSL

public enum SMTPError: Error, CustomStringConvertible, Equatable {
    case connect(String)
    /// The server answered a command with a code other than the one expected.
    case refused(command: String, code: Int, text: String)
    case startTLSUnavailable
    case invalidMessage(String)
    case timedOut
    case closed

    public var description: String {
        switch self {
        case .connect(let reason): "cannot reach the mail server: \(reason)"
        case .refused(let command, let code, let text): "the mail server refused \(command): \(code) \(text)"
        case .startTLSUnavailable: "the mail server does not offer STARTTLS; use smtps:// or a server that does"
        case .invalidMessage(let reason): "the message cannot be sent: \(reason)"
        case .timedOut: "the mail server did not answer in time"
        case .closed: "the mail server closed the connection"
        }
    }

    /// 4xx answers and lost connections may pass; 5xx answers and bad messages will not.
    public var isTransient: Bool {
        switch self {
        case .refused(_, let code, _): code < 500
        case .invalidMessage, .startTLSUnavailable: false
        default: true
        }
    }
}

/// Sends one message per connection over SMTP (RFC 5321), with TLS from the start or after STARTTLS, and
/// AUTH PLAIN when credentials are given (only ever over TLS).
public struct SMTPClient: Sendable {
    public let settings: SMTPSettings
    let group: any EventLoopGroup

    public init(settings: SMTPSettings, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        self.settings = settings
        self.group = group
    }

    public func send(_ message: MailMessage, date: Date = Date(), messageID: String = "\(UUID().uuidString.lowercased())@keyflow")
        async throws(SMTPError)
    {
        guard MailMessage.isValidAddress(message.to) else { throw .invalidMessage("'\(message.to)' is not an e-mail address") }
        guard !message.subject.contains(where: \.isNewline) else { throw .invalidMessage("the subject has a line break") }
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await self.converse(message, date: date, messageID: messageID) }
                tasks.addTask {
                    try await Task.sleep(for: settings.timeout)
                    throw SMTPError.timedOut
                }
                try await tasks.next()
                tasks.cancelAll()
            }
        } catch let error as SMTPError {
            throw error
        } catch {
            throw .connect("\(error)")
        }
    }

    private func converse(_ message: MailMessage, date: Date, messageID: String) async throws {
        let connection = try await SMTPConnection.open(settings: settings, group: group)
        defer { connection.close() }
        try await connection.expect(220, after: "the greeting")
        var capabilities = try await connection.command("EHLO keyflow", expect: 250).lines
        if settings.security == .startTLS {
            guard capabilities.contains(where: { $0.uppercased().hasPrefix("STARTTLS") }) else { throw SMTPError.startTLSUnavailable }
            _ = try await connection.command("STARTTLS", expect: 220)
            try await connection.startTLS(serverHostname: settings.host)
            capabilities = try await connection.command("EHLO keyflow", expect: 250).lines
        }
        if let username = settings.username {
            let credentials = Data("\0\(username)\0\(settings.password ?? "")".utf8).base64EncodedString()
            _ = try await connection.command("AUTH PLAIN \(credentials)", expect: 235, shownAs: "AUTH PLAIN")
        }
        _ = try await connection.command("MAIL FROM:<\(settings.senderAddress)>", expect: 250)
        _ = try await connection.command("RCPT TO:<\(message.to)>", expect: 250, or: 251)
        _ = try await connection.command("DATA", expect: 354)
        let data = message.wireFormat(from: settings.from, date: date, messageID: messageID)
        _ = try await connection.command(data, expect: 250, shownAs: "the message", raw: true)
        _ = try? await connection.command("QUIT", expect: 221)
    }
}

/// One SMTP reply: its code and text lines.
struct SMTPReply: Sendable {
    var code: Int
    var lines: [String]
}

/// A connection whose replies arrive in order on an async stream.
final class SMTPConnection: Sendable {
    let channel: any Channel
    let replies: ReplyReader

    private init(channel: any Channel, replies: AsyncThrowingStream<SMTPReply, any Error>) {
        self.channel = channel
        self.replies = ReplyReader(replies)
    }

    static func open(settings: SMTPSettings, group: any EventLoopGroup) async throws -> SMTPConnection {
        let (stream, continuation) = AsyncThrowingStream<SMTPReply, any Error>.makeStream()
        let tls = settings.security == .implicitTLS ? try NIOSSLContext(configuration: .makeClientConfiguration()) : nil
        let host = settings.host
        do {
            let channel = try await ClientBootstrap(group: group)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls {
                            try channel.pipeline.syncOperations.addHandler(NIOSSLClientHandler(context: tls, serverHostname: host))
                        }
                        try channel.pipeline.syncOperations.addHandler(SMTPReplyDecoder(continuation: continuation))
                    }
                }
                .connect(host: settings.host, port: settings.port).get()
            return SMTPConnection(channel: channel, replies: stream)
        } catch {
            throw SMTPError.connect("\(settings.host):\(settings.port): \(error)")
        }
    }

    func expect(_ code: Int, after what: String) async throws {
        let reply = try await next()
        guard reply.code == code else { throw SMTPError.refused(command: what, code: reply.code, text: reply.lines.joined(separator: " ")) }
    }

    /// Sends a command (or, `raw`, the message body) and checks the reply's code.
    func command(_ text: String, expect code: Int, or alternative: Int? = nil, shownAs shown: String? = nil, raw: Bool = false)
        async throws -> SMTPReply
    {
        try await channel.writeAndFlush(ByteBuffer(string: raw ? text : text + "\r\n")).get()
        let reply = try await next()
        guard reply.code == code || reply.code == alternative else {
            throw SMTPError.refused(command: shown ?? text, code: reply.code, text: reply.lines.joined(separator: " "))
        }
        return reply
    }

    func startTLS(serverHostname: String) async throws {
        let context = try NIOSSLContext(configuration: .makeClientConfiguration())
        try await channel.eventLoop.submit { [channel] in
            try channel.pipeline.syncOperations.addHandler(
                NIOSSLClientHandler(context: context, serverHostname: serverHostname), position: .first)
        }.get()
    }

    private func next() async throws -> SMTPReply {
        guard let reply = try await replies.next() else { throw SMTPError.closed }
        return reply
    }

    func close() { channel.close(promise: nil) }
}

/// The connection's replies in order. Only one command runs at a time, so the iterator is never shared.
final class ReplyReader: @unchecked Sendable {
    private var iterator: AsyncThrowingStream<SMTPReply, any Error>.AsyncIterator
    init(_ stream: AsyncThrowingStream<SMTPReply, any Error>) { iterator = stream.makeAsyncIterator() }
    func next() async throws -> SMTPReply? { try await iterator.next() }
}

/// Splits the server's bytes into replies: `250-first`, `250-second`, `250 last` is one reply.
final class SMTPReplyDecoder: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation
    private var pending = ""
    private var lines: [String] = []

    init(continuation: AsyncThrowingStream<SMTPReply, any Error>.Continuation) { self.continuation = continuation }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        var buffer = unwrapInboundIn(data)
        pending += buffer.readString(length: buffer.readableBytes) ?? ""
        while let end = pending.range(of: "\r\n") {
            let line = String(pending[..<end.lowerBound])
            pending.removeSubrange(..<end.upperBound)
            guard line.count >= 3, let code = Int(line.prefix(3)) else {
                continuation.finish(throwing: SMTPError.refused(command: "the conversation", code: 0, text: line))
                return
            }
            lines.append(String(line.dropFirst(4)))
            if line.count == 3 || line[line.index(line.startIndex, offsetBy: 3)] == " " {
                continuation.yield(SMTPReply(code: code, lines: lines))
                lines = []
            }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        continuation.finish(throwing: SMTPError.closed)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        continuation.finish(throwing: SMTPError.connect("\(error)"))
        context.close(promise: nil)
    }
}
