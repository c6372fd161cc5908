namespace EventSourced.Infrastructure.EventStore;

/// <summary>The event store's SQL, built once for a schema.</summary>
internal sealed class EventStoreSql(string schema)
{
    /// <summary>Ordinals within one transaction take the low 20 bits of a position.</summary>
    public const int OrdinalBits = 20;

    public const int MaxEventsPerTransaction = (1 << OrdinalBits) - 1;

    private const string Columns = "e.event_id, e.stream_id, e.stream_version, e.position, e.event_type, e.data::text, e.metadata::text, e.created_at";

    // One statement, one round trip. The expected-version check is a WHERE clause: a mismatch
    // inserts nothing (no row comes back), and a racing writer that read the same head loses on
    // the unique (stream_id, stream_version) index. Single events get their own statement
    // because most commands append one, and a plain INSERT plans and runs markedly cheaper than
    // one over unnest(). Parameters: $1 stream, $2 id(s), $3 type(s), $4 data, $5 metadata,
    // $6 expected kind, $7 expected version. Each returns (last version, last position).
    public string AppendOne { get; } = AppendSql(schema, batch: false, inCallersTransaction: false);

    public string AppendBatch { get; } = AppendSql(schema, batch: true, inCallersTransaction: false);

    public string AppendOneInTransaction { get; } = AppendSql(schema, batch: false, inCallersTransaction: true);

    public string AppendBatchInTransaction { get; } = AppendSql(schema, batch: true, inCallersTransaction: true);

    /// <summary>
    /// Appends to several distinct streams in one statement (a group commit): each stream's
    /// expectation is checked against its head, and only the streams that pass are inserted.
    /// Parameters: $1 streams, $2 expected kinds, $3 expected versions; then one row per event:
    /// $4 its stream's index (1-based), $5 its place in that append (1-based), $6 ids, $7 types,
    /// $8 data, $9 metadata. Returns (stream, last version, last position) per appended stream.
    /// </summary>
    public string AppendToStreams { get; } = $"""
        WITH tx AS (
            SELECT {TransactionId(schema, "pg_current_xact_id()")} << {OrdinalBits} AS base
        ), streams AS (
            SELECT s.n, s.stream_id, s.kind, s.version,
                   (SELECT coalesce(max(h.stream_version), -1) FROM {schema}.events h WHERE h.stream_id = s.stream_id) AS head
            FROM unnest($1::text[], $2::int[], $3::bigint[]) WITH ORDINALITY AS s(stream_id, kind, version, n)
        ), accepted AS (
            SELECT * FROM streams
            WHERE kind = 0 OR (kind = 1 AND head = -1) OR (kind = 2 AND head >= 0) OR (kind = 3 AND head = version)
        ), inserted AS (
            INSERT INTO {schema}.events (position, event_id, stream_id, stream_version, event_type, data, metadata)
            SELECT tx.base + e.ordinal - 1, e.id, a.stream_id, a.head + e.place, e.type, e.data, e.metadata
            FROM tx, unnest($4::int[], $5::int[], $6::uuid[], $7::text[], $8::jsonb[], $9::jsonb[]) WITH ORDINALITY AS e(stream, place, id, type, data, metadata, ordinal)
            JOIN accepted a ON a.n = e.stream
            RETURNING stream_id, stream_version, position)
        SELECT stream_id, max(stream_version), max(position) FROM inserted GROUP BY stream_id
        """;

    public string StreamVersion { get; } = $"SELECT coalesce(max(stream_version), -1) FROM {schema}.events WHERE stream_id = $1";

    /// <summary>For each proposed id in order: where it is stored, and whether type and data match.</summary>
    public string ExistingEvents { get; } = $"""
        SELECT e.stream_id, e.stream_version, e.position, e.event_type = p.type AND e.data = p.data
        FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) WITH ORDINALITY AS p(id, type, data, ordinal)
        LEFT JOIN {schema}.events e ON e.event_id = p.id
        ORDER BY p.ordinal
        """;

