import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle
import Synchronization

/// Takes jobs from the durable queue and runs their handlers. A job whose handler throws is retried with
/// back-off and dead after its last attempt; a job whose worker dies is taken again when its lease runs out;
/// a job running at shutdown is handed back.
struct JobRunner: Service {
    /// Runs a job; it may mark the job done inside its own transaction through the `JobCompletion`.
    typealias Handler = @Sendable (Job, JobCompletion) async throws -> Void

    let store: Store
    let clock: AppClock
    let logger: Logger
    let pollInterval: Duration
    let retry: RetryPolicy
    let handlers: [String: Handler]
    /// Seconds a claimed job stays with its worker; when a worker dies, its jobs are taken again after this.
    let lease: Double
    /// Jobs run side by side, so a slow Jumio answer holds up only its own job.
    let concurrency: Int
    let wakeup: JobWakeup
    /// Per queue, what runs with a claimed batch's jobs of that queue before they start: a queue whose jobs
    /// each read something first can read it for the whole batch in one statement.
    var preparations: [String: Preparation] = [:]
    let worker = "worker-\(UUID.random().uuidString.prefix(8))"

    typealias Preparation = @Sendable ([Job]) async -> Void

    func run() async throws {
        let queues = handlers.keys.sorted()
        let running = RunningJobs()
        await withDiscardingTaskGroup { group in
            while !Task.isShuttingDownGracefully, !Task.isCancelled {
                let free = concurrency - running.count
                guard free > 0 else {
                    await wakeup.wait(timeout: pollInterval)
                    continue
                }
                let jobs: [Job]
                do {
                    let now = clock.now()
                    // One statement, atomic on its own: on PostgreSQL it commits itself, without `BEGIN` and
                    // `COMMIT` round trips around it.
                    jobs = try await store.writeOptimistically { db in
                        try await db.lastWrite {
                            try await $0.claimJobs(queues: queues, worker: worker, limit: free, lease: lease, now: now)
                        }
                    }
                } catch {
                    logger.error("claiming jobs failed", metadata: ["error": "\(String(reflecting: error))"])
                    jobs = []
                }
                if jobs.isEmpty {
                    await wakeup.wait(timeout: pollInterval)
                    continue
                }
                for (queue, batch) in Dictionary(grouping: jobs, by: \.queue) { await preparations[queue]?(batch) }
                for job in jobs {
                    running.add(1)
                    // Below the requests' priority: a burst of background work must not slow the answers to
                    // Jumio's callbacks and to people.
                    group.addTask(priority: .low) {
                        await runOne(job)
                        running.add(-1)
                        wakeup.notify()
                    }
                }
            }
        }
    }

    /// Runs one job. On shutdown the work in flight is cancelled and the job handed back untouched, so the
    /// next process takes it at once instead of waiting for the lease to run out.
    private func runOne(_ job: Job) async {
        guard let handler = handlers[job.queue] else { return }
        let completion = JobCompletion(job: job, worker: worker)
        do {
            try await RequestTrace.$id.withValue(job.requestID ?? "job-\(job.id.text(uppercase: false))") {
                try await cancelWhenGracefulShutdown { try await handler(job, completion) }
            }
            guard !completion.isRecorded else { return }
            let now = clock.now()
            try await store.write { try await $0.completeJob(job.id, worker: worker, now: now) }
        } catch where Task.isShuttingDownGracefully || Task.isCancelled {
            let now = clock.now()
            logger.info("job handed back on shutdown", metadata: ["queue": "\(job.queue)", "job": "\(job.id)"])
            try? await store.write { try await $0.releaseJob(job, worker: worker, now: now) }
        } catch {
            let now = clock.now()
            logger.notice(
                "job failed; it will be retried",
                metadata: ["queue": "\(job.queue)", "job": "\(job.id)", "attempt": "\(job.attempts)", "error": "\(error)"])
            try? await store.write {
                try await $0.failJob(job, worker: worker, error: "\(error)", retry: retry, now: now)
            }
        }
    }
}

/// How many jobs this runner has in flight.
final class RunningJobs: Sendable {
    private let value = Atomic<Int>(0)

    var count: Int { value.load(ordering: .relaxed) }

    func add(_ delta: Int) { value.add(delta, ordering: .relaxed) }
}
