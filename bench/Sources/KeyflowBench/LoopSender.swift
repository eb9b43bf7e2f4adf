import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends requests from the generator's event loops themselves, each loop with its share of the requests
/// (every `loops`-th) and of the connections, one request at a time on each connection. Paced at a fixed
/// rate, request `i` is due `i / perSecond` seconds after the start, goes out when a tick of its loop finds it
/// due and a connection idle, and is timed from when it was due, so a wait — for the tick, for a connection —
/// counts. As fast as answered, every request is due at the start and is timed from when it went out.
///
/// With a Swift task per request (handing the request to the event loop and waiting for the answer back) the
/// generator spent 97–127 µs of CPU per paced callback and 63–67 µs per unpaced one, on the two cores the
/// server uses too; here, where a request and its answer never leave the loop, 70–77 and 47–50 µs.
struct LoopSender {
    struct Request: Sendable {
        var head: HTTPRequestHead
        var body: ByteBuffer?
    }

    enum Pace: Sendable {
        case perSecond(Double)
        case asAnswered
    }

    struct Run: Sendable {
        var result: LoadLoop.Result
        /// When each request went out (by its index), for times measured from there to something else.
        var sentAt: [ContinuousClock.Instant?]
    }

    private let lanes: [Lane]
    private let count: Int

    static let tick = TimeAmount.milliseconds(1)

    /// Opens the connections (`inFlight` of them, the most requests waiting for an answer at once, shared
    /// among the loops) before anything is timed, and has the server answer a `/health` on each: a connection
    /// is open once the kernel has it, and the server's own work of taking it on would otherwise fall into
    /// the measured phase (`bench/callgrind`, 300 flows: ≈ 70,000 instructions per callback alone, ≈ 220,000
    /// per paced callback with its 256 connections).
    init(http: PlainHTTP, requests: [Request], pace: Pace, inFlight: Int) async throws {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        let health = http.head(.GET, "/health", headers: [], contentLength: 0)
        var lanes: [Lane] = []
        var answers: [EventLoopFuture<PlainHTTP.Response>] = []
        for (index, loop) in loops.enumerated() {
            let share = Array(stride(from: index, to: requests.count, by: loops.count))
            var connections: [PlainConnection] = []
            for _ in 0..<min(max(1, inFlight / loops.count), share.count) {
                let connection = try await http.open(on: loop).get()
                connections.append(connection)
                answers.append(loop.flatSubmit { connection.sendOnLoop(health, body: nil) })
            }
            lanes.append(Lane(http: http, loop: loop, share: share, requests: requests, connections: connections, pace: pace))
        }
        for answer in answers { _ = try await answer.get() }
        self.lanes = lanes
        count = requests.count
    }

    /// Sends every request once, from now; closes the connections.
    func run() async throws -> Run {
        defer { for lane in lanes { lane.close() } }
        let start = NIODeadline.now()
        var samples: [Double] = []
        var failures = 0
        var firstError: String?
        var sentAt = [ContinuousClock.Instant?](repeating: nil, count: count)
        for (lane, finished) in zip(lanes, lanes.map({ $0.start(at: start) })) {
            let outcome = try await finished.get()
            samples += outcome.samples
            failures += outcome.failures
            firstError = firstError ?? outcome.firstError
            for (position, instant) in outcome.sentAt.enumerated() { sentAt[lane.share[position]] = instant }
        }
        let elapsed = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - start.uptimeNanoseconds))
        return Run(
            result: LoadLoop.Result(latencies: Latencies(samples), elapsed: elapsed, failures: failures, firstError: firstError),
            sentAt: sentAt)
    }
}

/// One event loop's share of the requests, its connections and, when paced, its clock tick. Touched only on
/// its loop once started.
private final class Lane: @unchecked Sendable {
    struct Outcome: Sendable {
        var samples: [Double]
        var failures: Int
        var firstError: String?
        /// By position in the share.
        var sentAt: [ContinuousClock.Instant?]
    }

    let share: [Int]
    private let http: PlainHTTP
    private let loop: any EventLoop
    private let requests: [LoopSender.Request]
    private let pace: LoopSender.Pace
    private var idle: [PlainConnection]
    private var connections: [PlainConnection]
    private var start = NIODeadline.now()
    /// Positions in `share`: the requests below `due` are due, those below `sent` went out.
    private var due = 0
    private var sent = 0
    private var answered = 0
    private var outcome: Outcome
    private var ticking: RepeatedTask?
    private let finished: EventLoopPromise<Outcome>

