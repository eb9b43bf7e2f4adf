import Foundation
import KeyflowStore
import Logging
import ServiceLifecycle

/// Brings events committed by other instances on the same PostgreSQL to this instance's open streams: each
/// notice is read back from the timeline (the database is the truth, the notice only says where to look).
struct EventRelay: Service {
    let store: Store
    let hub: EventHub
    let logger: Logger

    func run() async throws {
        await cancelWhenGracefulShutdown {
            await store.followOtherInstances { notice in
                do {
                    let events = try await store.read { try await $0.timeline(of: notice.flowID, after: notice.firstID - 1) }
                    hub.publish(events.filter { $0.id <= notice.lastID })
                } catch {
                    logger.warning("could not read events another instance announced", metadata: ["error": "\(error)"])
                }
            }
        }
    }
}
