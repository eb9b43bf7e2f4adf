import Foundation
import KeyflowJSON
import Logging
import NIOCore
import PostgresNIO

/// "Flow F has new timeline events, ids A through B", sent by the instance that committed them to every other
/// instance on the same PostgreSQL (`NOTIFY`), so their open event streams hear of it.
public struct TimelineNotice: Sendable, Equatable {
    static let channel = "keyflow_timeline"

    public var origin: UUID
    public var flowID: UUID
    public var firstID: Int64
    public var lastID: Int64

    /// A notice's payload is this, a space, the first event id, a space and the last; PostgreSQL appends the
    /// ids as it inserts the events.
    static func prefix(origin: UUID, flowID: UUID) -> String { "\(origin.text(uppercase: true)) \(flowID.text(uppercase: true))" }

    init(origin: UUID, flowID: UUID, firstID: Int64, lastID: Int64) {
        self.origin = origin
        self.flowID = flowID
        self.firstID = firstID
        self.lastID = lastID
    }

    init?(payload: String) {
        let parts = payload.split(separator: " ")
        guard parts.count == 4, let origin = UUID(text: String(parts[0])),
            let flowID = UUID(text: String(parts[1])), let first = Int64(parts[2]), let last = Int64(parts[3])
        else { return nil }
        self.init(origin: origin, flowID: flowID, firstID: first, lastID: last)
    }
}

extension Store {
    /// Hands each notice committed by *another* instance to `handle`, over a dedicated connection that is
    /// opened again (after `retryAfter`) whenever it drops. Runs until cancelled; on SQLite (one process)
    /// it returns at once.
    public func followOtherInstances(
        retryAfter: Duration = .seconds(1), onConnected: @Sendable () -> Void = {},
        _ handle: @escaping @Sendable (TimelineNotice) async -> Void
    ) async {
        guard let postgres else { return }
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: databases.eventLoopGroup.any(), configuration: postgres.coreConfiguration, id: 1, logger: logger)
                defer { Task { try? await connection.close() } }
                let notices = otherInstancesNotices(on: connection)
                // Answered only after the LISTEN the listener sent before it: from here on nothing is missed.
                for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                attempt = 0
                onConnected()
                for await notice in notices { await handle(notice) }
                if Task.isCancelled { return }
                throw ListenerConnectionClosed()
            } catch where Task.isCancelled {
                return
            } catch {
                attempt += 1
                logger.warning(
                    "the connection that hears other instances' events dropped; opening it again",
                    metadata: ["attempt": "\(attempt)", "error": "\(String(reflecting: error))"])
            }
            try? await Task.sleep(for: retryAfter)
        }
    }

    /// The notices other instances send, heard on `connection` until it closes. Every notice this instance
    /// sends comes back to it too, one per change, and on a single instance they are all there is: they are
    /// told apart by their first bytes on the connection's event loop and dropped there, which costs a
    /// fraction of handing each one through an async sequence to a task (that was ≈ 3 % of the server's
    /// instructions per verification on PostgreSQL).
    private func otherInstancesNotices(on connection: PostgresConnection) -> AsyncStream<TimelineNotice> {
        let (notices, continuation) = AsyncStream<TimelineNotice>.makeStream()
        let ownPrefix = Array(instanceID.text(uppercase: true).utf8)
        connection.addListener(channel: TimelineNotice.channel) { _, notification in
            guard !notification.payload.utf8.starts(with: ownPrefix), let notice = TimelineNotice(payload: notification.payload)
            else { return }
            continuation.yield(notice)
        }
        connection.closeFuture.whenComplete { _ in continuation.finish() }
        return notices
    }
}

/// The listening connection closed without an error of its own.
private struct ListenerConnectionClosed: Error {}
