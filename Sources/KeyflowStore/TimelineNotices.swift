import Foundation
import KeyflowJSON
import Logging
import NIOCore
import PostgresNIO
import SQLKit

/// "Flow F has new timeline events, ids A through B", sent by the instance that committed them to every other
/// instance on the same PostgreSQL (`NOTIFY`), so their open event streams hear of it.
public struct TimelineNotice: Sendable, Equatable {
    static let channel = "keyflow_timeline"

    public var origin: UUID
    public var flowID: UUID
    public var firstID: Int64
    public var lastID: Int64

    /// The payload of a notice from `origin`, as SQL over a flow's `flow_id`, `first_id` and `last_id`: the
    /// origin and the flow (upper-case ids), the first event id and the last, apart by spaces. PostgreSQL
    /// writes it as it inserts the events (`StoreSession.eventsInserted`); `init(payload:)` reads it.
    static func payload(origin: UUID) -> SQLQueryString {
        "\(bind: origin.text(uppercase: true)) || ' ' || upper(flow_id) || ' ' || first_id || ' ' || last_id"
    }

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
    /// it returns at once. Meanwhile it keeps `announcesEvents` up to date: it says on the connection that this
    /// instance listens, hears the others say so, and every `presenceCheck` looks for sessions on the database
    /// other than this instance's own; whenever the connection is down, events are announced.
    public func followOtherInstances(
        retryAfter: Duration = .seconds(1), presenceCheck: Duration = .seconds(1), onConnected: @Sendable () -> Void = {},
        _ handle: @escaping @Sendable (TimelineNotice) async -> Void
    ) async {
        guard let postgres else { return }
        let presence = memory.presence
        var attempt = 0
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    on: databases.eventLoopGroup.any(), configuration: postgres.coreConfiguration, id: 1, logger: logger)
                defer {
                    presence.assumeOthers()
                    Task { try? await connection.close() }
                }
                let notices = otherInstancesNotices(on: connection)
                // Answered only after the LISTENs the listener sent before it: from here on nothing is missed.
                for try await _ in try await connection.query("SELECT 1", logger: logger) {}
                _ = try await connection.query(
                    "SELECT pg_notify(\(InstancePresence.channel), \(instanceID.text(uppercase: true)))", logger: logger
                ).collect()
                attempt = 0
                onConnected()
                await withTaskGroup { group in
                    group.addTask { await self.checkPresence(on: connection, every: presenceCheck) }
                    for await notice in notices { await handle(notice) }
                    group.cancelAll()
                }
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

    /// Whether this instance's changes tell other instances of their events (`NOTIFY`): false only while its
    /// listening connection knows that no other session is on the database (see `InstancePresence`).
    public var announcesEvents: Bool { memory.announcesEvents(on: engine) }

    /// Looks, until cancelled, for sessions on the database that are not this instance's (every connection of
    /// Keyflow's names its instance, see `Store.init`); a failed look counts as "someone may listen".
    private func checkPresence(on connection: PostgresConnection, every interval: Duration) async {
        let presence = memory.presence
        let own = Self.applicationName(instanceID)
        while !Task.isCancelled {
            let mark = presence.checkBegins()
            do {
                // Another role's sessions show their database and name but not their type; the autovacuum
                // workers are left out only where their type shows.
                let rows = try await connection.query(
                    """
                    SELECT count(*)::int8 FROM pg_stat_activity
                    WHERE datname = current_database() AND application_name IS DISTINCT FROM \(own)
                        AND backend_type IS DISTINCT FROM 'autovacuum worker'
                    """, logger: logger
                ).collect()
                let others = try rows.first?.decode(Int64.self) ?? 1
                presence.checked(othersPresent: others > 0, since: mark)
            } catch {
                presence.assumeOthers()
                if Task.isCancelled { return }
                logger.warning("could not look for other instances on the database", metadata: ["error": "\(error)"])
            }
            try? await Task.sleep(for: interval)
        }
    }

    /// The name every PostgreSQL connection of instance `id` gives itself (`application_name`), so operators
    /// see which instance a session belongs to and each instance can tell its own sessions from others'.
    static func applicationName(_ id: UUID) -> String { "keyflow \(id.text(uppercase: false))" }

    /// The notices other instances send, heard on `connection` until it closes, and their word that they
    /// listen. Every notice this instance sends comes back to it too, one per change (unless it knows it is
    /// alone): they are told apart by their first bytes on the connection's event loop and dropped there,
    /// which costs a fraction of handing each one through an async sequence to a task (that was ≈ 3 % of the
    /// server's instructions per verification on PostgreSQL).
    private func otherInstancesNotices(on connection: PostgresConnection) -> AsyncStream<TimelineNotice> {
        let (notices, continuation) = AsyncStream<TimelineNotice>.makeStream()
        let ownPrefix = Array(instanceID.text(uppercase: true).utf8)
        connection.addListener(channel: TimelineNotice.channel) { _, notification in
            guard !notification.payload.utf8.starts(with: ownPrefix), let notice = TimelineNotice(payload: notification.payload)
            else { return }
            continuation.yield(notice)
        }
        let presence = memory.presence
        connection.addListener(channel: InstancePresence.channel) { _, notification in
            if !notification.payload.utf8.starts(with: ownPrefix) { presence.assumeOthers() }
        }
        connection.closeFuture.whenComplete { _ in continuation.finish() }
        return notices
    }
}

/// The listening connection closed without an error of its own.
private struct ListenerConnectionClosed: Error {}
