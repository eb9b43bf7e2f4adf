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
    let holder = "reminders-\(UUID.random().uuidString.prefix(8))"

    func run() async throws {
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                if try await holdsLease() { try await sendDue() }
            } catch {
                logger.error("sending reminders failed", metadata: ["error": "\(String(reflecting: error))"])
            }
            await pause(for: interval)
        }
    }

    private func holdsLease() async throws -> Bool {
        let now = clock.now()
        let seconds = leaseSeconds(every: interval)
        return try await store.write { try await $0.acquireLease("reminders", holder: holder, for: seconds, now: now) }
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
