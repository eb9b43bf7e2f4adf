import Foundation
import KeyflowStore
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
}
