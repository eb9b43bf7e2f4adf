import Foundation
import Keyflow
import KeyflowJSON
import SQLKit

/// A timeline event with its place in the log; ids only grow, so a reader resumes after the last one it saw.
public struct StoredEvent: Sendable, Equatable {
    public var id: Int64
    public var flowID: UUID
    public var event: FlowEvent
}

extension StoreSession {
    /// Writes events in order; call it in the transaction that made the change they describe.
    public func append(_ events: [FlowEvent], to flowID: UUID) async throws -> [StoredEvent] {
        guard !events.isEmpty else { return [] }
        // One statement for all of a change's events. Their ids come from one counter in row order, so the
        // returned ids, sorted, belong to the events in order.
        let rows = events.map { event -> SQLQueryString in
            """
            (\(bind: flowID.key), \(bind: event.kind.rawValue), \(bind: event.actionID?.key), \(bind: event.actorID?.key),
             \(bind: event.text), \(bind: Self.eventData(event.data)), \(bind: event.at.seconds))
            """
        }
        let insert: SQLQueryString = """
            INSERT INTO timeline_events (flow_id, kind, action_id, actor_id, text, data, created_at)
            VALUES \(rows.joined(separator: ", ")) RETURNING id
            """
        // On PostgreSQL the same statement tells the other instances, through a notice delivered when (and
        // only if) this transaction commits: one round trip instead of two on every change. An instance that
        // knows it is alone on its database leaves the notice out (`InstancePresence`).
        let statement: SQLQueryString =
            memory.announcesEvents(on: engine)
            ? """
            WITH inserted AS (\(insert)), span AS (SELECT min(id) AS first_id, max(id) AS last_id FROM inserted)
            SELECT inserted.id, (
                SELECT pg_notify(\(bind: TimelineNotice.channel), \(bind: TimelineNotice.prefix(origin: origin, flowID: flowID))
                    || ' ' || first_id || ' ' || last_id) FROM span
            )::text AS notified
            FROM inserted
            """ : insert
        let ids = try await sql.raw(statement).all().map { try $0.decode(column: "id", as: Int64.self) }.sorted()
        guard ids.count == events.count else {
            throw StoreError.corruptRecord(entity: "timeline event", id: flowID.uuidString, reason: "\(ids.count) ids for \(events.count) events")
        }
        return zip(ids, events).map { StoredEvent(id: $0, flowID: flowID, event: $1) }
    }

    /// An event's data as a JSON object written directly: `Codable` encodes a dictionary through generic
    /// containers, ≈ 6,500 instructions an event (a verification completed writes three).
    static func eventData(_ data: [String: String]) -> DocumentBytes {
        var text = JSONText(capacity: 256)
        text.beginObject()
        for (name, value) in data {
            text.key(named: name)
            text.string(value)
        }
        text.endObject()
        return DocumentBytes(utf8: text.bytes)
    }

    /// A flow's events after `afterID` (all of them when nil), oldest first.
    public func timeline(of flowID: UUID, after afterID: Int64? = nil, limit: Int = 1000) async throws -> [StoredEvent] {
        try await sql.raw(
            """
            SELECT * FROM timeline_events WHERE flow_id = \(bind: flowID.key) AND id > \(bind: afterID ?? 0)
            ORDER BY id LIMIT \(bind: limit)
            """
        ).all().map { row in
            let data = try Documents.decode(
                [String: String].self, try row.decode(column: "data", as: String.self), entity: "timeline event",
                id: flowID.uuidString)
            let kindName = try row.decode(column: "kind", as: String.self)
            return StoredEvent(
                id: try row.decode(column: "id", as: Int64.self), flowID: flowID,
                event: FlowEvent(
                    kind: FlowEvent.Kind(rawValue: kindName) ?? .message, actionID: try row.optionalUUID("action_id"),
                    actorID: try row.optionalUUID("actor_id"), text: try row.decode(column: "text", as: String.self),
                    data: data, at: try row.date("created_at")))
        }
    }
}