    public string ReadStreamForward { get; } = ReadStream(schema, ">=", "ASC");

    public string ReadStreamBackward { get; } = ReadStream(schema, "<=", "DESC");

    public string ReadByCorrelationId { get; } = $"""
        SELECT {Columns} FROM {schema}.events e
        WHERE e.metadata ->> 'correlationId' = $1
        ORDER BY e.position LIMIT $2
        """;

    public string ReadAll { get; } = ReadAllFrom(schema, Below(schema, ""));

    // The newest position below the horizon: nothing at or before it can still commit (ADR 0007).
    public string LastPosition { get; } = $"""
        SELECT coalesce(max(e.position), 0) FROM {schema}.events e
        WHERE e.position < {TransactionId(schema, "pg_snapshot_xmin(pg_current_snapshot())")} << {OrdinalBits}
        """;

    // One range scan of the category index per category, merged. The bounds are row comparisons on
    // the index's (category, position), so that no plan, not even a generic one that cannot see
    // which category it is for, scans the position index instead and reads past every other
    // category's events to find a rare one's (or none).
    public string ReadAllByCategories { get; } = ReadAllFrom(schema, $"""
        SELECT c.* FROM unnest($3::text[]) AS categories(category)
        CROSS JOIN LATERAL (
            SELECT * FROM {schema}.events e
            WHERE (split_part(e.stream_id, '-', 1), e.position) > (categories.category, $1)
              AND (split_part(e.stream_id, '-', 1), e.position) < (categories.category, h.horizon)
            ORDER BY split_part(e.stream_id, '-', 1), e.position LIMIT $2) c
        ORDER BY c.position LIMIT $2
        """, head: HeadOf(schema, "split_part(e.stream_id, '-', 1)"));

    public string ReadAllByTypes { get; } = ReadAllFrom(schema, Below(schema, "AND e.event_type = ANY($3)"), head: HeadOf(schema, "e.event_type"));

    public string GetMetadata { get; } = $"SELECT truncate_before, max_count, max_age FROM {schema}.stream_metadata WHERE stream_id = $1";

    public string SetMetadata { get; } = $"""
        INSERT INTO {schema}.stream_metadata (stream_id, truncate_before, max_count, max_age) VALUES ($1, $2, $3, $4)
        ON CONFLICT (stream_id) DO UPDATE SET truncate_before = $2, max_count = $3, max_age = $4
        """;

    public string SoftDelete { get; } = $"""
        INSERT INTO {schema}.stream_metadata (stream_id, truncate_before)
        SELECT $1, max(stream_version) + 1 FROM {schema}.events WHERE stream_id = $1 HAVING count(*) > 0
        ON CONFLICT (stream_id) DO UPDATE SET truncate_before = excluded.truncate_before
        """;

    /// <summary>
    /// A transaction id of this server, moved on by the store's offset: a store restored from a
    /// logical dump into another server keeps its positions after that server's own ids
    /// (0011_xid_offset.sql). Read in each statement, one row, so that no node uses an old one.
    /// </summary>
    private static string TransactionId(string schema, string xid) =>
        $"({xid}::text::bigint + (SELECT o.value FROM {schema}.xid_offset o))";

