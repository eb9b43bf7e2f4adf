struct M0004_CreateTimeline: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE timeline_events (
                id \(t.serialKey), flow_id TEXT NOT NULL REFERENCES flows(id), kind TEXT NOT NULL,
                action_id TEXT, actor_id TEXT, text TEXT NOT NULL, data TEXT NOT NULL, created_at \(t.real) NOT NULL)
            """,
            "CREATE INDEX timeline_events_flow ON timeline_events (flow_id, id)",
        ]
    }
}
