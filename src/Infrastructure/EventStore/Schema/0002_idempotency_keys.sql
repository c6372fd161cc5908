-- First responses to POSTs that carried an Idempotency-Key, so a retry gets the same answer.
CREATE TABLE {schema}.idempotency_keys (
    owner         text        NOT NULL,
    key           text        NOT NULL,
    request_hash  text        NOT NULL,
    status        integer     NOT NULL,
    content_type  text,
    body          bytea       NOT NULL,
    location      text,
    etag          text,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);
