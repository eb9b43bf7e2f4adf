import Foundation
import KeyflowStore
import Logging
import Synchronization
import Testing

@testable import KeyflowServer

/// The job runner works on several jobs at once and starts on new work when woken, not at its next poll.
@Suite("The job runner")
struct JobRunnerTests {
    @Test("a job that hangs holds up no other, and jobs queued here start before the next poll")
    func sideBySide() async throws {
        let store = try Store(.sqliteInMemory, logger: Logger(label: "test.jobs"))
        try await store.migrate()
        let done = Mutex<[String]>([])
        let hanging = Mutex<CheckedContinuation<Void, Never>?>(nil)
        let wakeup = JobWakeup()
        let runner = Self.runner(store, wakeup: wakeup) { job, _ in
            if job.payload == "hangs" { await withCheckedContinuation { c in hanging.withLock { $0 = c } } }
            done.withLock { $0.append(job.payload) }
        }
        let running = Task { try await runner.run() }

        try await enqueue(["hangs"], in: store, waking: wakeup)
        try await waitUntil { hanging.withLock { $0 != nil } }
        try await enqueue(["a", "b", "c"], in: store, waking: wakeup)
        // The poll interval is a minute: only the wake-up and a free slot beside the hanging job get these done.
        try await waitUntil { done.withLock { Set($0) == ["a", "b", "c"] } }

        hanging.withLock { $0 }?.resume()
        try await waitUntil { done.withLock { $0.contains("hangs") } }
        running.cancel()
        _ = await running.result
        await store.shutdown()
    }

    @Test("a queue's preparation gets the claimed batch's jobs before any of them runs")
    func preparedBatch() async throws {
        let store = try Store(.sqliteInMemory, logger: Logger(label: "test.jobs"))
        try await store.migrate()
        let prepared = Mutex<Set<String>>([])
        let ranUnprepared = Mutex<[String]>([])
        let done = Mutex<Set<String>>([])
        let wakeup = JobWakeup()
        var runner = Self.runner(store, wakeup: wakeup) { job, _ in
            if !prepared.withLock({ $0.contains(job.payload) }) { ranUnprepared.withLock { $0.append(job.payload) } }
            done.withLock { _ = $0.insert(job.payload) }
        }
        runner.preparations = ["test": { batch in prepared.withLock { $0.formUnion(batch.map(\.payload)) } }]
        try await enqueue(["a", "b", "c"], in: store, waking: wakeup)
        let running = Task { try await runner.run() }
        try await waitUntil { done.withLock { $0 == ["a", "b", "c"] } }
        #expect(prepared.withLock { $0 } == ["a", "b", "c"])
        #expect(ranUnprepared.withLock { $0 }.isEmpty)
        running.cancel()
        _ = await running.result
        await store.shutdown()
    }

    struct Refused: Error {}

    @Test("a handler may mark its job done in its own transaction; if that transaction fails, the job is retried")
    func completionInTheHandlersTransaction() async throws {
        let store = try Store(.sqliteInMemory, logger: Logger(label: "test.jobs"))
        try await store.migrate()
        let wakeup = JobWakeup()
        let runner = Self.runner(store, wakeup: wakeup) { job, completion in
            try await store.write { db in
                let now = Date()
                try await db.enqueue(queue: "effects", payload: job.payload, runAt: now, now: now)
                try await completion.record(in: db, at: now)
                if job.payload == "fails" { throw Refused() }
            }
        }
        let running = Task { try await runner.run() }
        try await enqueue(["works", "fails"], in: store, waking: wakeup)
        var jobs: [Job] = []
        for _ in 0..<500 {
            jobs = try await store.read { try await $0.jobs(queue: "test") }
            if jobs.allSatisfy({ $0.status != .running && $0.attempts == 1 }) { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        let statuses = Dictionary(uniqueKeysWithValues: jobs.map { ($0.payload, $0.status) })
        #expect(statuses == ["works": .done, "fails": .queued])
        #expect(jobs.first { $0.payload == "fails" }?.lastError?.contains("Refused") == true)
        let effects = try await store.read { try await $0.jobs(queue: "effects") }.map(\.payload)
        #expect(effects == ["works"])
        running.cancel()
        _ = await running.result
        await store.shutdown()
    }

    @Test("a wake-up waits for the next wait, and a wait that ended leaves no false one behind")
    func wakeups() async throws {
        let wakeup = JobWakeup()
        wakeup.notify()
        #expect(await Self.returns(within: .seconds(5)) { await wakeup.wait(timeout: .seconds(60)) })

        let waiting = Task { await wakeup.wait(timeout: .seconds(60)) }
        try await Task.sleep(for: .milliseconds(50))
        wakeup.notify()
        #expect(await Self.returns(within: .seconds(5)) { await waiting.value })
        // nothing was queued since: the next wait sleeps until its timeout
        #expect(await !Self.returns(within: .milliseconds(500)) { await wakeup.wait(timeout: .seconds(60)) })
        await wakeup.wait(timeout: .milliseconds(10))
        #expect(await !Self.returns(within: .milliseconds(500)) { await wakeup.wait(timeout: .seconds(60)) })
    }

    /// Whether `body` finishes before `limit` passes (it is called off either way).
    private static func returns(within limit: Duration, _ body: @escaping @Sendable () async -> Void) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                await body()
                return true
            }
            group.addTask {
                try? await Task.sleep(for: limit)
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }

    /// A runner of the queue "test" that polls only once a minute (so only wake-ups start work) and retries a
    /// failed job only after ten minutes (so a test sees the retry queued, not run).
    private static func runner(_ store: Store, wakeup: JobWakeup, _ handler: @escaping JobRunner.Handler) -> JobRunner {
        JobRunner(
            store: store, clock: .live, logger: Logger(label: "test.jobs"), pollInterval: .seconds(60),
            retry: RetryPolicy(base: 600, cap: 600), handlers: ["test": handler], lease: 60, concurrency: 4,
            wakeup: wakeup)
    }

    private func enqueue(_ payloads: [String], in store: Store, waking wakeup: JobWakeup) async throws {
        let now = Date()
        try await store.write { db in
            for payload in payloads { _ = try await db.enqueue(queue: "test", payload: payload, runAt: now, now: now) }
        }
        wakeup.notify()
    }
}
