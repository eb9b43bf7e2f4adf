/// A callback's row is written once: when it was dealt with now follows from its attempt (`callbacks(of:)`)
/// instead of being written on every callback when the attempt is decided, so the room M0020 left on the
/// callbacks' pages for that update would stay empty. `processed_at` stays, unwritten, for instances of an
/// older version that still write it during an upgrade. PostgreSQL only, as M0020.
struct M0021_FillCallbackPages: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        guard t.postgres else { return [] }
        return ["ALTER TABLE jumio_callbacks SET (fillfactor = 100)"]
    }
}
