-- Deliveries a messenger accepted, written as soon as it answers (docs/adr/0015): a send whose
-- outcome never reached the saga (a broker that dropped the connection, a node that stopped) is
-- not made a second time when it is handed out again. Kept for a day (Deliveries:SendsKeptFor).
CREATE TABLE {schema}.delivery_sends (
    delivery_id          uuid        PRIMARY KEY,
    provider_message_id  text,
    sent_at              timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX ON {schema}.delivery_sends (sent_at);
