struct M0005_CreateJobs: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE jobs (
                id TEXT PRIMARY KEY, queue TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL, max_attempts INTEGER NOT NULL, run_at \(t.real) NOT NULL,
                lease_until \(t.real), locked_by TEXT, last_error TEXT, unique_key TEXT,
                created_at \(t.real) NOT NULL, updated_at \(t.real) NOT NULL)
            """,
            "CREATE INDEX jobs_ready ON jobs (queue, status, run_at)",
            "CREATE UNIQUE INDEX jobs_unique_key ON jobs (unique_key)",
        ]
    }
}
