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
        try await append([(flowID, events)])[flowID] ?? []
    }

    /// Writes the events of several flows' changes in one statement, each flow's in order, and answers them
    /// by flow. At most one entry per flow.
    public func append(_ changes: [(flowID: UUID, events: [FlowEvent])]) async throws -> [UUID: [StoredEvent]] {
        let changes = changes.filter { !$0.events.isEmpty }
        guard !changes.isEmpty else { return [:] }
        let rows = changes.flatMap { flowID, events in
            events.map { event -> SQLQueryString in
                """
                (\(bind: flowID.key), \(bind: event.kind.rawValue), \(bind: event.actionID?.key), \(bind: event.actorID?.key),
                 \(bind: event.text), \(bind: Self.eventData(event.data)), \(bind: event.at.seconds))
                """
            }
        }
        return try await eventsInserted(
            changes,
            by: """
                INSERT INTO timeline_events (flow_id, kind, action_id, actor_id, text, data, created_at)
                VALUES \(rows.joined(separator: ", ")) RETURNING id, flow_id
                """)
    }

    /// Runs `insert`, an `INSERT INTO timeline_events … RETURNING id, flow_id` of `changes`' events in order,
    /// after `writes` (data-modifying `WITH` parts, which must come first in the statement), and answers the
    /// events by flow. Their ids come from one counter in row order, so a flow's returned ids, sorted, belong
    /// to its events in order.
    func eventsInserted(
        _ changes: [(flowID: UUID, events: [FlowEvent])], by insert: SQLQueryString, after writes: SQLQueryString? = nil
    ) async throws -> [UUID: [StoredEvent]] {
        let before: SQLQueryString = writes.map { "\($0), " } ?? ""
        // On PostgreSQL the same statement tells the other instances, through a notice per flow delivered when
        // (and only if) this transaction commits: one round trip instead of two on every change. An instance
        // that knows it is alone on its database leaves the notices out (`InstancePresence`). A notice's row
        // has no event id.
        let statement: SQLQueryString =
            if memory.announcesEvents(on: engine) {
                """
                WITH \(before)inserted AS (\(insert)),
                spans AS (SELECT flow_id, min(id) AS first_id, max(id) AS last_id FROM inserted GROUP BY flow_id)
                SELECT id, flow_id FROM inserted
                UNION ALL
                SELECT NULL, pg_notify(\(bind: TimelineNotice.channel), \(TimelineNotice.payload(origin: origin)))::text
                FROM spans
                """
            } else if writes != nil {
                "WITH \(before)inserted AS (\(insert)) SELECT id, flow_id FROM inserted"
            } else {
                insert
            }
        var ids: [UUID: [Int64]] = [:]
        for row in try await sql.raw(statement).all() {
            guard let id = try row.decode(column: "id", as: Int64?.self) else { continue }
            ids[try row.uuid("flow_id"), default: []].append(id)
        }
        var stored: [UUID: [StoredEvent]] = [:]
        for (flowID, events) in changes {
            let eventIDs = (ids[flowID] ?? []).sorted()
            guard eventIDs.count == events.count else {
                throw StoreError.corruptRecord(
                    entity: "timeline event", id: flowID.uuidString, reason: "\(eventIDs.count) ids for \(events.count) events")
            }
            stored[flowID] = zip(eventIDs, events).map { StoredEvent(id: $0, flowID: flowID, event: $1) }
        }
        return stored
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
