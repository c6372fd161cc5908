-- Subjects' aliases hashed under a secret key rather than by SHA-256 alone (docs/adr/0031): a
-- phone number's SHA-256 is found again by trying every phone number, in minutes.
-- The key is a row of subject_keys (wrapped under the key-encryption key like the others); this
-- table says which. One row, made at the first start of a node of this version.
CREATE TABLE {schema}_keys.alias_hash_key (
    one     boolean PRIMARY KEY DEFAULT true CHECK (one),
    key_id  uuid    NOT NULL
);

-- As subject_aliases and subject_alias_links, with HMAC-SHA256 under that key of the alias's
-- SHA-256. The rows of those tables move here, hashed again, when the key is made, and the tables
-- are dropped: a node of an earlier version then fails loudly rather than write unkeyed hashes.
CREATE TABLE {schema}_keys.keyed_aliases (
    alias_hash  bytea PRIMARY KEY,
    key_id      uuid  NOT NULL
);
CREATE INDEX ON {schema}_keys.keyed_aliases (key_id);

CREATE TABLE {schema}_keys.keyed_alias_links (
    alias_hash  bytea NOT NULL,
    key_id      uuid  NOT NULL,
    PRIMARY KEY (alias_hash, key_id)
);
CREATE INDEX ON {schema}_keys.keyed_alias_links (key_id);
