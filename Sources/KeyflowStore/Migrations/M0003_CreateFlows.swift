/// A flow is stored whole as a JSON document (it is always read and changed whole, by the domain), with the
/// columns that lists and permission checks filter on beside it, and a version for optimistic locking.
struct M0003_CreateFlows: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        [
            """
            CREATE TABLE flows (
                id TEXT PRIMARY KEY, organization_id TEXT NOT NULL REFERENCES organizations(id),
                template_id TEXT, owner_id TEXT NOT NULL, name TEXT NOT NULL, status TEXT NOT NULL,
                version \(t.bigint) NOT NULL, document TEXT NOT NULL,
                created_at \(t.real) NOT NULL, updated_at \(t.real) NOT NULL)
            """,
            "CREATE INDEX flows_organization ON flows (organization_id, created_at)",
            """
            CREATE TABLE flow_members (
                flow_id TEXT NOT NULL REFERENCES flows(id), user_id TEXT NOT NULL, PRIMARY KEY (flow_id, user_id))
            """,
            "CREATE INDEX flow_members_user ON flow_members (user_id)",
            "CREATE TABLE flow_actions (action_id TEXT PRIMARY KEY, flow_id TEXT NOT NULL REFERENCES flows(id))",
        ]
    }
}
