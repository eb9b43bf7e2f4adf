/// The audit log of security-relevant acts, and the counters behind rate limits (shared by every instance).
struct M0010_CreateAuditAndRateLimits: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE audit_events (
                id \(t.serialKey), organization_id TEXT NOT NULL, actor_id TEXT, kind TEXT NOT NULL,
                subject TEXT, details TEXT NOT NULL, remote_address TEXT, request_id TEXT, created_at \(t.real) NOT NULL)
            """,
            "CREATE INDEX audit_events_organization ON audit_events (organization_id, id)",
            """
            CREATE TABLE rate_limits (
                bucket TEXT PRIMARY KEY, window_start \(t.real) NOT NULL, hits INTEGER NOT NULL)
            """,
        ]
    }
}