    init(
        http: PlainHTTP, loop: any EventLoop, share: [Int], requests: [LoopSender.Request], connections: [PlainConnection],
        pace: LoopSender.Pace
    ) {
        self.http = http
        self.loop = loop
        self.share = share
        self.requests = requests
        self.idle = connections
        self.connections = connections
        self.pace = pace
        finished = loop.makePromise()
        outcome = Outcome(samples: [], failures: 0, sentAt: Array(repeating: nil, count: share.count))
        outcome.samples.reserveCapacity(share.count)
    }

    func start(at start: NIODeadline) -> EventLoopFuture<Outcome> {
        loop.execute {
            self.start = start
            guard !self.share.isEmpty else { return self.finished.succeed(self.outcome) }
            switch self.pace {
            case .perSecond:
                self.ticking = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: LoopSender.tick) { _ in self.tick() }
            case .asAnswered:
                self.due = self.share.count
                self.sendWhatCan()
            }
        }
        return finished.futureResult
    }

    func close() {
        loop.execute {
            for connection in self.connections { connection.channel.close(promise: nil) }
        }
    }

    private func dueTime(_ index: Int, perSecond: Double) -> NIODeadline {
        start + .nanoseconds(Int64(Double(index) / perSecond * 1e9))
    }

    private func tick() {
        guard case .perSecond(let perSecond) = pace else { return }
        let now = NIODeadline.now()
        while due < share.count, dueTime(share[due], perSecond: perSecond) <= now { due += 1 }
        if due == share.count { ticking?.cancel() }
        sendWhatCan()
    }

    private func sendWhatCan() {
        while sent < due, let connection = idle.popLast() {
            let position = sent
            sent += 1
            let sentAt = ContinuousClock.now
            outcome.sentAt[position] = sentAt
            let request = requests[share[position]]
            connection.sendOnLoop(request.head, body: request.body).whenComplete { result in
                self.answered(position, sentAt: sentAt, on: connection, result)
            }
        }
    }

    private func answered(
        _ position: Int, sentAt: ContinuousClock.Instant, on connection: PlainConnection,
        _ result: Result<PlainHTTP.Response, any Error>
    ) {
        answered += 1
        switch result {
        case .success(let response) where response.status == 200:
            outcome.samples.append(waited(position, sentAt: sentAt))
            idle.append(connection)
        case .success(let response):
            fail("answered \(response.status)")
            idle.append(connection)
        case .failure(let error):
            fail("\(error)")
            replace(connection)
        }
        if answered == share.count { return finished.succeed(outcome) }
        sendWhatCan()
    }

    /// Milliseconds from when the request was due (paced) or went out (as answered) until now.
    private func waited(_ position: Int, sentAt: ContinuousClock.Instant) -> Double {
        switch pace {
        case .perSecond(let perSecond):
            Double(NIODeadline.now().uptimeNanoseconds - dueTime(share[position], perSecond: perSecond).uptimeNanoseconds) / 1e6
        case .asAnswered:
            milliseconds(ContinuousClock.now - sentAt)
        }
    }

    private func fail(_ error: String) {
        outcome.failures += 1
        outcome.firstError = outcome.firstError ?? error
    }

    /// A connection that failed is closed and another opened in its place, so the rest still goes out. When
    /// none can be opened and none is left, the requests not sent yet fail rather than wait forever.
    private func replace(_ broken: PlainConnection) {
        broken.channel.close(promise: nil)
        connections.removeAll { $0 === broken }
        guard sent < share.count else { return }
        http.open(on: loop).whenComplete { result in
            switch result {
            case .success(let connection):
                self.connections.append(connection)
                self.idle.append(connection)
                self.sendWhatCan()
            case .failure(let error) where self.connections.isEmpty:
                let unsent = self.share.count - self.sent
                (self.due, self.sent) = (self.share.count, self.share.count)
                self.ticking?.cancel()
                self.fail("\(error)")
                self.outcome.failures += unsent - 1
                self.answered += unsent
                if self.answered == self.share.count { self.finished.succeed(self.outcome) }
            case .failure:
                break
            }
        }
    }
}
