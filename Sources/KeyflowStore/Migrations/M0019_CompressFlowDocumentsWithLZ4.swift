/// A flow's document (≈ 2.4 KB for a flow of two actions) is above PostgreSQL's 2 KB threshold, so every save
/// compresses it, by default with `pglz`: ≈ 3 % of PostgreSQL's CPU while verifications complete (`perf` over
/// that phase). LZ4 compresses several times faster to a similar size. Each save rewrites the document, so
/// stored flows change over as they are saved. A server built without LZ4 (it needs PostgreSQL 14 built
/// `--with-lz4`, as Debian's, Ubuntu's and the official images are) keeps `pglz`: the statement is run through
/// `EXECUTE` so that such a refusal is caught rather than failing the migration. SQLite stores the text as is.
struct M0019_CompressFlowDocumentsWithLZ4: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        guard t.postgres else { return [] }
        return [
            """
            DO $$
            BEGIN
                EXECUTE 'ALTER TABLE flows ALTER COLUMN document SET COMPRESSION lz4';
            EXCEPTION WHEN feature_not_supported OR syntax_error THEN
                RAISE NOTICE 'flows.document stays compressed with pglz: %', SQLERRM;
            END
            $$
            """
        ]
    }
}
