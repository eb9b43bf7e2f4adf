import Foundation
import KeyflowStore

/// Jumio's callbacks on their way in. Each is matched to the attempt its token was issued for, checked against
/// the addresses Jumio sends from, and stored with the job that will ask Jumio about it; its sender is answered
/// once that is on disk. The body is only a hint: the job fetches the verdict from Jumio.
///
/// Callbacks that arrive while a batch is being stored form the next one, so a burst costs a few statements per
/// batch (the tokens not seen before looked up, the attempts' state read, the callbacks stored, their jobs
/// queued; on PostgreSQL the last three are one statement) instead of as many per callback: Jumio sends one
/// per status change of every verification, and repeats them.
final class CallbackInbox: Sendable {
    struct Arrival: Sendable {
        var token: String
        var body: String
        /// The workflow status the body announces, when it parses.
        var hint: String?
        /// The sender's address, as far as it is known.
        var source: String?
        var requestID: String?
    }

    enum Receipt: Sendable, Equatable {
        case unknownToken
        /// The sender is not one of the addresses Jumio sends the attempt's data center's callbacks from.
        case refused(attemptID: UUID)
        /// Stored; `queued` is false when the same news is already queued.
        case stored(attemptID: UUID, queued: Bool)
        /// About an attempt already decided: stored, dealt with on arrival, since no job would find anything to do.
        case decided(attemptID: UUID)
    }

    /// The most callbacks stored in one transaction, so one batch never holds SQLite's single writer for long.
    static let largestBatch = 256

    private let batcher: Batcher<Arrival, Receipt>

    init(store: Store, clock: AppClock, configuration: JumioConfiguration) {
        batcher = Batcher(maximum: Self.largestBatch) { arrivals in
            let now = clock.now()
            return try await store.writeOptimistically { db in
                try await Self.record(arrivals, in: db, configuration: configuration, at: now)
            }
        }
    }

    func receive(_ arrival: Arrival) async throws -> Receipt {
        try await batcher.submit(arrival)
    }

    func receive(_ arrival: Arrival, answer: @escaping Batcher<Arrival, Receipt>.Answer) {
        batcher.submit(arrival, answer: answer)
    }

    /// Checks and stores one batch; answers a receipt per arrival, in order. A token's attempt is read once
    /// and then known (it never changes); whether the attempt is still open is read by the statement that
    /// stores the batch, which on PostgreSQL is the unit's only one and commits itself: an attempt decided
    /// meanwhile only means its callbacks queue a job that finds it decided.
    static func record(_ arrivals: [Arrival], in db: StoreSession, configuration: JumioConfiguration, at now: Date)
        async throws -> [Receipt]
    {
        let targets = try await db.callbackTargets(tokens: arrivals.map(\.token))
        let checked = arrivals.map { arrival -> (arrival: Arrival, target: CallbackTarget?, accepted: Bool) in
            let target = targets[arrival.token]
            let accepted = target.map { configuration.acceptsCallback(from: arrival.source, dataCenter: $0.dataCenter) } ?? false
            return (arrival, target, accepted)
        }
        let callbacks = checked.compactMap { arrival, target, accepted -> NewCallback? in
            guard accepted, let target else { return nil }
            let job = UniqueJob(
                queue: VerificationService.queue,
                payload: VerificationJob(attemptID: target.attemptID, source: .callback, hint: arrival.hint).encoded(),
                runAt: now, uniqueKey: jobKey(target.attemptID, arrival.hint), requestID: arrival.requestID)
            return NewCallback(
                attemptID: target.attemptID, body: arrival.body, statusHint: arrival.hint, remoteAddress: arrival.source, job: job)
        }
        var stored = try await db.lastWrite { try await $0.storeCallbacks(callbacks, at: now) }
        return checked.map { arrival, target, accepted -> Receipt in
            guard let target else { return .unknownToken }
            guard accepted else { return .refused(attemptID: target.attemptID) }
            guard let open = stored.open[target.attemptID] else { return .unknownToken }
            // An attempt, once decided, stays decided: Jumio's later news about it changes nothing.
            guard open else { return .decided(attemptID: target.attemptID) }
            // Of a batch's callbacks with the same news, the first is the one that queued it.
            let isNew = stored.queued.remove(jobKey(target.attemptID, arrival.hint)) != nil
            return .stored(attemptID: target.attemptID, queued: isNew)
        }
    }

    /// One job per attempt and announced status: Jumio repeats callbacks, and each status is worth one look.
    private static func jobKey(_ attemptID: UUID, _ hint: String?) -> String {
        "callback:\(attemptID.text(uppercase: true)):\(hint ?? "unknown")"
    }
}
