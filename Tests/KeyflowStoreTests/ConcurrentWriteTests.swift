import Foundation
import KeyflowStore
import Synchronization
import Testing

/// Many writes at once (SQLite commits them in groups): each caller gets its own result, a write that throws
/// is undone alone, and reads see every committed write.
@Suite("Concurrent writes")
struct ConcurrentWriteTests {
    struct Refused: Error {}

    static var configurations: [StoreConfiguration] {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-writes-\(UUID()).sqlite")
        return TestStores.configurations + [.sqlite(path: file.path)]
    }

    @Test("200 writes at once: each answered with its own result, every tenth refused and undone alone", arguments: configurations)
    func groupedWrites(configuration: StoreConfiguration) async throws {
        try await TestStores.with(configuration) { store in
            let queue = "q-\(UUID())"
            let now = Date(timeIntervalSince1970: 1_000_000)
            let answers = await withTaskGroup(of: (Int, Result<Int, any Error>).self) { group in
                for index in 0..<200 {
                    group.addTask {
                        do {
                            let value = try await store.write { db in
                                _ = try await db.enqueue(queue: queue, payload: "\(index)", runAt: now, now: now)
                                if index.isMultiple(of: 10) { throw Refused() }
                                return index
                            }
                            return (index, .success(value))
                        } catch {
                            return (index, .failure(error))
                        }
                    }
                }
                return await group.reduce(into: [(Int, Result<Int, any Error>)]()) { $0.append($1) }
            }
            for (index, answer) in answers {
                switch answer {
                case .success(let value):
                    #expect(value == index)
                    #expect(!index.isMultiple(of: 10))
                case .failure(let error):
                    #expect(error is Refused, "write \(index): \(error)")
                    #expect(index.isMultiple(of: 10))
                }
            }
            let stored = try await store.write {
                try await $0.claimJobs(queues: [queue], worker: "w", limit: 1000, lease: 30, now: now)
            }
            #expect(Set(stored.map(\.payload)) == Set((0..<200).filter { !$0.isMultiple(of: 10) }.map(String.init)))
        }
    }

    @Test("on a SQLite file, a write that reads first waits for another process's write instead of failing")
    func anotherProcessWrites() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("keyflow-two-\(UUID()).sqlite").path
        try await TestStores.with(.sqlite(path: path)) { first in
            try await TestStores.with(.sqlite(path: path)) { second in
                let queue = "q-\(UUID())"
                let now = Date(timeIntervalSince1970: 1_000_000)
                let hasRead = Mutex(false)
                let firstWrite = Task {
                    try await first.write { db in
                        _ = try await db.jobs(queue: queue)
                        hasRead.withLock { $0 = true }
                        // The other process tries to write meanwhile.
                        try await Task.sleep(for: .milliseconds(300))
                        try await db.enqueue(queue: queue, payload: "first", runAt: now, now: now)
                    }
                }
                while !hasRead.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(5)) }
                try await second.write { try await $0.enqueue(queue: queue, payload: "second", runAt: now, now: now) }
                try await firstWrite.value
                let payloads = try await first.read { try await $0.jobs(queue: queue) }.map(\.payload)
                #expect(Set(payloads) == ["first", "second"])
            }
        }
    }
}