    private static string AppendSql(string schema, bool batch, bool inCallersTransaction)
    {
        // In its own transaction an append's ordinals start at 0. In a caller's transaction
        // they continue after any events the same transaction appended before.
        var firstPosition = inCallersTransaction
            ? $"""
              coalesce((SELECT max(p.position) + 1 FROM {schema}.events p WHERE p.position >= tx.base AND p.position < tx.base + {1 << OrdinalBits}), tx.base)
              """
            : "tx.base";
        var head = $"""
            WITH head AS (
                SELECT coalesce(max(stream_version), -1) AS version FROM {schema}.events WHERE stream_id = $1
            ), tx AS (
                SELECT {TransactionId(schema, "pg_current_xact_id()")} << {OrdinalBits} AS base
            ), first AS (
                SELECT {firstPosition} AS position FROM tx
            )
            """;
        const string expectation = """
            ($6 = 0 OR ($6 = 1 AND head.version = -1) OR ($6 = 2 AND head.version >= 0) OR ($6 = 3 AND head.version = $7))
            """;
        return batch
            ? $"""
              {head}, inserted AS (
                  INSERT INTO {schema}.events (position, event_id, stream_id, stream_version, event_type, data, metadata)
                  SELECT first.position + e.ordinal - 1, e.id, $1, head.version + e.ordinal, e.type, e.data, e.metadata
                  FROM head, first, unnest($2::uuid[], $3::text[], $4::jsonb[], $5::jsonb[]) WITH ORDINALITY AS e(id, type, data, metadata, ordinal)
                  WHERE {expectation}
                  RETURNING position, stream_version)
              SELECT max(stream_version), max(position) FROM inserted HAVING count(*) > 0
              """
            : $"""
              {head}
              INSERT INTO {schema}.events (position, event_id, stream_id, stream_version, event_type, data, metadata)
              SELECT first.position, $2, $1, head.version + 1, $3, $4, $5
              FROM head, first
              WHERE {expectation}
              RETURNING stream_version, position
              """;
    }

    // Retention is applied here, on read: truncate-before, the newest max-count, and max-age.
    private static string ReadStream(string schema, string comparison, string order) => $"""
        SELECT {Columns} FROM {schema}.events e
        LEFT JOIN {schema}.stream_metadata m ON m.stream_id = $1
        WHERE e.stream_id = $1 AND e.stream_version {comparison} $2
          AND e.stream_version >= coalesce(m.truncate_before, 0)
          AND (m.max_count IS NULL OR e.stream_version > (SELECT max(stream_version) FROM {schema}.events WHERE stream_id = $1) - m.max_count)
          AND (m.max_age IS NULL OR e.created_at >= now() - m.max_age)
        ORDER BY e.stream_version {order} LIMIT $3
        """;

    // The horizon is the oldest transaction id still running, shifted into position space: every
    // position below it belongs to a finished transaction, so no event can ever appear there
    // later. Reading only below it is what makes $all gap-free. The head tells the reader whether
    // committed events are waiting above the horizon.
    private static string Below(string schema, string filter) => $"""
        SELECT * FROM {schema}.events e
        WHERE e.position > $1 AND e.position < h.horizon {filter}
        ORDER BY e.position LIMIT $2
        """;

    // A filtered read's head is the newest event it matches, one index probe a type or category:
    // events it skips, committed behind a transaction still in flight, are nothing to wait for.
    // Against the head of everything, a contacts subscription under a steady ingest of tickets
    // would find "more committed" at nearly every read, and poll $all for nothing. The bounds are
    // row comparisons on the index's (key, position), for the reason ReadAllByCategories gives: with
    // an equality, a generic plan scans the position index back for a key that may have no events.
    private static string HeadOf(string schema, string key) => $"""
        (SELECT max(m.position) FROM unnest($3::text[]) AS wanted(value)
         CROSS JOIN LATERAL (
            SELECT e.position FROM {schema}.events e
            WHERE ({key}, e.position) >= (wanted.value, {long.MinValue}) AND ({key}, e.position) <= (wanted.value, {long.MaxValue})
            ORDER BY {key} DESC, e.position DESC LIMIT 1) m)
        """;

    /// <summary>The horizon and head, with the events <paramref name="page"/> selects below the horizon (h.horizon).</summary>
    private static string ReadAllFrom(string schema, string page, string? head = null) => $"""
        SELECT h.horizon, h.head, {Columns}
        FROM (SELECT {TransactionId(schema, "pg_snapshot_xmin(pg_current_snapshot())")} << {OrdinalBits} AS horizon,
                     {head ?? $"(SELECT max(position) FROM {schema}.events)"} AS head) h
        LEFT JOIN LATERAL ({page}) e ON true
        ORDER BY e.position
        """;
}
