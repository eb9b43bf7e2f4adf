import Foundation
import Keyflow
import KeyflowStore

/// Runs a domain change on a flow as one unit: lock and load, decide, save with its events and their webhook
/// deliveries, then push the events to open streams once they are committed.
struct FlowService: Sendable {
    let store: Store
    let hub: EventHub
    let clock: AppClock
    let webhooks: Webhooks

    struct Outcome: Sendable {
        var flow: Flow
        var events: [StoredEvent]
        var people: [UUID: User]
    }

    func change(
        _ reference: FlowReference, by actor: Actor,
        _ decide: @escaping @Sendable (inout Flow, FlowContext) throws -> [FlowEvent]
    ) async throws -> Outcome {
        try await change(reference, visibleTo: actor, alsoWrite: { _, _ in }) { flow, context, _ in try decide(&flow, context) }
    }

    /// The one path by which a flow changes: load, decide, save with the events (and whatever else
    /// `alsoWrite` records in the same unit of work), commit, then push the events to open streams.
    /// `actor` nil is Keyflow itself (a verification result), which sees every flow. The unit is optimistic
    /// (`Store.writeOptimistically`): on PostgreSQL a change without webhook deliveries is its reads and one
    /// statement, and runs again under a lock if someone saved the flow meanwhile, so `decide` and `alsoWrite`
    /// may run twice and must act through the session only.
    /// `readBefore` is the flow as read for this change before it (with the attempt a verification result is
    /// for), taken instead of a second read unless the flow was saved since.
    func change(
        _ reference: FlowReference, visibleTo actor: Actor?, readBefore: FlowForChange? = nil,
        alsoWrite: @escaping @Sendable (Flow, StoreSession) async throws -> Void,
        _ decide: @escaping @Sendable (inout Flow, FlowContext, StoreSession) async throws -> [FlowEvent]
    ) async throws -> Outcome {
        let now = clock.now()
        let outcome = try await store.writeOptimistically { db in
            guard let read = try await db.flowForChange(reference, readBefore: readBefore),
                actor.map({ Access.canView(read.stored.flow, as: $0) }) ?? true
            else { throw reference.notFound }
            let stored = read.stored
            var flow = stored.flow
            let people = try await Self.people(
                of: flow, extra: Set(actor.map { [$0.userID] } ?? []), known: read.members, in: db)
            let context = Self.context(people: people, organization: read.organization, now: now)
            let events = try await decide(&flow, context, db)
            // A change with events saves the flow even if the flow itself is the same: the save is what checks
            // that the events were decided on the flow as it stands.
            if flow != stored.flow || !events.isEmpty { try await db.update(flow, from: stored, at: now) }
            try await alsoWrite(flow, db)
            let storedEvents = try await append(
                events, to: flow, hasWebhookEndpoints: read.hasWebhookEndpoints, in: db, now: now)
            return Outcome(flow: flow, events: storedEvents, people: people)
        }
        hub.publish(outcome.events)
        return outcome
    }

    func create(
        by actor: Actor, _ make: @escaping @Sendable (FlowContext) throws -> (flow: Flow, events: [FlowEvent]),
        people ids: Set<UUID>
    ) async throws -> Outcome {
        let now = clock.now()
        let outcome = try await store.writeOptimistically { db in
            let users = try await db.users(ids.union([actor.userID]))
            let people = Dictionary(users.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let organization = try await db.organizationForChange(actor.organizationID)
            let context = Self.context(people: people, organization: organization?.organization, now: now)
            let (flow, events) = try make(context)
            try await db.insert(flow, at: now)
            let stored = try await append(
                events, to: flow, hasWebhookEndpoints: organization?.hasWebhookEndpoints == true, in: db, now: now)
            return Outcome(flow: flow, events: stored, people: people)
        }
        hub.publish(outcome.events)
        return outcome
    }

    /// A change's events, and their webhook deliveries if the organization has endpoints. Without those the
    /// events are the unit's last write, which on PostgreSQL carries all of its writes as one statement.
    private func append(
        _ events: [FlowEvent], to flow: Flow, hasWebhookEndpoints: Bool, in db: StoreSession, now: Date
    ) async throws -> [StoredEvent] {
        guard hasWebhookEndpoints else { return try await db.lastWrite { try await $0.append(events, to: flow.id) } }
        let stored = try await db.append(events, to: flow.id)
        try await webhooks.enqueue(stored, organizationID: flow.organizationID, in: db, now: now)
        return stored
    }

    /// The users a flow's decisions and views name: its members, its assignees and `extra`. Those among
    /// `known` (already read with the flow) are not read again.
    static func people(of flow: Flow, extra: Set<UUID> = [], known: [User] = [], in db: StoreSession) async throws
        -> [UUID: User]
    {
        var ids = flow.memberIDs.union(extra)
        for action in flow.actions { if let id = flow.assigneeID(of: action) { ids.insert(id) } }
        var people = Dictionary(
            known.lazy.filter { ids.contains($0.id) }.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        ids.subtract(people.keys)
        for user in try await db.users(ids) { people[user.id] = user }
        return people
    }

    /// What a flow's decisions need to know: the time, the people by id, and the organization's time zone.
    static func context(people: [UUID: User], organization: Organization?, now: Date) -> FlowContext {
        FlowContext(now: now, people: people.mapValues(\.person), timeZone: timeZone(of: organization))
    }

    private static func timeZone(of organization: Organization?) -> TimeZone {
        organization.flatMap { TimeZone(identifier: $0.timeZone) } ?? .gmt
    }
}

extension FlowReference {
    /// The answer for a flow that is not there or not visible, which says no more than that.
    var notFound: APIError {
        switch self {
        case .flow(let id): .notFound("no flow \(id)")
        case .action(let id): .notFound("no action \(id)")
        }
    }
}
