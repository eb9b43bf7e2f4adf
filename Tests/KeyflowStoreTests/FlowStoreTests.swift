import Foundation
import Keyflow
import KeyflowStore
import Testing

@Suite("Flows and their timeline in the store")
struct FlowStoreTests {
    @Test("a flow and its events commit together and read back", arguments: TestStores.configurations)
    func roundTrip(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let (flow, events) = try seed.flow()
            try await store.write { db async throws in
                try await db.insert(flow, at: seed.now)
                _ = try await db.append(events, to: flow.id)
            }
            let stored = try await store.read { try await $0.flow(flow.id) }
            #expect(stored?.flow == flow)
            #expect(stored?.version == 1)
            let timeline = try await store.read { try await $0.timeline(of: flow.id) }
            #expect(timeline.map(\.event) == events)
            #expect(try await store.read { try await $0.flowForChange(.action(flow.actions[1].id)) }?.stored.flow == flow)
            #expect(try await store.read { try await $0.flowForChange(.action(UUID())) } == nil)
        }
    }

    @Test("an event's data reads back as written, whatever its names and values hold", arguments: TestStores.configurations)
    func eventData(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let (flow, _) = try seed.flow()
            let data = [
                "reason": "plain", #"a "quoted" name"#: "back\\slash, tab\t and\nnew line", "Grüße": "日本 🎉", "": "",
                "control": "\u{01}\u{1F}",
            ]
            let event = FlowEvent(kind: .message, actorID: seed.owner.id, text: "Hello", data: data, at: seed.now)
            try await store.write { db async throws in
                try await db.insert(flow, at: seed.now)
                _ = try await db.append([event, FlowEvent(kind: .message, text: "no data", at: seed.now)], to: flow.id)
            }
            let timeline = try await store.read { try await $0.timeline(of: flow.id) }
            #expect(timeline.map(\.event.data) == [data, [:]])
        }
    }

    @Test("an attempt reads back with its flow; closing it marks every callback about it processed", arguments: TestStores.configurations)
    func attemptWithFlow(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let (flow, _) = try seed.flow()
            let attempt = seed.attempt(of: flow, dataCenter: "SANDBOX")
            try await store.write { db in
                try await db.insert(flow, at: seed.now)
                try await db.insertAttempt(attempt, callbackToken: "token-\(attempt.id)")
                _ = try await db.storeCallbacks(
                    (0..<2).map { _ in NewCallback(attemptID: attempt.id, body: "{}", statusHint: "PROCESSED", remoteAddress: nil) },
                    at: seed.now)
            }
            let read = try await store.read { try await $0.attemptWithFlow(attempt.id) }
            #expect(read?.attempt == attempt)
            #expect(read?.flow?.stored.flow == flow)
            #expect(read?.flow?.organization == seed.org)
            #expect(Set(read?.flow?.members.map(\.id) ?? []) == [seed.owner.id, seed.client.id])
            #expect(try await store.read { try await $0.attemptWithFlow(UUID.random()) } == nil)
            try await store.write { try await $0.closeAttempt(attempt.id, at: seed.now.addingTimeInterval(5)) }
            let closed = try await store.read { try await $0.attemptWithFlow(attempt.id) }
            #expect(closed?.attempt.open == false)
            #expect(closed?.attempt.finishedAt == seed.now.addingTimeInterval(5))
            let callbacks = try await store.read { try await $0.callbacks(of: attempt.id) }
            #expect(callbacks.count == 2)
            #expect(callbacks.allSatisfy { $0.processedAt == seed.now.addingTimeInterval(5) })
        }
    }

    @Test("a batch of attempts reads back in one statement, each with its own flow; an unknown id is left out", arguments: TestStores.configurations)
    func attemptsWithFlows(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let first = try await seed.storedFlow(in: store)
            let (second, _) = try seed.flow()
            let attempts = [seed.attempt(of: first), seed.attempt(of: second), seed.attempt(of: first)]
            try await store.write { db in
                try await db.insert(second, at: seed.now)
                for attempt in attempts { try await db.insertAttempt(attempt, callbackToken: "token-\(attempt.id)") }
            }
            let unknown = UUID.random()
            let read = try await store.read { try await $0.attemptsWithFlows(attempts.map(\.id) + [unknown]) }
            #expect(Set(read.keys) == Set(attempts.map(\.id)))
            for attempt in attempts {
                #expect(read[attempt.id]?.attempt == attempt)
                #expect(read[attempt.id]?.flow?.stored.flow.id == attempt.flowID)
            }
            #expect(read[attempts[1].id]?.flow?.stored.flow == second)
        }
    }

    @Test(
        "a flow read for a change brings its organization, its members as users, and whether the organization has live webhook endpoints",
        arguments: TestStores.configurations)
    func flowForChangeKnowsWebhooks(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let hasEndpoints = { try await store.write { try await $0.flowForChange(.flow(flow.id))?.hasWebhookEndpoints } }
            #expect(try await hasEndpoints() == false)
            let endpoint = WebhookEndpoint(
                id: UUID.random(), organizationID: seed.org.id, url: "https://hooks.example/in", description: "",
                sealedSecret: "sealed", eventTypes: [], createdBy: seed.owner.id, createdAt: seed.now)
            try await store.write { try await $0.insert(endpoint) }
            #expect(try await hasEndpoints() == true)
            let read = try await store.write { try await $0.flowForChange(.flow(flow.id)) }
            #expect(read?.stored.flow == flow)
            #expect(read?.organization?.timeZone == seed.org.timeZone)
            let users = try await store.read { try await $0.users([seed.owner.id, seed.client.id]) }
            #expect(read?.members.sorted { $0.name < $1.name } == users.sorted { $0.name < $1.name })
            #expect(read?.members.map(\.name).sorted() == ["Carla", "Olga"])
            try await store.write { try await $0.deleteWebhookEndpoint(endpoint.id, at: seed.now) }
            #expect(try await hasEndpoints() == false)
        }
    }

    @Test("a failed transaction leaves neither the change nor its events", arguments: TestStores.configurations)
    func atomicity(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let (flow, events) = try seed.flow()
            struct Boom: Error {}
            await #expect(throws: Boom.self) {
                try await store.write { db async throws in
                    try await db.insert(flow, at: seed.now)
                    _ = try await db.append(events, to: flow.id)
                    throw Boom()
                }
            }
            #expect(try await store.read { try await $0.flow(flow.id) } == nil)
            #expect(try await store.read { try await $0.timeline(of: flow.id) }.isEmpty)
        }
    }

    @Test(
        "the events of several flows' changes go in one statement and come back by flow, each flow's in order",
        arguments: TestStores.configurations)
    func appendForSeveralFlows(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let first = try await seed.storedFlow(in: store)
            let (second, _) = try seed.flow()
            try await store.write { try await $0.insert(second, at: seed.now) }
            let said = { (text: String) in FlowEvent(kind: .message, text: text, at: seed.now) }
            let changes = [(first.id, [said("one"), said("two")]), (second.id, [said("three")]), (UUID.random(), [])]
            let stored = try await store.write { try await $0.append(changes) }
            #expect(Set(stored.keys) == [first.id, second.id])
            #expect(stored[first.id]?.map(\.event.text) == ["one", "two"])
            #expect(stored[second.id]?.map(\.event.text) == ["three"])
            let timelines = try await store.read { db in
                (try await db.timeline(of: first.id), try await db.timeline(of: second.id))
            }
            #expect(timelines.0.suffix(2) == stored[first.id].map { $0[...] })
            #expect(timelines.1.suffix(1) == stored[second.id].map { $0[...] })
        }
    }

    @Test("a stale version is refused instead of overwriting a newer save", arguments: TestStores.configurations)
    func optimisticLock(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let first = try #require(try await store.read { try await $0.flow(flow.id) })
            var changed = first.flow
            _ = try changed.complete(changed.actions[0].id, by: Actor(seed.client), context: seed.context)
            let saved = changed
            try await store.write { try await $0.update(saved, from: first, at: seed.now) }
            await #expect(throws: StoreError.concurrentUpdate(entity: "flow", id: flow.id.uuidString)) {
                try await store.write { try await $0.update(saved, from: first, at: seed.now) }
            }
            #expect(try await store.read { try await $0.flow(flow.id) }?.version == 2)
        }
    }

    @Test(
        "a flow read for a change outside a transaction is saved with its version checked",
        arguments: TestStores.configurations)
    func readForChangeOutsideTransaction(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            let flow = try await seed.storedFlow(in: store)
            let stale = try #require(try await store.read { try await $0.flowForChange(.flow(flow.id)) }?.stored)
            var changed = stale.flow
            _ = try changed.complete(changed.actions[0].id, by: Actor(seed.client), context: seed.context)
            let saved = changed
            try await store.write { try await $0.update(saved, from: stale, at: seed.now) }
            await #expect(throws: StoreError.concurrentUpdate(entity: "flow", id: flow.id.uuidString)) {
                try await store.write { try await $0.update(saved, from: stale, at: seed.now) }
            }
            #expect(try await store.read { try await $0.flow(flow.id) }?.version == 2)
        }
    }

    /// Two stores on one database stand for two instances (or a restart): reads are served from decoded
    /// documents only while the stored text is the same.
    static var sharedConfigurations: [StoreConfiguration] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-shared-\(UUID()).sqlite")
        return [.sqlite(path: file.path)] + TestStores.configurations.filter { $0.engine == .postgres }
    }

    @Test("a flow read again shows what another instance saved, and never a rolled-back change", arguments: sharedConfigurations)
    func readsFollowTheDatabase(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { here in
            try await TestStores.with(configuration) { elsewhere in
                let seed = Seed()
                try await seed.write(to: here)
                let (flow, _) = try seed.flow()
                try await here.write { try await $0.insert(flow, at: seed.now) }
                let first = try #require(try await here.read { try await $0.flow(flow.id) })

                // when another instance completes the first action
                var changed = try #require(try await elsewhere.read { try await $0.flow(flow.id) })
                _ = try changed.flow.complete(flow.actions[0].id, by: Actor(seed.client), context: seed.context)
                let (saved, base) = (changed.flow, changed)
                try await elsewhere.write { try await $0.update(saved, from: base, at: seed.now) }

                // then this one reads the new state
                let again = try #require(try await here.read { try await $0.flow(flow.id) })
                #expect(again.flow == saved && again.flow != first.flow && again.version == 2)

                // and a change that was read inside its transaction and then rolled back is not shown
                struct Abandoned: Error {}
                await #expect(throws: Abandoned.self) {
                    try await here.write { db in
                        var doomed = again.flow
                        doomed.name = "Doomed"
                        try await db.update(doomed, from: again, at: seed.now)
                        #expect(try await db.flow(flow.id)?.flow.name == "Doomed")
                        throw Abandoned()
                    }
                }
                #expect(try await here.read { try await $0.flow(flow.id) }?.flow == saved)
            }
        }
    }

    @Test("clients list only their flows; internal users their organization's", arguments: TestStores.configurations)
    func visibility(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let other = User(organizationID: seed.org.id, email: "x-\(UUID())@example.test", name: "X", role: .client)
            try await store.write { try await $0.insert(other, passwordHash: nil, at: seed.now) }
            let (flow, _) = try seed.flow()
            try await store.write { try await $0.insert(flow, at: seed.now) }
            #expect(try await store.read { try await $0.flows(visibleTo: Actor(seed.client)) }.map(\.flow.id) == [flow.id])
            #expect(try await store.read { try await $0.flows(visibleTo: Actor(other)) }.isEmpty)
            #expect(try await store.read { try await $0.flows(visibleTo: Actor(seed.owner)) }.map(\.flow.id) == [flow.id])
        }
    }

    @Test("the timeline resumes after a given event", arguments: TestStores.configurations)
    func resume(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let (flow, events) = try seed.flow()
            let stored = try await store.write { db async throws in
                try await db.insert(flow, at: seed.now)
                return try await db.append(events, to: flow.id)
            }
            let rest = try await store.read { try await $0.timeline(of: flow.id, after: stored[0].id) }
            #expect(rest.map(\.id) == Array(stored.dropFirst()).map(\.id))
        }
    }

    @Test("attachments keep their bytes and facts", arguments: TestStores.configurations)
    func attachments(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let seed = Seed()
            try await seed.write(to: store)
            let bytes = Data("%PDF-1.4 hello".utf8)
            let info = try await store.write {
                try await $0.insertAttachment(
                    id: UUID(), organizationID: seed.org.id, uploadedBy: seed.owner.id, name: "terms.pdf",
                    contentType: "application/pdf", data: bytes, now: seed.now)
            }
            #expect(try await store.read { try await $0.attachmentInfo(info.id) } == info)
            #expect(try await store.read { try await $0.attachmentData(info.id) } == bytes)
            #expect(info.size == bytes.count)
        }
    }
}
