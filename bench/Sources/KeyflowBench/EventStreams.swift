import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// Open event streams (`/api/v1/flows/{id}/events`) that note when marked frames arrive: `marker` turns a
/// frame into a number (or nil for frames that do not count), and a stream closes once it has `expected` of them.
final class EventStreams: Sendable {
    typealias Instant = ContinuousClock.Instant

    private let arrivals: Mutex<[[Int: Instant]]>
    private let connected = Atomic<Int>(0)
    private let finished = Atomic<Int>(0)
    private let tasks = Mutex<[Task<Void, Never>]>([])
    let count: Int

    private init(count: Int) {
        self.count = count
        arrivals = Mutex(Array(repeating: [:], count: count))
    }

    static func open(
        _ api: KeyflowAPI, flowIDs: [String], expected: Int, marker: @escaping @Sendable (Substring) -> Int?
    ) async throws -> EventStreams {
        let streams = EventStreams(count: flowIDs.count)
        let clock = ContinuousClock()
        for (index, flowID) in flowIDs.enumerated() {
            let task = Task {
                await streams.read(api.request(.GET, "/api/v1/flows/\(flowID)/events"), api: api, index: index,
                                   expected: expected, marker: marker, clock: clock)
            }
            streams.tasks.withLock { $0.append(task) }
            // Connections are opened a few hundred at a time so the listen backlog never overflows.
            if index % 200 == 199 { try await streams.waitUntilConnected(index + 1, within: .seconds(60)) }
        }
        try await streams.waitUntilConnected(flowIDs.count, within: .seconds(60))
        return streams
    }

    private func read(
        _ request: HTTPClientRequest, api: KeyflowAPI, index: Int, expected: Int,
        marker: @Sendable (Substring) -> Int?, clock: ContinuousClock
    ) async {
        defer { finished.add(1, ordering: .relaxed) }
        guard let response = try? await api.http.execute(request, timeout: .seconds(600)), response.status == .ok else {
            connected.add(1, ordering: .relaxed)
            return
        }
        var buffer = ""
        var isConnected = false
        var seen = 0
        do {
            for try await chunk in response.body {
                let now = clock.now
                if !isConnected {
                    isConnected = true
                    connected.add(1, ordering: .relaxed)
                }
                buffer += String(buffer: chunk)
                while let end = buffer.range(of: "\n\n") {
                    let frame = buffer[..<end.lowerBound]
                    if let mark = marker(frame) {
                        arrivals.withLock { $0[index][mark] = now }
                        seen += 1
                    }
                    buffer.removeSubrange(..<end.upperBound)
                }
                if seen >= expected { return }
            }
        } catch {
            return
        }
    }

    private func waitUntilConnected(_ wanted: Int, within limit: Duration) async throws {
        let clock = ContinuousClock()
        let start = clock.now
        while connected.load(ordering: .relaxed) < wanted {
            guard clock.now - start < limit else {
                throw KeyflowAPI.Failure(description: "only \(connected.load(ordering: .relaxed)) of \(wanted) event streams connected")
            }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    /// Waits until every stream has its frames (or `limit` passes), closes them and answers what arrived when.
    func finish(within limit: Duration) async -> [[Int: Instant]] {
        let clock = ContinuousClock()
        let start = clock.now
        while finished.load(ordering: .relaxed) < count, clock.now - start < limit {
            try? await Task.sleep(for: .milliseconds(5))
        }
        for task in tasks.withLock({ $0 }) { task.cancel() }
        return arrivals.withLock { $0 }
    }

    /// A marker for frames of one event kind: all count as 0.
    static func kind(_ kind: String) -> @Sendable (Substring) -> Int? {
        let line = "event: \(kind)\n"
        return { frame in frame.contains(line) ? 0 : nil }
    }

    /// A marker for chat messages whose text is `bench-<n>`: n.
    static let benchMessage: @Sendable (Substring) -> Int? = { frame in
        guard frame.contains("event: message\n"), let range = frame.range(of: "bench-") else { return nil }
        return Int(frame[range.upperBound...].prefix { $0.isNumber })
    }
}
