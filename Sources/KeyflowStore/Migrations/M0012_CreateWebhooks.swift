/// Outbound webhooks: the endpoints an organization registers and every delivery made to them.
struct M0012_CreateWebhooks: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE webhook_endpoints (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id), url TEXT NOT NULL,
                description TEXT NOT NULL, sealed_secret TEXT NOT NULL, event_types TEXT NOT NULL,
                created_by TEXT NOT NULL, created_at \(t.real) NOT NULL, deleted_at \(t.real))
            """,
            "CREATE INDEX webhook_endpoints_organization ON webhook_endpoints (organization_id)",
            """
            CREATE TABLE webhook_deliveries (
                id TEXT PRIMARY KEY, endpoint_id TEXT NOT NULL REFERENCES webhook_endpoints(id),
                message_id TEXT NOT NULL, event_type TEXT NOT NULL, payload TEXT NOT NULL, status TEXT NOT NULL,
                attempts INTEGER NOT NULL, last_status_code INTEGER, last_error TEXT,
                created_at \(t.real) NOT NULL, updated_at \(t.real) NOT NULL, delivered_at \(t.real))
            """,
            "CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (endpoint_id, created_at)",
        ]
    }
}
