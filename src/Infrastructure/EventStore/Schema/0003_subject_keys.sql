-- Data subjects' keys (crypto-shredding, docs/adr/0025). A schema of their own: a dump or backup
-- of the event store schema holds ciphertext and key ids only.
CREATE SCHEMA {schema}_keys;

CREATE TABLE {schema}_keys.subject_keys (
    -- Creation order: readers meet keys roughly in this order, so a miss fetches its neighbours too.
    seq           bigint      GENERATED ALWAYS AS IDENTITY UNIQUE,
    key_id        uuid        PRIMARY KEY,
    -- AES-256 key; NULL once destroyed. The row stays as a tombstone: "forgotten", not "lost".
    material      bytea,
    created_at    timestamptz NOT NULL DEFAULT now(),
    destroyed_at  timestamptz
);

-- How a subject's key is found: SHA-256 of the subject's alias (contact:owner:id, buyer-email:...,
-- buyer-phone:..., visitor:...), never the alias itself. Deleted with the key.
CREATE TABLE {schema}_keys.subject_aliases (
    alias_hash  bytea PRIMARY KEY,
    key_id      uuid  NOT NULL REFERENCES {schema}_keys.subject_keys (key_id)
);
CREATE INDEX ON {schema}_keys.subject_aliases (key_id);
