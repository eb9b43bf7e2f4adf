/// Jumio verification bookkeeping beside the flow documents: attempts (looked up by callback token, and by
/// the reconciler), the durable inbox of callbacks, and saved connections.
struct M0007_CreateVerification: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE verification_attempts (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL, flow_id TEXT NOT NULL REFERENCES flows(id),
                action_id TEXT NOT NULL, data_center TEXT NOT NULL, callback_token_hash TEXT NOT NULL,
                account_id TEXT NOT NULL, execution_id TEXT NOT NULL, open INTEGER NOT NULL,
                created_at \(t.real) NOT NULL, next_check_at \(t.real) NOT NULL, check_count INTEGER NOT NULL,
                finished_at \(t.real), purged_at \(t.real))
            """,
            "CREATE UNIQUE INDEX verification_attempts_token ON verification_attempts (callback_token_hash)",
            "CREATE INDEX verification_attempts_due ON verification_attempts (open, next_check_at)",
            "CREATE INDEX verification_attempts_flow ON verification_attempts (flow_id)",
            """
            CREATE TABLE jumio_callbacks (
                id \(t.serialKey), attempt_id TEXT NOT NULL, received_at \(t.real) NOT NULL, remote_address TEXT,
                body TEXT NOT NULL, status_hint TEXT, processed_at \(t.real))
            """,
            "CREATE INDEX jumio_callbacks_attempt ON jumio_callbacks (attempt_id)",
            """
            CREATE TABLE jumio_connections (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), name TEXT NOT NULL,
                data_center TEXT NOT NULL, client_id TEXT NOT NULL, sealed_secret TEXT NOT NULL,
                created_by TEXT NOT NULL, created_at \(t.real) NOT NULL)
            """,
            "CREATE UNIQUE INDEX jumio_connections_name ON jumio_connections (organization_id, name)",
        ]
    }
}
