struct M0002_CreateTemplates: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE templates (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
                owner_id TEXT NOT NULL, name TEXT NOT NULL, access TEXT NOT NULL, document TEXT NOT NULL,
                created_at \(t.real) NOT NULL, updated_at \(t.real) NOT NULL)
            """,
            "CREATE INDEX templates_organization ON templates (organization_id, name)",
        ]
    }
}
