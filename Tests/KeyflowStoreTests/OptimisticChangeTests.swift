import Foundation
import Keyflow
import KeyflowStore
import Synchronization
import Testing

/// `Store.writeOptimistically`: a change read without a lock and saved by one statement loses nothing when
/// someone else saves the flow in between.
@Suite("Optimistic changes to a flow")
struct OptimisticChangeTests {
    /// One change as `FlowService` makes it: the flow read for the change, renamed by `suffix`, saved, and one
    /// message as its last write.
    static func rename(_ flowID: UUID, adding suffix: String, in db: StoreSession, at now: Date) async throws {
        let read = try #require(try await db.flowForChange(.flow(flowID)))
        var flow = read.stored.flow
        flow.name += suffix
        try await db.update(flow, from: read.stored, at: now)
        _ = try await db.lastWrite {
            try await $0.append([FlowEvent(kind: .message, text: "renamed to \(flow.name)", at: now)], to: flowID)
        }
    }

    @Test("40 changes to one flow at once: every one saved once, with its message", arguments: TestStores.configurations)
    func concurrentChanges(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            try await withThrowingTaskGroup(of: Void.self) { group in
                for _ in 0..<40 {
                    group.addTask {
                        try await store.writeOptimistically { try await Self.rename(flow.id, adding: "+", in: $0, at: seed.now) }
                    }
                }
                try await group.waitForAll()
            }
            let saved = try #require(try await store.read { try await $0.flow(flow.id) })
            #expect(saved.flow.name == flow.name + String(repeating: "+", count: 40))
            #expect(saved.version == 41)
            let messages = try await store.read { try await $0.timeline(of: flow.id) }.map(\.event.text)
            #expect(messages == (1...40).map { "renamed to \(flow.name + String(repeating: "+", count: $0))" })
        }
    }

    /// The flow's first action completed on `read`, with one message as the unit's last write.
    static func completeFirstAction(of read: FlowForChange, in db: StoreSession, seed: Seed) async throws {
        var changed = read.stored.flow
        _ = try changed.complete(changed.actions[0].id, by: Actor(seed.client), context: seed.context)
        try await db.update(changed, from: read.stored, at: seed.now)
        _ = try await db.lastWrite {
            try await $0.append([FlowEvent(kind: .message, text: "completed", at: seed.now)], to: changed.id)
        }
    }

    /// After a rename that came between a change's read and its save: the change ran twice, and the flow has
    /// both, with their two messages and nothing of the change's first run.
    static func expectRenamedThenCompleted(_ flow: Flow, runs: Int, in store: Store) async throws {
        #expect(runs == 2)
        let saved = try #require(try await store.read { try await $0.flow(flow.id) })
        #expect(saved.version == 3)
        #expect(saved.flow.name == flow.name + " (renamed meanwhile)")
        #expect(saved.flow.actions[0].status == .completed)
        let messages = try await store.read { try await $0.timeline(of: flow.id) }.map(\.event.text)
        #expect(messages == ["renamed to \(flow.name) (renamed meanwhile)", "completed"])
    }

    @Test(
        "a flow saved between a change's read and its save: the change runs again, and only its second run is kept",
        .enabled(if: ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"] != nil, "needs PostgreSQL"))
    func savedMeanwhile() async throws {
        let url = try #require(ProcessInfo.processInfo.environment["KEYFLOW_TEST_DATABASE_URL"])
        try await TestStores.with(.postgres(url: url, maxConnectionsPerEventLoop: 4)) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let runs = Atomic(0)
            try await store.writeOptimistically { db in
                let read = try #require(try await db.flowForChange(.flow(flow.id)))
                if runs.add(1, ordering: .relaxed).newValue == 1 {
                    try await store.write { try await Self.rename(flow.id, adding: " (renamed meanwhile)", in: $0, at: seed.now) }
                }
                try await Self.completeFirstAction(of: read, in: db, seed: seed)
            }
            try await Self.expectRenamedThenCompleted(flow, runs: runs.load(ordering: .relaxed), in: store)
        }
    }

    @Test(
        "a flow read before the change is taken as it was read, unless someone saved the flow since: then the change runs again on a fresh read",
        arguments: TestStores.configurations)
    func readBefore(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            var before = try #require(try await store.read { try await $0.flowForChange(.flow(flow.id)) })
            before.organization?.name = "as read before"
            let taken = before
            let organizationName = try await store.writeOptimistically { db -> String? in
                try await db.flowForChange(.flow(flow.id), readBefore: taken)?.organization?.name
            }
            #expect(organizationName == "as read before")

            try await store.write { try await Self.rename(flow.id, adding: " (renamed meanwhile)", in: $0, at: seed.now) }
            let runs = Atomic(0)
            try await store.writeOptimistically { db in
                runs.add(1, ordering: .relaxed)
                try await Self.completeFirstAction(
                    of: try #require(try await db.flowForChange(.flow(flow.id), readBefore: taken)), in: db, seed: seed)
            }
            try await Self.expectRenamedThenCompleted(flow, runs: runs.load(ordering: .relaxed), in: store)
        }
    }
}
