-- Positions are made of the server's transaction ids (docs/adr/0007). A store restored from a
-- logical dump (pg_dump) into another server, or copied to one by logical replication, holds
-- positions made of the first server's ids, which may be far ahead of the new server's: new
-- events would be placed before the stored ones, where no reader looks. Each node, as it starts,
-- moves this offset on so that the server's ids come after every stored position (SchemaMigrator);
-- it never moves back. A physical copy (a standby, a base backup) keeps the ids, and needs none.
CREATE TABLE {schema}.xid_offset (
    value    bigint  NOT NULL,
    one_row  boolean PRIMARY KEY DEFAULT true CHECK (one_row)
);
INSERT INTO {schema}.xid_offset (value) VALUES (0);
