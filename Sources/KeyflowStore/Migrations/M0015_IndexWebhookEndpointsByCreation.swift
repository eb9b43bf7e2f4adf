/// An organization's webhook endpoints in the order they were created, read on every flow change: with the
/// old index on the organization alone, SQLite sorted them in a temporary b-tree each time, even when there
/// were none. The new index answers the order too and replaces the old one.
struct M0015_IndexWebhookEndpointsByCreation: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            "CREATE INDEX webhook_endpoints_organization_created ON webhook_endpoints (organization_id, created_at)",
            "DROP INDEX webhook_endpoints_organization",
        ]
    }
}
