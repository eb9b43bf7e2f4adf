import Synchronization

/// The connections reads run on, taken in turn. In WAL mode a reader never waits for the writer, and a read
/// runs inline on its task, so one connection per thread that can run tasks is enough.
final class SQLiteReaders: Sendable {
    /// Each connection keeps a page cache of its own (2 MiB); past a few, more cores only wait a moment longer.
    static let maximum = 8

    private let handles: [SQLiteHandle]
    private let turn = Atomic<Int>(0)

    init(path: String, count: Int) throws {
        handles = try (0..<max(1, count)).map { _ in try SQLiteHandle(path: path, queryOnly: true) }
    }

    func next() -> SQLiteHandle {
        let turn = turn.wrappingAdd(1, ordering: .relaxed).newValue
        return handles[Int(UInt(bitPattern: turn) % UInt(handles.count))]
    }

    func close() {
        for handle in handles { handle.close() }
    }
}
