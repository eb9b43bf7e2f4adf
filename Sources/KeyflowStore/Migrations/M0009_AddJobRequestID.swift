/// The id of the request that enqueued a job, so its log lines can be followed from the request to the job.
struct M0009_AddJobRequestID: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        ["ALTER TABLE jobs ADD COLUMN request_id TEXT"]
    }
}
