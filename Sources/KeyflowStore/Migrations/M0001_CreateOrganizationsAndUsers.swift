struct M0001_CreateOrganizationsAndUsers: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE organizations (
                id TEXT PRIMARY KEY, name TEXT NOT NULL, time_zone TEXT NOT NULL, created_at \(t.real) NOT NULL)
            """,
            """
            CREATE TABLE users (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
                email TEXT NOT NULL, name TEXT NOT NULL, role TEXT NOT NULL, locale TEXT,
                password_hash TEXT, created_at \(t.real) NOT NULL)
            """,
            "CREATE UNIQUE INDEX users_email ON users (email)",
            "CREATE INDEX users_organization ON users (organization_id)",
            """
            CREATE TABLE sessions (
                token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                created_at \(t.real) NOT NULL, expires_at \(t.real) NOT NULL)
            """,
        ]
    }
}
