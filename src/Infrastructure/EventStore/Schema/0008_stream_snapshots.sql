-- The last snapshot of each long stream's state (docs/adr/0036): a shortcut for loading, made
-- from the events and made again from them, so losing this table loses nothing.
CREATE TABLE {schema}.stream_snapshots (
    stream_id  text        PRIMARY KEY,
    shape      text        NOT NULL,
    version    bigint      NOT NULL,
    event_id   uuid        NOT NULL,
    state      jsonb       NOT NULL,
    taken_at   timestamptz NOT NULL DEFAULT now()
);
