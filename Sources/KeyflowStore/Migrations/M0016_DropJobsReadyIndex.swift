/// `jobs_ready` (queue, status, run_at over every job) answered claims until `jobs_open` (M0013) took them
/// over; since then no query of Keyflow's uses it, and each job queued, claimed and finished still wrote to it.
struct M0016_DropJobsReadyIndex: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        ["DROP INDEX jobs_ready"]
    }
}
