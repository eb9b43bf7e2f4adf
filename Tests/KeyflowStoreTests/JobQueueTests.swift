import Foundation
import KeyflowStore
import Testing

@Suite("The durable job queue")
struct JobQueueTests {
    @Test("a job is claimed, completed and not claimed again", arguments: TestStores.configurations)
    func lifecycle(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            try await store.write { try await $0.enqueue(queue: queue, payload: "{}", runAt: now, now: now) }
            let claimed = try await store.write {
                try await $0.claimJobs(queues: [queue], worker: "w1", limit: 10, lease: 30, now: now)
            }
            #expect(claimed.count == 1)
            #expect(claimed[0].attempts == 1)
            #expect(claimed[0].status == .running)
            #expect(try await store.write { try await $0.claimJobs(queues: [queue], worker: "w2", limit: 10, lease: 30, now: now) }.isEmpty)
            #expect(try await store.write { try await $0.completeJob(claimed[0].id, worker: "w1", now: now) })
            #expect(try await store.read { try await $0.job(claimed[0].id) }?.status == .done)
        }
    }

    @Test("unique jobs added together: a key already queued, or given twice, is added once", arguments: TestStores.configurations)
    func uniqueJobsTogether(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            let jobs = [("a", "a1"), ("a", "a2"), ("b", "b1"), ("b", "b2"), ("c", "c1")].map { key, payload in
                UniqueJob(queue: queue, payload: payload, runAt: now, uniqueKey: "\(queue)-\(key)", requestID: nil)
            }
            #expect(try await store.write { try await $0.enqueue([jobs[0]], now: now) } == ["\(queue)-a"])
            let queued = try await store.write { try await $0.enqueue(Array(jobs.dropFirst()), now: now) }
            #expect(queued == ["\(queue)-b", "\(queue)-c"])
            #expect(try await store.write { try await $0.enqueue([], now: now) }.isEmpty)
            let payloads = try await store.read { try await $0.jobs(queue: queue) }.map(\.payload).sorted()
            #expect(payloads == ["a1", "b1", "c1"])
        }
    }

    @Test("a job is not claimed before its time", arguments: TestStores.configurations)
    func scheduled(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            try await store.write {
                try await $0.enqueue(queue: queue, payload: "{}", runAt: now.addingTimeInterval(60), now: now)
            }
            #expect(try await store.write { try await $0.claimJobs(queues: [queue], worker: "w", limit: 5, lease: 30, now: now) }.isEmpty)
            let later = now.addingTimeInterval(61)
            #expect(try await store.write { try await $0.claimJobs(queues: [queue], worker: "w", limit: 5, lease: 30, now: later) }.count == 1)
        }
    }

    @Test("a lease that runs out hands the job to another worker", arguments: TestStores.configurations)
    func expiredLease(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            try await store.write { try await $0.enqueue(queue: queue, payload: "p", runAt: now, now: now) }
            let first = try await store.write { try await $0.claimJobs(queues: [queue], worker: "dead", limit: 1, lease: 30, now: now) }
            let later = now.addingTimeInterval(31)
            let second = try await store.write { try await $0.claimJobs(queues: [queue], worker: "alive", limit: 1, lease: 30, now: later) }
            #expect(second.map(\.id) == first.map(\.id))
            #expect(second[0].attempts == 2)
            #expect(try await !store.write { try await $0.completeJob(first[0].id, worker: "dead", now: later) })
            #expect(try await store.write { try await $0.completeJob(first[0].id, worker: "alive", now: later) })
        }
    }

    @Test("due jobs are claimed earliest first, and a job whose worker died before any of them", arguments: TestStores.configurations)
    func claimOrder(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            try await store.write { try await $0.enqueue(queue: queue, payload: "abandoned", runAt: now, now: now) }
            _ = try await store.write { try await $0.claimJobs(queues: [queue], worker: "dead", limit: 1, lease: 30, now: now) }
            for (payload, offset) in [("second", -50.0), ("later", 500), ("first", -100), ("third", -10)] {
                try await store.write { try await $0.enqueue(queue: queue, payload: payload, runAt: now.addingTimeInterval(offset), now: now) }
            }
            let later = now.addingTimeInterval(31)
            func claim(_ limit: Int) async throws -> [String] {
                try await store.write { try await $0.claimJobs(queues: [queue], worker: "alive", limit: limit, lease: 30, now: later) }
                    .map(\.payload)
            }
            #expect(try await claim(1) == ["abandoned"])
            #expect(try await claim(2) == ["first", "second"])
            #expect(try await claim(5) == ["third"])
        }
    }

    @Test("queue depths count waiting and running jobs and how long the oldest due one has waited", arguments: TestStores.configurations)
    func depths(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            for offset in [-40.0, -10, 0, 600] {
                try await store.write { try await $0.enqueue(queue: queue, payload: "{}", runAt: now.addingTimeInterval(offset), now: now) }
            }
            _ = try await store.write { try await $0.claimJobs(queues: [queue], worker: "w", limit: 1, lease: 30, now: now) }
            let depth = try #require(try await store.read { try await $0.queueDepths(now: now) }.first { $0.queue == queue })
            #expect((depth.queued, depth.running, depth.oldestWaitSeconds) == (3, 1, 10))
            let idle = "q-\(UUID())"
            try await store.write { try await $0.enqueue(queue: idle, payload: "{}", runAt: now.addingTimeInterval(60), now: now) }
            let waiting = try #require(try await store.read { try await $0.queueDepths(now: now) }.first { $0.queue == idle })
            #expect((waiting.queued, waiting.running, waiting.oldestWaitSeconds) == (1, 0, 0))
        }
    }

    @Test("failures retry with growing backoff and the job is dead after its last attempt", arguments: TestStores.configurations)
    func retries(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            var now = Date(timeIntervalSince1970: 1_000_000)
            let policy = RetryPolicy(base: 10, cap: 25)
            let start = now
            try await store.write { try await $0.enqueue(queue: queue, payload: "p", runAt: start, maxAttempts: 3, now: start) }
            var delays: [Double] = []
            for _ in 1...3 {
                let claimAt = now
                let job = try #require(try await store.write { try await $0.claimJobs(queues: [queue], worker: "w", limit: 1, lease: 30, now: claimAt) }.first)
                try await store.write { try await $0.failJob(job, worker: "w", error: "boom", retry: policy, now: claimAt) }
                let after = try #require(try await store.read { try await $0.job(job.id) })
                delays.append(after.runAt.timeIntervalSince(now))
                now = after.runAt
                #expect(after.lastError == "boom")
            }
            #expect(delays == [10, 20, 25])
            #expect(try await store.read { try await $0.jobs(queue: queue) }.first?.status == .dead)
            let muchLater = now.addingTimeInterval(1000)
            #expect(try await store.write { try await $0.claimJobs(queues: [queue], worker: "w", limit: 1, lease: 30, now: muchLater) }.isEmpty)
        }
    }

    @Test("a unique key enqueues the same work once", arguments: TestStores.configurations)
    func uniqueKey(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let key = "callback-\(UUID())"
            let now = Date()
            let first = try await store.write { try await $0.enqueue(queue: queue, payload: "a", runAt: now, uniqueKey: key, now: now) }
            let second = try await store.write { try await $0.enqueue(queue: queue, payload: "b", runAt: now, uniqueKey: key, now: now) }
            #expect(first && !second)
            #expect(try await store.read { try await $0.jobs(queue: queue) }.map(\.payload) == ["a"])
        }
    }

    @Test("concurrent workers take every job exactly once", arguments: TestStores.configurations)
    func concurrentClaims(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            try await store.write { db async throws in
                for index in 0..<200 { try await db.enqueue(queue: queue, payload: "\(index)", runAt: now, now: now) }
            }
            let taken = try await withThrowingTaskGroup(of: [String].self) { group in
                for worker in 0..<4 {
                    group.addTask {
                        var mine: [String] = []
                        while true {
                            let batch = try await store.write {
                                try await $0.claimJobs(queues: [queue], worker: "w\(worker)", limit: 7, lease: 60, now: now)
                            }
                            if batch.isEmpty { return mine }
                            for job in batch {
                                _ = try await store.write { try await $0.completeJob(job.id, worker: "w\(worker)", now: now) }
                                mine.append(job.payload)
                            }
                        }
                    }
                }
                return try await group.reduce(into: [String]()) { $0 += $1 }
            }
            #expect(taken.count == 200)
            #expect(Set(taken).count == 200)
        }
    }
}
