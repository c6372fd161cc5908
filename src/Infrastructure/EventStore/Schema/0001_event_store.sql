-- The global position is (top-level transaction id << 20) + ordinal within the transaction.
-- Readers only read positions below the oldest transaction still running, so an event that
-- commits late can never be skipped. See docs/adr/0007-gap-free-global-position.md.
CREATE TABLE {schema}.events (
    position        bigint      PRIMARY KEY,
    event_id        uuid        NOT NULL,
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL,
    event_type      text        NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_event_id_unique UNIQUE (event_id),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_category_idx ON {schema}.events (split_part(stream_id, '-', 1), position);
CREATE INDEX events_type_idx ON {schema}.events (event_type, position);
CREATE INDEX events_correlation_idx ON {schema}.events ((metadata ->> 'correlationId'), position);

-- Retention rules applied when a stream is read; events themselves are never rewritten.
CREATE TABLE {schema}.stream_metadata (
    stream_id        text PRIMARY KEY,
    truncate_before  bigint,
    max_count        integer,
    max_age          interval
);
