import Foundation
import Keyflow
import Testing

@testable import KeyflowStore

@Suite("Housekeeping in the store")
struct HousekeepingStoreTests {
    /// Deletes by date reach every row of a table, so each engine gets a database of its own.
    @Test("only done jobs past the cutoff go, in batches; queued, running and failed jobs stay")
    func doneJobs() async throws {
        for configuration in try TestStores.configurationsAlone() {
            try await TestStores.with(configuration) { store in
                let start = Date(timeIntervalSince1970: 1_795_000_000)
                let finished = start.addingTimeInterval(60)
                try await store.write { db in
                    for index in 0..<5 {
                        try await db.enqueue(queue: "done", payload: "\(index)", runAt: start, uniqueKey: "done-\(index)", now: start)
                    }
                    try await db.enqueue(queue: "dead", payload: "x", runAt: start, maxAttempts: 1, now: start)
                    try await db.enqueue(queue: "running", payload: "x", runAt: start, now: start)
                    try await db.enqueue(queue: "queued", payload: "x", runAt: start, now: start)
                }
                try await store.write { db in
                    for job in try await db.claimJobs(queues: ["done"], worker: "w", limit: 10, lease: 60, now: start) {
                        try await db.completeJob(job.id, worker: "w", now: finished)
                    }
                    for job in try await db.claimJobs(queues: ["dead"], worker: "w", limit: 1, lease: 60, now: start) {
                        try await db.failJob(job, worker: "w", error: "boom", retry: RetryPolicy(base: 1, cap: 1), now: start)
                    }
                    _ = try await db.claimJobs(queues: ["running"], worker: "w", limit: 1, lease: 60, now: start)
                }

                let atFinish = try await store.write { try await $0.deleteDoneJobs(finishedBefore: finished, limit: 2) }
                #expect(atFinish == 0, "a job done at the cutoff itself is kept")
                let later = finished.addingTimeInterval(1)
                let batches = [
                    try await store.write { try await $0.deleteDoneJobs(finishedBefore: later, limit: 2) },
                    try await store.write { try await $0.deleteDoneJobs(finishedBefore: later, limit: 2) },
                    try await store.write { try await $0.deleteDoneJobs(finishedBefore: later, limit: 2) },
                    try await store.write { try await $0.deleteDoneJobs(finishedBefore: later, limit: 2) },
                ]
                #expect(batches == [2, 2, 1, 0])
                let left = try await store.read { db in
                    (try await db.jobs(queue: "done"), try await db.jobs(queue: "dead"), try await db.jobs(queue: "running"),
                     try await db.jobs(queue: "queued"))
                }
                #expect(left.0.isEmpty)
                #expect(left.1.map(\.status) == [.dead])
                #expect(left.2.map(\.status) == [.running])
                #expect(left.3.map(\.status) == [.queued])
                let requeued = try await store.write {
                    try await $0.enqueue(queue: "done", payload: "again", runAt: later, uniqueKey: "done-0", now: later)
                }
                #expect(requeued, "a deleted job's unique key is free again")
            }
        }
    }

    @Test("webhook deliveries settled before the cutoff go, with their payloads; pending and recent ones stay")
    func webhookDeliveries() async throws {
        for configuration in try TestStores.configurationsAlone() {
            try await TestStores.with(configuration) { store in
                let seed = Seed()
                try await seed.write(to: store)
                let now = seed.now
                let endpoint = WebhookEndpoint(
                    id: .random(), organizationID: seed.org.id, url: "https://hooks.example.test", description: "",
                    sealedSecret: "sealed", eventTypes: [], createdBy: seed.owner.id, createdAt: now - 90 * 86400)
                func delivery(_ name: String, at date: Date) -> WebhookDelivery {
                    WebhookDelivery(
                        id: .random(), endpointID: endpoint.id, messageID: name, eventType: "flow.started", payload: "{}",
                        createdAt: date)
                }
                let old = (succeeded: delivery("old succeeded", at: now - 40 * 86400),
                           failed: delivery("old failed", at: now - 40 * 86400),
                           pending: delivery("old pending", at: now - 40 * 86400))
                let recent = delivery("recent failed", at: now - 86400)
                try await store.write { db in
                    try await db.insert(endpoint)
                    for item in [old.succeeded, old.failed, old.pending, recent] { try await db.insert(item) }
                    try await db.recordAttempt(of: old.succeeded.id, status: .succeeded, statusCode: 200, error: nil, at: now - 40 * 86400)
                    try await db.recordAttempt(of: old.failed.id, status: .failed, statusCode: 500, error: "boom", at: now - 39 * 86400)
                    try await db.recordAttempt(of: recent.id, status: .failed, statusCode: 500, error: "boom", at: now - 86400)
                }
                let deleted = try await store.write {
                    try await $0.deleteWebhookDeliveries(settledBefore: now - 30 * 86400, limit: 100)
                }
                #expect(deleted == 2)
                let log = try await store.read { try await $0.webhookDeliveries(of: endpoint.id, limit: 10) }
                #expect(Set(log.map(\.messageID)) == ["old pending", "recent failed"])
            }
        }
    }

    @Test("expired sessions and sign-in links go, live ones stay and still sign in; old rate-limit windows go")
    func signInsAndLimits() async throws {
        for configuration in try TestStores.configurationsAlone() {
            try await TestStores.with(configuration) { store in
                let seed = Seed()
                try await seed.write(to: store)
                let now = seed.now
                try await store.write { db in
                    try await db.insertSession(token: "expired", userID: seed.owner.id, now: now - 7200, expiresAt: now - 60)
                    try await db.insertSession(token: "live", userID: seed.owner.id, now: now - 7200, expiresAt: now + 60)
                    try await db.insertMagicLink(token: "expired", userID: seed.client.id, now: now - 7200, expiresAt: now - 60)
                    try await db.insertMagicLink(token: "live", userID: seed.client.id, now: now - 7200, expiresAt: now + 60)
                    _ = try await db.hit(bucket: "old", window: 900, now: now - 3700)
                    _ = try await db.hit(bucket: "recent", window: 900, now: now - 100)
                }
                let deleted = try await store.write { db in
                    (
                        try await db.deleteExpiredSessions(before: now, limit: 100),
                        try await db.deleteExpiredMagicLinks(before: now, limit: 100),
                        try await db.deleteRateLimitWindows(startedBefore: now - 3600, limit: 100)
                    )
                }
                #expect(deleted == (1, 1, 1))
                let sessions = try await store.read { db in
                    (try await db.user(sessionToken: "live", now: now), try await db.user(sessionToken: "expired", now: now - 120))
                }
                #expect(sessions.0?.id == seed.owner.id)
                #expect(sessions.1 == nil, "the expired session's row is gone")
                let links = try await store.write { db in
                    (try await db.redeemMagicLink(token: "live", now: now), try await db.redeemMagicLink(token: "expired", now: now - 120))
                }
                #expect(links.0?.id == seed.client.id)
                #expect(links.1 == nil, "the expired link's row is gone")
                let limits = try await store.write { db in
                    (try await db.hit(bucket: "recent", window: 900, now: now), try await db.hit(bucket: "old", window: 900, now: now))
                }
                #expect(limits.0.hits == 2, "the recent window still counts")
                #expect(limits.1.hits == 1)
            }
        }
    }
}
