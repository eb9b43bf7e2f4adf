struct M0006_CreateAttachments: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE attachments (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
                uploaded_by TEXT NOT NULL, name TEXT NOT NULL, content_type TEXT NOT NULL,
                size \(t.bigint) NOT NULL, sha256 TEXT NOT NULL, data \(t.blob) NOT NULL, created_at \(t.real) NOT NULL)
            """
        ]
    }
}
