import Foundation
import KeyflowStore
import Synchronization

/// Lets a job's handler mark its job done inside a transaction it writes anyway, so the completion commits
/// with the job's effect and costs no transaction of its own (on PostgreSQL three round trips: BEGIN, UPDATE,
/// COMMIT). A handler that does not use it has its job completed by the runner afterwards, as before.
final class JobCompletion: Sendable {
    let job: Job
    let worker: String
    private let recorded = Atomic<Bool>(false)

    init(job: Job, worker: String) {
        self.job = job
        self.worker = worker
    }

    /// Marks the job done in `db`'s transaction. If that transaction fails, the handler fails with it and the
    /// runner records the failure instead.
    func record(in db: StoreSession, at now: Date) async throws {
        try await db.markJobDone(job.id, worker: worker, now: now)
        recorded.store(true, ordering: .relaxed)
    }

    /// Notes a completion committed by a unit that marked the job done itself (`FlowService.changeTogether`).
    func recordedElsewhere() {
        recorded.store(true, ordering: .relaxed)
    }

    /// Whether the handler recorded the completion in one of its transactions.
    var isRecorded: Bool { recorded.load(ordering: .relaxed) }
}
