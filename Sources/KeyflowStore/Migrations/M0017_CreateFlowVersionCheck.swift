/// A flow saved by an optimistic change (`Store.writeOptimistically`) is saved by a statement that carries the
/// change's other writes, and which must fail as a whole if someone saved the flow since it was read: a save
/// that merely found no row would let those writes through. This function, called in the save's `WHERE`,
/// raises a serialization failure (SQLSTATE 40001, which the store answers by running the change again under
/// a lock) when the row's version is not the one read. SQLite needs none: its single writer lets nobody in
/// between a change's read and its save.
struct M0017_CreateFlowVersionCheck: SQLMigration {
    func statements(_ t: ColumnTypes) -> [String] {
        guard t.postgres else { return [] }
        return [
            """
            CREATE FUNCTION keyflow_expect_version(saved_version BIGINT, read_version BIGINT) RETURNS BOOLEAN
            LANGUAGE plpgsql VOLATILE AS $$
            BEGIN
                IF saved_version <> read_version THEN
                    RAISE EXCEPTION 'saved meanwhile: version % where % was read', saved_version, read_version
                        USING ERRCODE = '40001';
                END IF;
                RETURN TRUE;
            END
            $$
            """
        ]
    }
}
