/// An index of the jobs still to run: claims and queue depths read only these, however many finished jobs the
/// table holds.
struct M0013_IndexOpenJobs: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        ["CREATE INDEX jobs_open ON jobs (queue, status, run_at) WHERE status IN ('queued', 'running')"]
    }
}
