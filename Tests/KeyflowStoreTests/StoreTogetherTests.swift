import Foundation
import Keyflow
import KeyflowStore
import Testing

@Suite("Several flows' changes stored together")
struct StoreTogetherTests {
    /// Two flows, each with an open attempt and a job claimed by `worker`, read for a change before the unit.
    struct Setup {
        let seed = Seed()
        var flows: [Flow] = []
        var attempts: [AttemptRecord] = []
        var jobs: [Job] = []
        var reads: [FlowForChange] = []
        static let worker = "worker-together"

        init(_ store: Store) async throws {
            flows = [try await seed.storedFlow(in: store), try seed.flow().flow]
            attempts = flows.map { seed.attempt(of: $0) }
            // A queue of this setup's own: tests beside it on the same database claim from theirs.
            let (second, attempts, now, queue) = (flows[1], attempts, seed.now, "together-\(UUID.random())")
            try await store.write { db in
                try await db.insert(second, at: now)
                for attempt in attempts { try await db.insertAttempt(attempt, callbackToken: "token-\(attempt.id)") }
                for attempt in attempts { try await db.enqueue(queue: queue, payload: "\(attempt.id)", runAt: now, now: now) }
            }
            jobs = try await store.write {
                try await $0.claimJobs(queues: [queue], worker: Self.worker, limit: 10, lease: 60, now: now)
            }
            try #require(jobs.count == attempts.count)
            let ids = flows.map(\.id)
            reads = try await store.read { db in
                var reads: [FlowForChange] = []
                for id in ids { reads.append(try #require(try await db.flowForChange(.flow(id)))) }
                return reads
            }
        }

        /// The first action of each flow done by the client, as one unit's last write.
        func storeTogether(in store: Store) async throws -> (changed: [Flow], events: [UUID: [StoredEvent]]) {
            let (reads, attempts, jobs, client, context, now) = (reads, attempts, jobs, Actor(seed.client), seed.context, seed.now)
            return try await store.writeOptimisticallyOnce { db in
                var changes: [ChangeToStore] = []
                for (index, before) in reads.enumerated() {
                    let read = try #require(try await db.flowForChange(.flow(before.stored.flow.id), readBefore: before))
                    var flow = read.stored.flow
                    let events = try flow.complete(flow.actions[0].id, by: client, context: context)
                    changes.append(
                        ChangeToStore(
                            flow: flow, stored: read.stored, closesAttempt: attempts[index].id,
                            completesJob: (jobs[index].id, Self.worker), events: events))
                }
                let stored = try await db.lastWrite { try await $0.storeTogether(changes, at: now) }
                return (changes.map(\.flow), stored)
            }
        }
    }

    @Test("each flow is saved, its attempt closed, its job done and its events written in order", arguments: TestStores.configurations)
    func stored(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let setup = try await Setup(store)
            let (changed, events) = try await setup.storeTogether(in: store)
            for (index, flow) in changed.enumerated() {
                let saved = try #require(try await store.read { try await $0.flow(flow.id) })
                #expect(saved.flow == flow)
                #expect(saved.flow.actions[0].status == .completed)
                #expect(saved.version == setup.reads[index].stored.version + 1)
                let attempt = try await store.read { try await $0.attemptWithFlow(setup.attempts[index].id) }
                #expect(attempt?.attempt.open == false)
                #expect(try await store.read { try await $0.job(setup.jobs[index].id) }?.status == .done)
                let timeline = try await store.read { try await $0.timeline(of: flow.id) }
                #expect(!timeline.isEmpty)
                #expect(timeline == events[flow.id])
            }
        }
    }

    @Test("a flow saved since it was read stores none of the changes", arguments: TestStores.configurations)
    func savedMeanwhile(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let setup = try await Setup(store)
            var renamed = setup.reads[1].stored.flow
            renamed.name = "Renamed meanwhile"
            let (saved, read, now) = (renamed, setup.reads[1].stored, setup.seed.now)
            try await store.write { try await $0.update(saved, from: read, at: now) }
            await #expect(throws: (any Error).self) { try await setup.storeTogether(in: store) }
            let first = try #require(try await store.read { try await $0.flow(setup.flows[0].id) })
            #expect(first.version == setup.reads[0].stored.version)
            #expect(first.flow.actions[0].status != .completed)
            for (index, attempt) in setup.attempts.enumerated() {
                #expect(try await store.read { try await $0.attemptWithFlow(attempt.id) }?.attempt.open == true)
                #expect(try await store.read { try await $0.job(setup.jobs[index].id) }?.status == .running)
                #expect(try await store.read { try await $0.timeline(of: setup.flows[index].id) }.isEmpty)
            }
        }
    }
}
