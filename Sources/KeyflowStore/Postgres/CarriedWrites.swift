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
    /// Where a unit of work stands with its transaction.
    enum Phase: Sendable, Equatable {
        /// `BEGIN` has been sent.
        case begun
        /// Nothing has been written yet and no `BEGIN` sent: reads run on their own, and a transaction begins
        /// only when something must be sent before the unit's last write (see `Store.writeOptimistically`).
        case notBegun
        /// As `notBegun`, and the next write is the unit's last: it goes with everything held as one statement,
        /// which commits itself.
        case lastWriteNext
        /// That last write has been sent; the unit is over.
        case ended
    }

    private struct State {
        var phase: Phase
        var held: [any SQLExpression] = []
    }

    private let state: Mutex<State>

    init(_ phase: Phase) {
        state = Mutex(State(phase: phase))
    }

    var phase: Phase {
        get { state.withLock { $0.phase } }
        set { state.withLock { $0.phase = newValue } }
    }

    var holdsWrites: Bool { state.withLock { !$0.held.isEmpty } }

    func hold(_ write: any SQLExpression) {
        state.withLock { $0.held.append(write) }
    }

    /// Everything held, which the caller now sends.
    func take() -> [any SQLExpression] {
        state.withLock { state in
            defer { state.held.removeAll(keepingCapacity: true) }
            return state.held
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
