import NIOCore
import NIOHTTP1
import NIOPosix

/// Sends requests at a fixed rate from the generator's event loops themselves: request `i` is due `i /
/// perSecond` seconds after the start, goes out when a tick of its loop finds it due and one of the loop's
/// connections idle, and is timed from when it was due, so a wait — for the tick, for a connection — counts.
///
/// With a Swift task per request (woken by a timer or a pacer, handing the request to the event loop and
/// waiting for the answer back) the generator spent ≈ 100 µs of CPU per paced callback, twice what it spends
/// unpaced, on the two cores the server uses too. Here a request and its answer never leave the loop.
struct PacedSender {
    struct Request: Sendable {
        var head: HTTPRequestHead
        var body: ByteBuffer
    }

    private let lanes: [Lane]

    static let tick = TimeAmount.milliseconds(1)

    /// Opens the connections (`inFlight` of them, the most requests waiting for an answer at once, shared
    /// among the loops) before anything is timed.
    init(http: PlainHTTP, requests: [Request], perSecond: Double, inFlight: Int) async throws {
        let loops = Array(MultiThreadedEventLoopGroup.singleton.makeIterator())
        var lanes: [Lane] = []
        for (index, loop) in loops.enumerated() {
            let share = Array(stride(from: index, to: requests.count, by: loops.count))
            var connections: [PlainConnection] = []
            for _ in 0..<min(max(1, inFlight / loops.count), share.count) {
                connections.append(try await http.open(on: loop).get())
            }
            lanes.append(
                Lane(http: http, loop: loop, share: share, requests: requests, connections: connections, perSecond: perSecond))
        }
        self.lanes = lanes
    }

    /// Sends every request once, request `i` due `i / perSecond` seconds from now; closes the connections.
    func run() async throws -> LoadLoop.Result {
        defer { for lane in lanes { lane.close() } }
        let start = NIODeadline.now()
        var samples: [Double] = []
        var failures = 0
        var firstError: String?
        for finished in lanes.map({ $0.start(at: start) }) {
            let outcome = try await finished.get()
            samples += outcome.samples
            failures += outcome.failures
            firstError = firstError ?? outcome.firstError
        }
        let elapsed = Duration.nanoseconds(Int64(NIODeadline.now().uptimeNanoseconds - start.uptimeNanoseconds))
        return LoadLoop.Result(latencies: Latencies(samples), elapsed: elapsed, failures: failures, firstError: firstError)
    }
}

/// One event loop's share of the requests (every `loops`-th), its connections and its clock tick. Touched
/// only on its loop once started.
private final class Lane: @unchecked Sendable {
    struct Outcome: Sendable {
        var samples: [Double]
        var failures: Int
        var firstError: String?
    }

    private let http: PlainHTTP
    private let loop: any EventLoop
    private let share: [Int]
    private let requests: [PacedSender.Request]
    private let perSecond: Double
    private var idle: [PlainConnection]
    private var connections: [PlainConnection]
    private var start = NIODeadline.now()
    /// Positions in `share`: the requests below `due` are due, those below `sent` went out.
    private var due = 0
    private var sent = 0
    private var answered = 0
    private var outcome = Outcome(samples: [], failures: 0)
    private var ticking: RepeatedTask?
    private let finished: EventLoopPromise<Outcome>

    init(
        http: PlainHTTP, loop: any EventLoop, share: [Int], requests: [PacedSender.Request], connections: [PlainConnection],
        perSecond: Double
    ) {
        self.http = http
        self.loop = loop
        self.share = share
        self.requests = requests
        self.idle = connections
        self.connections = connections
        self.perSecond = perSecond
        finished = loop.makePromise()
        outcome.samples.reserveCapacity(share.count)
    }

    func start(at start: NIODeadline) -> EventLoopFuture<Outcome> {
        loop.execute {
            self.start = start
            guard !self.share.isEmpty else { return self.finished.succeed(self.outcome) }
            self.ticking = self.loop.scheduleRepeatedTask(initialDelay: .zero, delay: PacedSender.tick) { _ in self.tick() }
        }
        return finished.futureResult
    }

    func close() {
        loop.execute {
            for connection in self.connections { connection.channel.close(promise: nil) }
        }
    }

    private func dueTime(_ index: Int) -> NIODeadline {
        start + .nanoseconds(Int64(Double(index) / perSecond * 1e9))
    }

    private func tick() {
        let now = NIODeadline.now()
        while due < share.count, dueTime(share[due]) <= now { due += 1 }
        if due == share.count { ticking?.cancel() }
        sendWhatCan()
    }

    private func sendWhatCan() {
        while sent < due, let connection = idle.popLast() {
            let index = share[sent]
            sent += 1
            let request = requests[index]
            connection.sendOnLoop(request.head, body: request.body).whenComplete { result in
                self.answered(index, on: connection, result)
            }
        }
    }

    private func answered(_ index: Int, on connection: PlainConnection, _ result: Result<PlainHTTP.Response, any Error>) {
        answered += 1
        switch result {
        case .success(let response) where response.status == 200:
            let waited = NIODeadline.now().uptimeNanoseconds - dueTime(index).uptimeNanoseconds
            outcome.samples.append(Double(waited) / 1e6)
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
