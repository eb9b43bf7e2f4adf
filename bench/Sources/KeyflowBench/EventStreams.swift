import Foundation
import NIOCore
import NIOPosix
import Synchronization

/// Open event streams (`/api/v1/flows/{id}/events`) that note when marked frames arrive: `marker` turns a
/// frame into a number (or nil for frames that do not count). Each stream is a bare NIO connection whose
/// handler reads on the event loop, so thousands of them cost the generator little and the times measured are
/// the server's.
final class EventStreams: Sendable {
    typealias Instant = ContinuousClock.Instant
    typealias Marker = @Sendable (Substring) -> Int?

    private let arrivals: Mutex<[[Int: Instant]]>
    private let connected = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    private let channels = Mutex<[any Channel]>([])
    let count: Int

    private init(count: Int) {
        self.count = count
        arrivals = Mutex(Array(repeating: [:], count: count))
    }

    static func open(_ api: KeyflowAPI, flowIDs: [String], marker: @escaping Marker) async throws -> EventStreams {
        let streams = EventStreams(count: flowIDs.count)
        guard let url = URLComponents(string: api.base), let host = url.host, let port = url.port else {
            throw KeyflowAPI.Failure(description: "cannot read host and port from \(api.base)")
        }
        let clock = ContinuousClock()
        for (index, flowID) in flowIDs.enumerated() {
            let request = "GET /api/v1/flows/\(flowID)/events HTTP/1.1\r\nHost: \(host):\(port)\r\n"
                + "Authorization: Bearer \(api.token ?? "")\r\nAccept: text/event-stream\r\n\r\n"
            let probe = StreamProbe(clock: clock, marker: marker) { event in
                switch event {
                case .connected: streams.connected.add(1, ordering: .relaxed)
                case .refused: streams.refused.add(1, ordering: .relaxed)
                case .marked(let mark, let at): streams.arrivals.withLock { if $0[index][mark] == nil { $0[index][mark] = at } }
                }
            }
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(probe) } }
                .connect(host: host, port: port).get()
            streams.channels.withLock { $0.append(channel) }
            try await channel.writeAndFlush(ByteBuffer(string: request))
            // Connections are opened a few hundred at a time so the listen backlog never overflows.
            if index % 200 == 199 { try await streams.waitUntilConnected(index + 1, within: .seconds(60)) }
        }
        try await streams.waitUntilConnected(flowIDs.count, within: .seconds(60))
        return streams
    }

    private func waitUntilConnected(_ wanted: Int, within limit: Duration) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while connected.load(ordering: .relaxed) + refused.load(ordering: .relaxed) < wanted {
            guard clock.now - start < limit else {
                throw KeyflowAPI.Failure(description: "only \(connected.load(ordering: .relaxed)) of \(wanted) event streams connected")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
        let refusals = refused.load(ordering: .relaxed)
        guard refusals == 0 else { throw KeyflowAPI.Failure(description: "\(refusals) event streams were refused") }
    }

    /// Waits until every stream has `expected` marked frames (or `limit` passes), closes them and answers what
    /// arrived when.
    func finish(expected: Int, within limit: Duration) async -> [[Int: Instant]] {
        let clock = ContinuousClock()
        let start = clock.now
        while arrivals.withLock({ $0.contains { $0.count < expected } }), clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(5))
        }
        for channel in channels.withLock({ $0 }) { try? await channel.close() }
        return arrivals.withLock { $0 }
    }

    /// A marker for frames of one event kind: all count as 0.
    static func kind(_ kind: String) -> Marker {
        let line = "event: \(kind)\n"
        return { frame in frame.contains(line) ? 0 : nil }
    }

    /// A marker for chat messages whose text is `bench-<n>`: n.
    static let benchMessage: Marker = { frame in
        guard frame.contains("event: message\n"), let range = frame.range(of: "bench-") else { return nil }
        return Int(frame[range.upperBound...].prefix { $0.isNumber })
    }
}

/// Reads one event stream on its event loop: the response head, then frames separated by a blank line.
private final class StreamProbe: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    enum Event {
        case connected
        case refused
        case marked(Int, ContinuousClock.Instant)
    }

    private let clock: ContinuousClock
    private let marker: EventStreams.Marker
    private let report: (Event) -> Void
    private var text = ""
    private var headRead = false

    init(clock: ContinuousClock, marker: @escaping EventStreams.Marker, report: @escaping (Event) -> Void) {
        self.clock = clock
        self.marker = marker
        self.report = report
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = clock.now
        text += String(buffer: unwrapInboundIn(data))
        if !headRead {
            guard let end = text.range(of: "\r\n\r\n") else { return }
            headRead = true
            report(text.hasPrefix("HTTP/1.1 200") ? .connected : .refused)
            text.removeSubrange(..<end.upperBound)
        }
        while let end = text.range(of: "\n\n") {
            if let mark = marker(text[..<end.lowerBound]) { report(.marked(mark, now)) }
            text.removeSubrange(..<end.upperBound)
        }
    }
}
