import Foundation
import Logging
import Synchronization

/// The verification results of one claimed batch of jobs, written together (`FlowService.changeTogether`).
///
/// A batch's jobs start together and each asks Jumio on its own; each then either offers its flow's change
/// here or leaves (nothing to write, or it failed). Once every job has done one or the other, or `patience`
/// after the first offer (a slow Jumio answer holds up the others no longer than that), the changes offered
/// are written in one unit. A change offered after that, a second change to a flow already offered, one whose
/// organization has webhook endpoints, and every change of a unit that fails are made on their own, as
/// without the gathering.
final class ChangeGathering: Sendable {
    private struct Offer {
        var change: FlowService.PendingChange
        var written: CheckedContinuation<Bool, Never>
    }

    private struct State {
        var unsettled: Int
        var offers: [Offer] = []
        var closed = false
        var timer: Task<Void, Never>?
    }

    private let state: Mutex<State>
    private let flows: FlowService
    private let patience: Duration
    private let logger: Logger

    init(jobs: Int, flows: FlowService, patience: Duration, logger: Logger) {
        state = Mutex(State(unsettled: jobs))
        self.flows = flows
        self.patience = patience
        self.logger = logger
    }

    /// Offers a job's change; answers whether it was written with the others. False: make it alone.
    func offer(_ change: FlowService.PendingChange) async -> Bool {
        await withCheckedContinuation { written in
            let (accepted, startTimer, gathered) = state.withLock { state -> (Bool, Bool, [Offer]?) in
                state.unsettled -= 1
                let accepted =
                    !state.closed && !change.readBefore.hasWebhookEndpoints
                    && !state.offers.contains { $0.change.flowID == change.flowID }
                if accepted { state.offers.append(Offer(change: change, written: written)) }
                return (accepted, accepted && state.offers.count == 1, Self.closeIfSettled(&state))
            }
            if !accepted { written.resume(returning: false) }
            if startTimer && gathered == nil { startWaiting() }
            if let gathered { write(gathered) }
        }
    }

    /// A job of the batch that has no change to offer.
    func leave() {
        let gathered = state.withLock { state -> [Offer]? in
            state.unsettled -= 1
            return Self.closeIfSettled(&state)
        }
        if let gathered { write(gathered) }
    }

    private static func closeIfSettled(_ state: inout State) -> [Offer]? {
        guard state.unsettled == 0, !state.closed else { return nil }
        return close(&state)
    }

    private static func close(_ state: inout State) -> [Offer] {
        state.closed = true
        state.timer?.cancel()
        state.timer = nil
        defer { state.offers = [] }
        return state.offers
    }

    private func startWaiting() {
        let patience = self.patience
        let timer = Task { [weak self] in
            guard (try? await Task.sleep(for: patience)) != nil, let self else { return }
            let gathered = self.state.withLock { state in state.closed ? nil : Self.close(&state) }
            if let gathered { self.write(gathered) }
        }
        state.withLock { state in
            if state.closed { timer.cancel() } else { state.timer = timer }
        }
    }

    private func write(_ offers: [Offer]) {
        guard offers.count > 1 else {
            for offer in offers { offer.written.resume(returning: false) }
            return
        }
        Task {
            let written: Bool
            do {
                try await flows.changeTogether(offers.map(\.change))
                written = true
            } catch {
                logger.debug(
                    "verification results written together failed; each is written alone",
                    metadata: ["results": "\(offers.count)", "error": "\(error)"])
                written = false
            }
            for offer in offers { offer.written.resume(returning: written) }
        }
    }
}
