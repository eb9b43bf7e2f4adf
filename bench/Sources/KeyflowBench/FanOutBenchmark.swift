import Foundation

/// Many clients watching one workspace: `clients` event streams open on one flow, then `messages` chat
/// messages posted one after another; each message's push latency is timed on every stream.
struct FanOutBenchmark {
    struct Figures: Sendable {
        var clients: Int
        var latencies: Latencies
        /// Pushes that never arrived (a stream that fell behind or closed).
        var missing: Int
        /// The server's resident memory with every stream open, MiB.
        var residentWithStreams: Double
        /// The server's CPU time while the messages were pushed, per push delivered to one stream, µs.
        var cpuMicrosecondsPerPush: Double
    }

    let admin: KeyflowAPI
    let client: KeyflowAPI
    let server: ServerUnderTest
    let flowID: String
    let clients: Int
    let messages: Int

    func run() async throws -> Figures {
        let streams = try await EventStreams.open(
            client, flowIDs: Array(repeating: flowID, count: clients), marker: EventStreams.benchMessage)
        let resident = server.memory.resident
        let clock = ContinuousClock()
        var sentAt: [ContinuousClock.Instant] = []
        let phase = try server.begin("push")
        for index in 0..<messages {
            sentAt.append(clock.now)
            try await admin.object(.POST, "/api/v1/flows/\(flowID)/messages", json: #"{"text": "bench-\#(index)"}"#, expect: 201)
            // Spaced so each push is timed on its own rather than queued behind the previous one.
            try await Task.sleep(for: .milliseconds(250))
        }
        await streams.awaitMarks(messages, within: .seconds(30))
        // Ended before the streams close: closing one costs the server ≈ 90 µs, which is not a push's cost
        // (counted in, it made the figure per push ≈ 60 % higher with 10 messages).
        let cpu = try server.end(phase, operations: clients * messages)
        let arrivals = await streams.close()
        let latencies = arrivals.flatMap { stream in
            stream.compactMap { mark, at in sentAt.indices.contains(mark) ? milliseconds(at - sentAt[mark]) : nil }
        }
        return Figures(
            clients: clients, latencies: Latencies(latencies), missing: clients * messages - latencies.count,
            residentWithStreams: resident, cpuMicrosecondsPerPush: cpu * 1_000_000 / Double(max(1, clients * messages)))
    }
}
