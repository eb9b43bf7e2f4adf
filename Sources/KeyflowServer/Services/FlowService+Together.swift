import Foundation
import Keyflow
import KeyflowStore

extension FlowService {
    /// A verification result to apply to a flow read before it, with others (`changeTogether`).
    struct PendingChange: Sendable {
        var readBefore: FlowForChange
        var attemptID: UUID
        /// The job that brought the result, marked done with it.
        var completion: JobCompletion?
        var decide: @Sendable (inout Flow, FlowContext) -> [FlowEvent]

        var flowID: UUID { readBefore.stored.flow.id }
    }

    /// Several flows' verification results as one unit of work: on PostgreSQL one statement and one commit for
    /// all of them instead of one each (a statement's execution, its commit and its round trip cost PostgreSQL
    /// about as much as a result's own writes; see `StoreSession.storeTogether`). Each flow at most once, none
    /// whose organization has webhook endpoints (their deliveries are written with `change`). If a flow was
    /// saved since it was read, or anything fails, it throws having stored none of them, and the caller makes
    /// each with `change`. Once committed, the events go to open streams.
    func changeTogether(_ changes: [PendingChange]) async throws {
        precondition(Set(changes.map(\.flowID)).count == changes.count, "a flow changed twice in one statement")
        precondition(!changes.contains { $0.readBefore.hasWebhookEndpoints }, "webhook deliveries are written by change")
        let now = clock.now()
        let stored = try await store.writeOptimisticallyOnce { db in
            var toStore: [ChangeToStore] = []
            for change in changes {
                guard let read = try await db.flowForChange(.flow(change.flowID), readBefore: change.readBefore) else {
                    throw FlowReference.flow(change.flowID).notFound
                }
                var flow = read.stored.flow
                let people = try await Self.people(of: flow, known: read.members, in: db)
                let events = change.decide(&flow, Self.context(people: people, organization: read.organization, now: now))
                toStore.append(
                    ChangeToStore(
                        flow: flow, stored: read.stored, closesAttempt: change.attemptID,
                        completesJob: change.completion.map { ($0.job.id, $0.worker) }, events: events))
            }
            return try await db.lastWrite { try await $0.storeTogether(toStore, at: now) }
        }
        for change in changes { change.completion?.recordedElsewhere() }
        for change in changes { hub.publish(stored[change.flowID] ?? []) }
    }
}
