/// A flow's action ids by flow: saving a flow with new actions reads which are indexed already, and without
/// this index that read scanned every action of every flow, so creating a flow grew slower with the table.
struct M0014_IndexFlowActionsByFlow: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        ["CREATE INDEX flow_actions_flow ON flow_actions (flow_id)"]
    }
}
