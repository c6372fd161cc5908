-- Keys are never deleted (a destroyed key stays as a tombstone), so these foreign keys guarded
-- nothing, yet each alias and link row paid a lookup and a lock of its key's row for them: 8 µs of
-- the 14 µs an alias cost to insert in batches of 100 new subjects (docs/adr/0025).
ALTER TABLE {schema}_keys.subject_aliases DROP CONSTRAINT IF EXISTS subject_aliases_key_id_fkey;
ALTER TABLE {schema}_keys.subject_alias_links DROP CONSTRAINT IF EXISTS subject_alias_links_key_id_fkey;
