import Foundation
import Keyflow
import KeyflowStore
import Logging
import PostgresNIO
import Synchronization
import Testing

@Suite(
    "Notices between instances on one PostgreSQL",
    .enabled(if: TestStores.configurations.contains { $0.engine == .postgres }, "needs PostgreSQL"))
struct TimelineNoticeTests {
    @Test("an instance hears the events another commits, with their ids, and never its own")
    func othersOnly() async throws {
        let configuration = try #require(TestStores.configurations.first { $0.engine == .postgres })
        try await TestStores.with(configuration) { here in
            try await TestStores.with(configuration) { elsewhere in
                let seed = Seed()
                try await seed.write(to: here)
                let (flow, _) = try seed.flow()
                try await here.write { try await $0.insert(flow, at: seed.now) }
                let heard = Mutex<[TimelineNotice]>([])
                let (connected, listening) = AsyncStream<Void>.makeStream()
                let follower = Task {
                    await here.followOtherInstances(onConnected: { listening.yield() }) { notice in
                        // Tests running beside this one notify on the same database about flows of their own.
                        if notice.flowID == flow.id { heard.withLock { $0.append(notice) } }
                    }
                }
                defer { follower.cancel() }
                for await _ in connected { break }

                func message(_ text: String, from store: Store) async throws -> [StoredEvent] {
                    try await store.write { try await $0.append([FlowEvent(kind: .message, text: text, at: seed.now)], to: flow.id) }
                }
                _ = try await message("said here", from: here)
                let theirs = try await message("said elsewhere", from: elsewhere)
                _ = try await message("said here again", from: here)
                let last = try await message("said elsewhere again", from: elsewhere)

                // Notices arrive in commit order, so by the time two have been heard every earlier one,
                // this instance's own included, has been handled: no extra wait is needed to see one slip in.
                let deadline = ContinuousClock.now + .seconds(10)
                while heard.withLock({ $0.count }) < 2, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
                let notices = heard.withLock { $0 }
                #expect(notices.map(\.origin) == [elsewhere.instanceID, elsewhere.instanceID])
                #expect(notices.map(\.firstID) == [theirs[0].id, last[0].id])
                #expect(notices.map(\.lastID) == [theirs[0].id, last[0].id])
            }
        }
    }

    @Test("events of several flows written in one statement reach another instance as a notice per flow, with its ids")
    func severalFlowsInOneStatement() async throws {
        let configuration = try #require(TestStores.configurations.first { $0.engine == .postgres })
        try await TestStores.with(configuration) { here in
            try await TestStores.with(configuration) { elsewhere in
                let seed = Seed()
                let first = try await seed.storedFlow(in: here)
                let (second, _) = try seed.flow()
                try await here.write { try await $0.insert(second, at: seed.now) }
                let heard = Mutex<[TimelineNotice]>([])
                let (connected, listening) = AsyncStream<Void>.makeStream()
                let follower = Task {
                    await here.followOtherInstances(onConnected: { listening.yield() }) { notice in
                        if [first.id, second.id].contains(notice.flowID) { heard.withLock { $0.append(notice) } }
                    }
                }
                defer { follower.cancel() }
                for await _ in connected { break }

                let said = { (text: String) in FlowEvent(kind: .message, text: text, at: seed.now) }
                let changes = [(first.id, [said("one"), said("two")]), (second.id, [said("three")])]
                let stored = try await elsewhere.write { try await $0.append(changes) }
                try await Self.waitUntil { heard.withLock { $0.count } == 2 }
                let notices = heard.withLock { $0 }.sorted { $0.firstID < $1.firstID }
                #expect(notices.map(\.origin) == [elsewhere.instanceID, elsewhere.instanceID])
                #expect(notices.map(\.flowID) == [first.id, second.id])
                #expect(notices.map(\.firstID) == [stored[first.id]?.first?.id, stored[second.id]?.first?.id])
                #expect(notices.map(\.lastID) == [stored[first.id]?.last?.id, stored[second.id]?.last?.id])
            }
        }
    }

