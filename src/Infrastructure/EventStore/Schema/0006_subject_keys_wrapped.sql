-- Subjects' keys wrapped under a key-encryption key held outside the database (docs/adr/0030).
-- The fingerprint of the key-encryption key that wrapped a row; NULL: the material as it is.
ALTER TABLE {schema}_keys.subject_keys ADD COLUMN wrapped_by text;

-- Every key-encryption key some row may be wrapped under: a node that lacks one refuses to start,
-- rather than read its subjects' data as lost. `subjects rewrap-keys` removes those left unused.
CREATE TABLE {schema}_keys.key_encryption_keys (
    kek_id      text        PRIMARY KEY,
    first_used  timestamptz NOT NULL DEFAULT now()
);
