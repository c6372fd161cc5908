-- A record naming aliases that lead to two keys (a buyer's email to one, their phone to another)
-- is sealed under one of them. The other alias is linked to that key as well, so that forgetting
-- by either alias destroys every key holding the record (docs/adr/0025). Deleted with the key.
CREATE TABLE {schema}_keys.subject_alias_links (
    alias_hash  bytea NOT NULL,
    key_id      uuid  NOT NULL REFERENCES {schema}_keys.subject_keys (key_id),
    PRIMARY KEY (alias_hash, key_id)
);
CREATE INDEX ON {schema}_keys.subject_alias_links (key_id);