    @Test("an instance alone on its database announces nothing, and announces as soon as another one listens")
    func aloneUntilAnotherListens() async throws {
        let configuration = try #require(try TestStores.postgresAlone())
        try await TestStores.with(configuration) { here in
            #expect(here.announcesEvents, "without a listening connection nothing is known: announce")
            // Checks far apart: only the newcomer's word can tell this instance that it listens now.
            let hereFollows = Task { await here.followOtherInstances(presenceCheck: .seconds(60)) { _ in } }
            defer { hereFollows.cancel() }
            try await Self.waitUntil { !here.announcesEvents }
            // A bare listener that says nothing of itself hears what goes on the channel meanwhile.
            let bare = try await BareListener.open(configuration)
            defer { Task { try? await bare.connection.close() } }
            let seed = Seed()
            let flow = try await seed.storedFlow(in: here)
            _ = try await here.write {
                try await $0.append([FlowEvent(kind: .message, text: "nobody there", at: seed.now)], to: flow.id)
            }

            try await TestStores.with(configuration) { elsewhere in
                let heard = Mutex<[TimelineNotice]>([])
                let (connected, listening) = AsyncStream<Void>.makeStream()
                let elsewhereFollows = Task {
                    await elsewhere.followOtherInstances(onConnected: { listening.yield() }) { notice in
                        heard.withLock { $0.append(notice) }
                    }
                }
                defer { elsewhereFollows.cancel() }
                for await _ in connected { break }
                try await Self.waitUntil { here.announcesEvents }
                let said = try await here.write {
                    try await $0.append([FlowEvent(kind: .message, text: "anyone there?", at: seed.now)], to: flow.id)
                }
                try await Self.waitUntil { !heard.withLock { $0.isEmpty } }
                #expect(heard.withLock { $0 }.map(\.firstID) == [said[0].id])
                try await Self.waitUntil { !bare.heard.withLock { $0.isEmpty } }
                #expect(bare.heard.withLock { $0 } == [said[0].id], "the change made alone went without a notice")
            }
        }
    }

    @Test("an instance stops announcing once the other instances have left the database")
    func aloneAgain() async throws {
        let configuration = try #require(try TestStores.postgresAlone())
        try await TestStores.with(configuration) { here in
            let hereFollows = Task { await here.followOtherInstances(presenceCheck: .milliseconds(50)) { _ in } }
            defer { hereFollows.cancel() }
            try await TestStores.with(configuration) { elsewhere in
                // Any statement opens one of its pool's connections: a session of another instance's.
                _ = try await elsewhere.read { try await $0.users([UUID.random()]) }
                try await Self.waitUntil { here.announcesEvents }
            }
            try await Self.waitUntil { !here.announcesEvents }
        }
    }

    /// Waits up to ten seconds for `condition`, failing the test if it never holds.
    static func waitUntil(_ condition: () -> Bool, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while !condition(), ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
        #expect(condition(), sourceLocation: sourceLocation)
    }
}

/// A connection of no instance's, listening on the timeline's channel: the first event id of each notice it hears.
final class BareListener: Sendable {
    let connection: PostgresConnection
    let heard = Mutex<[Int64]>([])

    private init(_ connection: PostgresConnection) {
        self.connection = connection
    }

    static func open(_ configuration: StoreConfiguration) async throws -> BareListener {
        guard case .postgres(let url, _, _) = configuration, let parts = URLComponents(string: url) else {
            throw StoreError.invalidConfiguration("not PostgreSQL")
        }
        let logger = Logger(label: "test.bare-listener")
        let listener = BareListener(
            try await PostgresConnection.connect(
                configuration: .init(
                    host: parts.host ?? "127.0.0.1", port: parts.port ?? 5432, username: parts.user ?? "postgres",
                    password: parts.password, database: String(parts.path.dropFirst()), tls: .disable),
                id: 7, logger: logger))
        listener.connection.addListener(channel: "keyflow_timeline") { _, notification in
            if let first = notification.payload.split(separator: " ").dropFirst(2).first.flatMap({ Int64($0) }) {
                listener.heard.withLock { $0.append(first) }
            }
        }
        for try await _ in try await listener.connection.query("SELECT 1", logger: logger) {}
        return listener
    }
}
