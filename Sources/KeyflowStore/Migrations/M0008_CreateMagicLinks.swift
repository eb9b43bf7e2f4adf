/// One-time sign-in links for clients, stored as hashes.
struct M0008_CreateMagicLinks: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE magic_links (
                token_hash TEXT PRIMARY KEY, user_id TEXT NOT NULL REFERENCES users(id),
                created_at \(t.real) NOT NULL, expires_at \(t.real) NOT NULL, used_at \(t.real))
            """
        ]
    }
}
