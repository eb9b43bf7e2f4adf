import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle

/// Sends due-soon and overdue reminders into the flows' timelines (and so to their open streams). One
/// instance of a cluster does it at a time, under the `reminders` lease; each reminder goes out at most once
/// because it is recorded in the flow in the same transaction as its event.
struct ReminderService: Service {
    let store: Store
    let flows: FlowService
    let clock: AppClock
    let logger: Logger
    let interval: Duration
    let lease = ClusterLease("reminders")

    func run() async throws {
        await repeatRounds(every: interval, logger: logger, failure: "sending reminders failed") {
            if try await lease.isHeld(in: store, every: interval, now: clock.now()) { try await sendDue() }
        }
    }

    func sendDue() async throws {
        let due = try await store.read { [clock] in try await $0.flowsDueForReminders(at: clock.now(), limit: 200) }
        for flowID in due {
            let outcome = try await flows.change(.flow(flowID), visibleTo: nil, alsoWrite: { _, _ in }) { flow, context, _ in
                flow.sendReminders(context: context)
            }
            if !outcome.events.isEmpty {
                logger.info("reminders sent", metadata: ["flow": "\(flowID)", "count": "\(outcome.events.count)"])
            }
        }
    }
}
