import Foundation
import JumioKit
import Keyflow
import KeyflowStore
import Logging
import ServiceLifecycle

/// Deletes verification data at Jumio once it has served its purpose: `retentionDays` after an attempt
/// finished, or at once for one flow when its owner asks. Keyflow keeps only decisions and dates.
struct RetentionService: Service {
    let store: Store
    let flows: FlowService
    let gateway: JumioGateway
    let clock: AppClock
    let logger: Logger
    let interval: Duration

    func run() async throws {
        await repeatRounds(every: interval, logger: logger, failure: "retention run failed") { try await purgeExpired() }
    }

    func purgeExpired() async throws {
        let cutoff = clock.now().addingTimeInterval(-Double(gateway.configuration.retentionDays) * 86400)
        let due = try await store.read { try await $0.attemptsToPurge(finishedBefore: cutoff, limit: 100) }
        for flowID in Set(due.map(\.flowID)) {
            _ = try await purge(flowID: flowID, actor: nil)
        }
    }

    /// Deletes one Jumio account; one already gone counts as done.
    private func deleteAccount(_ accountID: String, on connection: JumioConnection) async throws -> Bool {
        guard !accountID.isEmpty else { return false }
        do {
            try await gateway.client.deleteAccount(accountID, on: connection)
            return true
        } catch {
            guard case .notFound = error else { throw error }
            logger.info("Jumio account already gone")
            return false
        }
    }

    /// Deletes the Jumio accounts of a flow's verifications and reduces what Keyflow keeps; returns how many
    /// accounts were deleted.
    func purge(flowID: UUID, actor: Actor?) async throws -> Int {
        let attempts = try await store.read { try await $0.attempts(ofFlow: flowID) }.filter { $0.purgedAt == nil }
        guard let stored = try await store.read({ try await $0.flow(flowID) }) else { return 0 }
        var deleted = 0
        for (actionID, records) in Dictionary(grouping: attempts, by: \.actionID) {
            guard let settings = stored.flow.action(actionID)?.definition.jumio else { continue }
            let (_, connection) = try await gateway.connection(
                for: settings, organizationID: stored.flow.organizationID, store: store)
            for accountID in Set(records.map(\.accountID)) {
                if try await deleteAccount(accountID, on: connection) { deleted += 1 }
            }
            let now = clock.now()
            _ = try await flows.change(.flow(flowID), visibleTo: actor, alsoWrite: { _, db in
                for record in records { try await db.markPurged(record.id, at: now) }
            }) { flow, context, _ in
                flow.reduceVerificationData(actionID, by: actor?.userID, context: context)
            }
        }
        return deleted
    }
}
