/// Every change rewrites its flow's row, and every callback's row is written again once it is processed. An
/// update that finds room on its row's page and changes no indexed column is a heap-only tuple (HOT): no new
/// entries in the table's indexes. With pages filled to the brim, 42 % of the flows' updates and 29 % of the
/// callbacks' in the benchmark found no room and went to another page, adding an entry to each index.
/// Leaving room (`fillfactor`) on the pages new rows go to keeps those updates on the page. PostgreSQL only:
/// SQLite rewrites a row in place.
struct M0020_LeaveRoomForFlowUpdates: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        guard t.postgres else { return [] }
        return [
            "ALTER TABLE flows SET (fillfactor = 70)",
            "ALTER TABLE jumio_callbacks SET (fillfactor = 80)",
        ]
    }
}
