/// The reconciler looks for open attempts whose next check is due, and `verification_attempts_due` (open,
/// next_check_at) held every attempt ever made to answer it: it grew with the history, and closing an attempt
/// wrote it a new entry (on PostgreSQL, one of the four index insertions of every verification's close). An
/// index of the open attempts alone stays the size of the work in flight, and a close only leaves it. The
/// retention service's look for closed attempts to purge (hourly by default) scans the table instead, as it
/// in effect did through the closed part of the old index, which was not in the order it wants.
struct M0022_IndexOnlyOpenAttempts: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            "CREATE INDEX verification_attempts_open_due ON verification_attempts (next_check_at) WHERE open = 1",
            "DROP INDEX verification_attempts_due",
        ]
    }
}
