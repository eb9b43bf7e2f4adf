import Foundation
import Keyflow
import KeyflowStore
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
}
