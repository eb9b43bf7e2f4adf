/// When each flow's next reminder falls due (so the reminder worker finds them without reading documents),
/// and named leases that let one instance of a cluster do a periodic job at a time.
struct M0011_AddRemindersAndLeases: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            "ALTER TABLE flows ADD COLUMN next_reminder_at \(t.real)",
            "CREATE INDEX flows_next_reminder ON flows (next_reminder_at)",
            "CREATE TABLE leases (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until \(t.real) NOT NULL)",
        ]
    }
}
