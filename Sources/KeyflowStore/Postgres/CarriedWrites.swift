import SQLKit
import Synchronization

/// Writes of a PostgreSQL transaction held back to travel with its next write, so that they cost no round
/// trip of their own.
///
/// Every statement is a round trip to PostgreSQL, and a round trip costs the server PostgresNIO's message
/// coding and a socket write and wake-up on each side, whatever the statement does. A change to a flow writes
/// four or five statements whose answers nobody waits for (the flow itself, the attempt closed, its callbacks
/// settled, the job done) before the one whose answer it needs (the events' ids): those travel as the
/// data-modifying `WITH` parts of that one. PostgreSQL runs every data-modifying part of a `WITH` exactly
/// once, whether or not the statement reads it, and all of them see the same snapshot — so a write is carried
/// only into another write, and a read first sends what is held on its own (see `PostgresStatements`).
final class CarriedWrites: Sendable {
    private let held = Mutex<[any SQLExpression]>([])

    func hold(_ write: any SQLExpression) {
        held.withLock { $0.append(write) }
    }

    /// Everything held, which the caller now sends.
    func take() -> [any SQLExpression] {
        held.withLock { writes in
            defer { writes.removeAll(keepingCapacity: true) }
            return writes
        }
    }
}

/// `statement` with `writes` as data-modifying `WITH` parts before it (merged into its own `WITH` list when
/// it has one, since a data-modifying `WITH` may not be nested).
struct CarryingStatement: SQLExpression {
    let writes: [any SQLExpression]
    let statement: any SQLExpression

    func serialize(to serializer: inout SQLSerializer) {
        // The statement is serialized first so its own text can be inspected; its binds keep the first
        // numbers and the carried writes' follow. PostgreSQL does not mind `$3` appearing before `$1`.
        var main = SQLSerializer(database: serializer.database)
        main.binds = serializer.binds
        statement.serialize(to: &main)
        var carried = SQLSerializer(database: serializer.database)
        carried.binds = main.binds
        for (index, write) in writes.enumerated() {
            carried.write(index == 0 ? "" : ", ")
            carried.write("carried_\(index) AS (")
            write.serialize(to: &carried)
            carried.write(")")
        }
        serializer.binds = carried.binds
        let text = main.sql
        for opening in ["WITH RECURSIVE ", "WITH "] where text.hasPrefix(opening) {
            serializer.write(opening + carried.sql + ", " + text.dropFirst(opening.count))
            return
        }
        serializer.write("WITH " + carried.sql + " " + text)
    }
}
