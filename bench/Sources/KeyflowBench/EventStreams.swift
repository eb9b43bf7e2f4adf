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
    typealias Marker = @Sendable (ArraySlice<UInt8>) -> Int?

    private let connected = Atomic<Int>(0)
    private let refused = Atomic<Int>(0)
    /// Marks noted so far on all streams, each stream's marks counted once.
    private let marked = Atomic<Int>(0)
    /// Each stream's connection with its reader, in the order of the flows asked for.
    private let streams = Mutex<[(channel: any Channel, probe: StreamProbe)]>([])
    let count: Int

    private init(count: Int) {
        self.count = count
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
                case .marked: streams.marked.add(1, ordering: .relaxed)
                }
            }
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .channelInitializer { channel in channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(probe) } }
                .connect(host: host, port: port).get()
            streams.streams.withLock { $0.append((channel, probe)) }
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

    /// Waits until every stream has `expected` marked frames, or `limit` passes.
    func awaitMarks(_ expected: Int, within limit: Duration) async {
        let clock = ContinuousClock()
        let start = clock.now
        while marked.load(ordering: .relaxed) < count * expected, clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Closes the streams; answers what arrived when, stream by stream.
    func close() async -> [[Int: Instant]] {
        var arrivals: [[Int: Instant]] = []
        for (channel, probe) in streams.withLock({ $0 }) {
            try? await channel.close()
            arrivals.append((try? await channel.eventLoop.submit { probe.arrivals }.get()) ?? [:])
        }
        return arrivals
    }

    /// A marker for frames of one event kind: all count as 0.
    static func kind(_ kind: String) -> Marker {
        let line = Array("event: \(kind)\n".utf8)
        return { frame in frame.range(ofBytes: line) == nil ? nil : 0 }
    }

    /// A marker for chat messages whose text is `bench-<n>`: n.
    static let benchMessage: Marker = { frame in
        guard frame.range(ofBytes: messageLine) != nil, let range = frame.range(ofBytes: benchPrefix) else { return nil }
        let digits = frame[range.upperBound...].prefix { (UInt8(ascii: "0")...UInt8(ascii: "9")).contains($0) }
        return digits.isEmpty ? nil : digits.reduce(0) { $0 * 10 + Int($1 - UInt8(ascii: "0")) }
    }

    private static let messageLine = Array("event: message\n".utf8)
    private static let benchPrefix = Array("bench-".utf8)
}

/// Reads one event stream on its event loop: the response head, then frames separated by a blank line. It
/// works on the bytes as they come: with `String` and Foundation's searches (which bridge every search to
/// UTF-16) and one lock for all streams' arrival times, reading a frame cost the generator about as much as the
/// server spent writing it, on the same two cores, and 5,000 streams read one after the other put that into
/// the last ones' push latency.
private final class StreamProbe: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer

    enum Event {
        case connected
        case refused
        /// A mark not seen before on this stream.
        case marked
    }

    private let clock: ContinuousClock
    private let marker: EventStreams.Marker
    private let report: (Event) -> Void
    /// When each mark first arrived; read on the stream's event loop only, like everything here.
    private(set) var arrivals: [Int: ContinuousClock.Instant] = [:]
    private var unread: [UInt8] = []
    private var headRead = false
    private static let headEnd = Array("\r\n\r\n".utf8)
    private static let frameEnd = Array("\n\n".utf8)
    private static let success = Array("HTTP/1.1 200".utf8)

    init(clock: ContinuousClock, marker: @escaping EventStreams.Marker, report: @escaping (Event) -> Void) {
        self.clock = clock
        self.marker = marker
        self.report = report
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let now = clock.now
        unread.append(contentsOf: unwrapInboundIn(data).readableBytesView)
        var start = 0
        if !headRead {
            guard let end = unread[...].range(ofBytes: Self.headEnd) else { return }
            headRead = true
            report(unread.starts(with: Self.success) ? .connected : .refused)
            start = end.upperBound
        }
        while let end = unread[start...].range(ofBytes: Self.frameEnd) {
            if let mark = marker(unread[start..<end.lowerBound]), arrivals[mark] == nil {
                arrivals[mark] = now
                report(.marked)
            }
            start = end.upperBound
        }
        unread.removeFirst(start)
    }
}

extension ArraySlice<UInt8> {
    /// Where `needle` first occurs: its first byte found by a plain scan, the rest compared from there.
    func range(ofBytes needle: [UInt8]) -> Range<Int>? {
        guard let first = needle.first, count >= needle.count else { return nil }
        var index = startIndex
        while let found = self[index...].firstIndex(of: first) {
            guard endIndex - found >= needle.count else { return nil }
            if self[found..<found + needle.count].elementsEqual(needle) { return found..<found + needle.count }
            index = found + 1
        }
        return nil
    }
}
