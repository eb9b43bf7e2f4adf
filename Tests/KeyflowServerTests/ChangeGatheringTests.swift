import Foundation
import Keyflow
import KeyflowStore
import Logging
import Testing

@testable import KeyflowServer

@Suite("Verification results of a batch written together", .timeLimit(.minutes(10)))
struct ChangeGatheringTests {
    /// Flows whose Jumio verification has started, each with its open attempt, as a batch's jobs read them.
    struct Started {
        var server: TestServer
        var attempts: [UUID]
    }

    static func started(_ kind: TestServer.StoreKind, flows count: Int) async throws -> Started {
        let server = try await TestServer.make(kind)
        let attempts = try await server.run(.live) { client in
            let admin = try await API(client: client).signedIn(server.admin.email, server.admin.password)
            var attempts: [UUID] = []
            for _ in 0..<count {
                let (clientID, client) = try await admin.addClient()
                let flow = try await admin.jumioFlow(clientID: clientID)
                attempts.append(try #require(UUID(uuidString: try await client.startVerification(flow.actionID).attemptID)))
            }
            return attempts
        }
        return Started(server: server, attempts: attempts)
    }

    /// Runs `body` with the server's flows and the batch's attempts read with their flows.
    static func with<T: Sendable>(
        _ started: Started,
        _ body: @Sendable (FlowService, Store, [(attempt: AttemptRecord, flow: FlowForChange)]) async throws -> T
    ) async throws -> T {
        try await started.server.withStore { store in
            let components = try Components(
                started.server.configuration, store: store, dependencies: Dependencies(), logger: Logger(label: "test.gathering"))
            let reads = try await store.read { try await $0.attemptsWithFlows(started.attempts) }
            let batch = try started.attempts.map { id in
                let read = try #require(reads[id])
                return (read.attempt, try #require(read.flow))
            }
            return try await body(components.flows, store, batch)
        }
    }

    /// A result that says so on the flow's timeline.
    static func change(_ read: (attempt: AttemptRecord, flow: FlowForChange), saying text: String) -> FlowService.PendingChange {
        FlowService.PendingChange(readBefore: read.flow, attemptID: read.attempt.id, completion: nil) { _, context in
            [FlowEvent(kind: .message, text: text, at: context.now)]
        }
    }

    /// Whether each attempt is still open, and what its flow's timeline says last.
    static func state(_ store: Store, _ batch: [(attempt: AttemptRecord, flow: FlowForChange)]) async throws
        -> [(open: Bool?, said: String?)]
    {
        try await store.read { db in
            var state: [(open: Bool?, said: String?)] = []
            for read in batch {
                state.append(
                    (
                        try await db.attemptWithFlow(read.attempt.id)?.attempt.open,
                        try await db.timeline(of: read.attempt.flowID).last?.event.text
                    ))
            }
            return state
        }
    }

    @Test(
        "once every job has offered its result or left, the results are written in one unit; a second result for a flow is left to be written alone",
        arguments: TestServer.stores)
    func together(store kind: TestServer.StoreKind) async throws {
        let started = try await Self.started(kind, flows: 3)
        try await Self.with(started) { flows, store, batch in
            let gathering = ChangeGathering(jobs: 4, flows: flows, patience: .seconds(60), logger: Logger(label: "test"))
            let first = Task { await gathering.offer(Self.change(batch[0], saying: "first")) }
            let second = Task { await gathering.offer(Self.change(batch[1], saying: "second")) }
            try await Task.sleep(for: .milliseconds(100))
            #expect(await gathering.offer(Self.change(batch[0], saying: "first again")) == false, "the flow's result is already offered")
            #expect(try await Self.state(store, batch).map(\.open) == [true, true, true], "nothing is written while a job may still offer")
            gathering.leave()
            #expect(await [first.value, second.value] == [true, true])
            let state = try await Self.state(store, batch)
            #expect(state.map(\.open) == [false, false, true])
            #expect(state.prefix(2).map(\.said) == ["first", "second"])
            #expect(await gathering.offer(Self.change(batch[2], saying: "late")) == false, "written already: the late one goes alone")
            #expect(try await Self.state(store, batch)[2].open == true)
        }
    }

    @Test("a result for a flow whose organization has webhook endpoints is left to be written alone, where its deliveries are written", arguments: TestServer.stores)
    func webhookEndpoints(store kind: TestServer.StoreKind) async throws {
        let started = try await Self.started(kind, flows: 3)
        try await Self.with(started) { flows, store, batch in
            var delivering = batch[2]
            delivering.flow.hasWebhookEndpoints = true
            let gathering = ChangeGathering(jobs: 3, flows: flows, patience: .seconds(60), logger: Logger(label: "test"))
            let first = Task { await gathering.offer(Self.change(batch[0], saying: "first")) }
            let second = Task { await gathering.offer(Self.change(batch[1], saying: "second")) }
            let alone = await gathering.offer(Self.change(delivering, saying: "alone"))
            let written = await [first.value, second.value]
            let state = try await Self.state(store, batch)
            #expect(alone == false)
            #expect(written == [true, true])
            #expect(state.map(\.open) == [false, false, true])
        }
    }

    @Test("a job that never answers holds up the others no longer than the gathering's patience", arguments: TestServer.stores)
    func patience(store kind: TestServer.StoreKind) async throws {
        let started = try await Self.started(kind, flows: 2)
        try await Self.with(started) { flows, store, batch in
            let gathering = ChangeGathering(jobs: 3, flows: flows, patience: .milliseconds(200), logger: Logger(label: "test"))
            async let first = gathering.offer(Self.change(batch[0], saying: "first"))
            async let second = gathering.offer(Self.change(batch[1], saying: "second"))
            let written = await [first, second]
            let said = try await Self.state(store, batch).map(\.said)
            #expect(written == [true, true])
            #expect(said == ["first", "second"])
        }
    }

    @Test("when one flow was saved since it was read, none of the batch is written and each is left to be written alone", arguments: TestServer.stores)
    func savedMeanwhile(store kind: TestServer.StoreKind) async throws {
        let started = try await Self.started(kind, flows: 2)
        try await Self.with(started) { flows, store, batch in
            _ = try await flows.change(.flow(batch[1].attempt.flowID), visibleTo: nil, alsoWrite: { _, _ in }) { _, context, _ in
                [FlowEvent(kind: .message, text: "meanwhile", at: context.now)]
            }
            let gathering = ChangeGathering(jobs: 2, flows: flows, patience: .seconds(60), logger: Logger(label: "test"))
            async let first = gathering.offer(Self.change(batch[0], saying: "first"))
            async let second = gathering.offer(Self.change(batch[1], saying: "second"))
            let written = await [first, second]
            let state = try await Self.state(store, batch)
            #expect(written == [false, false])
            #expect(state.map(\.open) == [true, true])
            #expect(state[0].said != "first")
            #expect(state[1].said == "meanwhile")
        }
    }
}
