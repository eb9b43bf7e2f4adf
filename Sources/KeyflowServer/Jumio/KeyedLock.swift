import Foundation

/// Runs work for one key at a time (per action), so two clicks on *Start Verification* in this process
/// cannot both create a Jumio account.
actor KeyedLock {
    private var waiting: [UUID: [CheckedContinuation<Void, Never>]] = [:]
    private var held: Set<UUID> = []

    func run<T: Sendable>(_ key: UUID, _ body: @Sendable () async throws -> T) async throws -> T {
        if held.contains(key) {
            await withCheckedContinuation { waiting[key, default: []].append($0) }
        } else {
            held.insert(key)
        }
        defer { release(key) }
        return try await body()
    }

    private func release(_ key: UUID) {
        if var queue = waiting[key], !queue.isEmpty {
            let next = queue.removeFirst()
            waiting[key] = queue.isEmpty ? nil : queue
            next.resume()
        } else {
            held.remove(key)
        }
    }
}
