import Foundation
import Keyflow
import Testing

@testable import KeyflowStore

@Suite("Jumio callbacks in the store")
struct CallbackStoreTests {
    @Test(
        "a batch stores an open attempt's callbacks with one job per news, a decided attempt's as dealt with, and nothing about an attempt that does not exist",
        arguments: TestStores.configurations)
    func batch(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let (open, decided) = (seed.attempt(of: flow), seed.attempt(of: flow))
            try await store.write { db in
                try await db.insertAttempt(open, callbackToken: "open-\(open.id)")
                try await db.insertAttempt(decided, callbackToken: "decided-\(decided.id)")
            }
            try await store.write { try await $0.closeAttempt(decided.id, at: seed.now) }
            let later = seed.now.addingTimeInterval(10)
            let missing = UUID.random()
            let batch = [
                Self.callback(open.id, "PROCESSED", at: later), Self.callback(decided.id, "PROCESSED", at: later),
                Self.callback(missing, "PROCESSED", at: later), Self.callback(open.id, "PROCESSED", at: later),
                Self.callback(open.id, "SESSION_EXPIRED", at: later),
            ]
            let stored = try await Self.store(batch, in: store, at: later)
            #expect(stored.open == [open.id: true, decided.id: false])
            #expect(stored.queued == ["\(open.id):PROCESSED", "\(open.id):SESSION_EXPIRED"])

            let (jobs, openCallbacks, decidedCallbacks, missingCallbacks) = try await store.read { db in
                (
                    // The shared test database holds other tests' jobs too.
                    try await db.jobs(queue: "jumio.verification").filter { job in
                        [open.id, decided.id, missing].contains { job.payload.contains($0.uuidString) }
                    },
                    try await db.callbacks(of: open.id),
                    try await db.callbacks(of: decided.id), try await db.callbacks(of: missing)
                )
            }
            #expect(Set(jobs.map(\.payload)) == ["job \(open.id):PROCESSED", "job \(open.id):SESSION_EXPIRED"])
            #expect(jobs.allSatisfy { $0.runAt == later && $0.status == .queued })
            #expect(openCallbacks.map(\.body) == ["PROCESSED", "PROCESSED", "SESSION_EXPIRED"], "stored in order")
            #expect(openCallbacks.allSatisfy { $0.processedAt == nil && $0.receivedAt == later })
            #expect(decidedCallbacks.map(\.processedAt) == [later], "about a decided attempt: dealt with on arrival")
            #expect(missingCallbacks.isEmpty)

            let again = try await Self.store([Self.callback(open.id, "PROCESSED", at: later)], in: store, at: later)
            #expect(again.open == [open.id: true])
            #expect(again.queued.isEmpty, "the same news is already queued")
            #expect(try await store.read { try await $0.callbacks(of: open.id) }.count == 4)
        }
    }

    @Test("a token's attempt is read once and then known; an unknown token is not remembered", arguments: TestStores.configurations)
    func targetsRemembered(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let attempt = seed.attempt(of: flow)
            // Tokens of this run alone: the shared test database keeps earlier runs' attempts.
            let (known, unknown) = ("known-\(attempt.id)", "unknown-\(attempt.id)")
            try await store.write { try await $0.insertAttempt(attempt, callbackToken: known) }
            let expected = CallbackTarget(attemptID: attempt.id, dataCenter: "US")
            let first = try await store.read { try await $0.callbackTargets(tokens: [known, unknown, known]) }
            #expect(first == [known: expected])
            #expect(store.memory.callbackTargets.count == 1)
            #expect(store.memory.callbackTargets[StoreSession.hash(token: known)] == expected)
            #expect(try await store.read { try await $0.callbackTargets(tokens: [known]) } == [known: expected])
        }
    }

    @Test(
        "every field of a callback and its job is stored as it came: quotes, backslashes, other scripts, a missing sender or status",
        arguments: TestStores.configurationsAndUnprepared)
    func storedAsTheyCame(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let attempt = seed.attempt(of: flow)
            try await store.write { try await $0.insertAttempt(attempt, callbackToken: "fields-\(attempt.id)") }
            let body = #"{"note": "say \"hi\" \\ ok", "name": "Zoë 山田 🙂", "tab": "\t"}"# + "\n'; DROP TABLE jobs; --"
            let key = "\(attempt.id):fields"
            let job = UniqueJob(
                queue: "jumio.verification", payload: "job \(key) \u{1F642} \"quoted\"", runAt: seed.now, uniqueKey: key,
                requestID: "request-\(attempt.id)")
            let batch = [
                NewCallback(attemptID: attempt.id, body: body, statusHint: nil, remoteAddress: nil, job: job),
                NewCallback(attemptID: attempt.id, body: "", statusHint: "PROCESSED", remoteAddress: "2001:db8::1"),
            ]
            let stored = try await Self.store(batch, in: store, at: seed.now)
            #expect(stored.queued == [key])
            let (callbacks, jobs) = try await store.read { db in
                (try await db.callbacks(of: attempt.id), try await db.jobs(queue: "jumio.verification").filter { $0.payload.contains(key) })
            }
            #expect(callbacks.map(\.body) == [body, ""])
            #expect(callbacks.map(\.statusHint) == [nil, "PROCESSED"])
            #expect(callbacks.map(\.remoteAddress) == [nil, "2001:db8::1"])
            #expect(jobs.map(\.payload) == [job.payload])
            #expect(jobs.map(\.requestID) == [job.requestID])
            #expect(jobs.map(\.maxAttempts) == [job.maxAttempts])
            #expect(jobs.map(\.runAt) == [seed.now])
        }
    }

    /// A callback whose body is its news, with the job it would queue.
    private static func callback(_ attemptID: UUID, _ news: String, at now: Date) -> NewCallback {
        let key = "\(attemptID):\(news)"
        return NewCallback(
            attemptID: attemptID, body: news, statusHint: news, remoteAddress: "34.202.241.227",
            job: UniqueJob(queue: "jumio.verification", payload: "job \(key)", runAt: now, uniqueKey: key, requestID: nil))
    }

    /// As the callback inbox stores a batch: the unit's last write, which on PostgreSQL commits itself.
    private static func store(_ batch: [NewCallback], in store: Store, at now: Date) async throws -> StoredCallbacks {
        try await store.writeOptimistically { db in try await db.lastWrite { try await $0.storeCallbacks(batch, at: now) } }
    }
}
