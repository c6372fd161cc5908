-- Events and snapshots larger than about 2 kB (a broadcast to many contacts, its personal fields
-- sealed; a long stream's state) are compressed. lz4 does it with less CPU than pglz, the default
-- (ADR 0041). Rows stored before keep pglz; both read alike. A server built without lz4 keeps pglz.
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        -- The change needs the tables to itself for a moment. Appends queue behind it while it
        -- waits, so it waits briefly: a long reader (a backup) leaves pglz in place, and says so.
        SET LOCAL lock_timeout = '2s';
        ALTER TABLE {schema}.events ALTER COLUMN data SET COMPRESSION lz4, ALTER COLUMN metadata SET COMPRESSION lz4;
        ALTER TABLE {schema}.stream_snapshots ALTER COLUMN state SET COMPRESSION lz4;
    END IF;
EXCEPTION WHEN lock_not_available THEN
    RAISE WARNING 'The events stay compressed with pglz: a long transaction held {schema}.events. '
        'To use lz4 (ADR 0041), run when it has ended: ALTER TABLE {schema}.events ALTER COLUMN data SET COMPRESSION lz4, '
        'ALTER COLUMN metadata SET COMPRESSION lz4; ALTER TABLE {schema}.stream_snapshots ALTER COLUMN state SET COMPRESSION lz4;';
END $$;
