import Foundation
import Keyflow
import SQLKit

/// A flow's change to store with others' (`storeTogether`): the flow saved if nobody saved it since `stored`
/// was read, the verification attempt it decides closed, the job that brought it marked done, and its events.
public struct ChangeToStore: Sendable {
    public var flow: Flow
    public var stored: StoredFlow
    public var closesAttempt: UUID?
    public var completesJob: (id: UUID, worker: String)?
    public var events: [FlowEvent]

    public init(
        flow: Flow, stored: StoredFlow, closesAttempt: UUID?, completesJob: (id: UUID, worker: String)?, events: [FlowEvent]
    ) {
        self.flow = flow
        self.stored = stored
        self.closesAttempt = closesAttempt
        self.completesJob = completesJob
        self.events = events
    }
}

extension StoreSession {
    /// Stores several flows' changes and answers their events by flow; at most one change per flow. In a unit
    /// whose last write this is (`Store.writeOptimisticallyOnce`, `lastWrite`), PostgreSQL gets one statement
    /// whose text is the same however many changes it holds — each column goes as one array — so it is
    /// prepared and planned once per connection; a flow saved since it was read fails it as a whole
    /// (`keyflow_expect_version`). Otherwise each part is written as `update`, `closeAttempt`, `markJobDone`
    /// and `append` write it.
    public func storeTogether(_ changes: [ChangeToStore], at now: Date) async throws -> [UUID: [StoredEvent]] {
        guard engine == .postgres, changes.allSatisfy({ $0.stored.saveCheck == .inStatement }) else {
            for change in changes {
                try await update(change.flow, from: change.stored, at: now)
                if let attemptID = change.closesAttempt { try await closeAttempt(attemptID, at: now) }
                if let job = change.completesJob { try await markJobDone(job.id, worker: job.worker, now: now) }
            }
            return try await append(changes.map { ($0.flow.id, $0.events) })
        }
        for change in changes where Self.changesIndexes(change.flow, from: change.stored) {
            try await syncIndexes(of: change.flow)
        }
        let flows = changes.map(\.flow)
        let attempts = changes.compactMap(\.closesAttempt)
        let jobs = changes.compactMap(\.completesJob)
        let events = changes.flatMap { change in change.events.map { (flowID: change.flow.id, event: $0) } }
        let writes: SQLQueryString = """
            saved AS (
                UPDATE flows SET name = saved.name, status = saved.status, version = saved.version + 1,
                    document = saved.document, next_reminder_at = saved.next_reminder_at::float8,
                    updated_at = \(bind: now.seconds)
                FROM unnest(
                    \(bind: TextArray(flows.map(\.id.key))), \(bind: TextArray(flows.map(\.name))),
                    \(bind: TextArray(flows.map(\.status.rawValue))), \(bind: changes.map(\.stored.version)),
                    \(bind: TextArray(try flows.map(documentRemembered))),
                    \(bind: TextArray(flows.map { $0.nextReminderAt.map { String($0.seconds) } })))
                    AS saved (id, name, status, version, document, next_reminder_at)
                WHERE flows.id = saved.id AND keyflow_expect_version(flows.version, saved.version)),
            closed AS (
                UPDATE verification_attempts SET open = 0, finished_at = \(bind: now.seconds)
                WHERE id = ANY(\(bind: TextArray(attempts.map(\.key)))) AND open = 1),
            done AS (
                UPDATE jobs SET status = 'done', lease_until = NULL, updated_at = \(bind: now.seconds)
                FROM unnest(\(bind: TextArray(jobs.map(\.id.key))), \(bind: TextArray(jobs.map(\.worker)))) AS done (id, worker)
                WHERE jobs.id = done.id AND jobs.locked_by = done.worker AND jobs.status = 'running')
            """
        let insert: SQLQueryString = """
            INSERT INTO timeline_events (flow_id, kind, action_id, actor_id, text, data, created_at)
            SELECT flow_id, kind, action_id, actor_id, text, data, created_at
            FROM unnest(
                \(bind: TextArray(events.map(\.flowID.key))), \(bind: TextArray(events.map(\.event.kind.rawValue))),
                \(bind: TextArray(events.map { $0.event.actionID?.key })), \(bind: TextArray(events.map { $0.event.actorID?.key })),
                \(bind: TextArray(events.map(\.event.text))), \(bind: TextArray(events.map { Self.eventData($0.event.data) })),
                \(bind: events.map(\.event.at.seconds)))
                WITH ORDINALITY AS event (flow_id, kind, action_id, actor_id, text, data, created_at, position)
            ORDER BY position
            RETURNING id, flow_id
            """
        return try await eventsInserted(changes.map { ($0.flow.id, $0.events) }, by: insert, after: writes)
    }
}
