-- Signed change sets (issue 4): the per-tenant hash chain, the materialised documents,
-- the public keys envelopes are verified with, and the outbox they leave through.

CREATE TABLE tenants (
    id            TEXT    PRIMARY KEY NOT NULL,
    slug          TEXT    NOT NULL,
    -- Two tenants whose slugs look alike (acme / acrne / 4cme) cannot both exist.
    slug_skeleton TEXT    NOT NULL UNIQUE,
    created_at_ms INTEGER NOT NULL
) STRICT;

CREATE TABLE signing_keys (
    key_id        TEXT    PRIMARY KEY NOT NULL CHECK (length(key_id) = 64),
    public_key    TEXT    NOT NULL CHECK (length(public_key) = 64),
    label         TEXT    NOT NULL,
    added_at_ms   INTEGER NOT NULL
) STRICT;

CREATE TABLE changesets (
    hash          TEXT    PRIMARY KEY NOT NULL CHECK (length(hash) = 64),
    id            TEXT    NOT NULL UNIQUE,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    -- Position in the tenant's chain, from 1.
    seq           INTEGER NOT NULL CHECK (seq >= 1),
    parent_hash   TEXT    REFERENCES changesets (hash),
    environment   TEXT    NOT NULL CHECK (environment IN ('draft', 'staging', 'production')),
    author        TEXT    NOT NULL,
    summary       TEXT    NOT NULL,
    -- The exact envelope bytes as signed and received; never re-encoded.
    envelope      BLOB    NOT NULL,
    created_at_ms INTEGER NOT NULL,
    UNIQUE (tenant_id, seq),
    -- A linear chain: no change set is the parent of two others.
    UNIQUE (parent_hash)
) STRICT;

CREATE TABLE tenant_documents (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    environment   TEXT    NOT NULL CHECK (environment IN ('draft', 'staging', 'production')),
    head_hash     TEXT    NOT NULL REFERENCES changesets (hash),
    document      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, environment)
) STRICT;

CREATE TABLE outbox (
    hash          TEXT    PRIMARY KEY NOT NULL REFERENCES changesets (hash),
    queued_at_ms  INTEGER NOT NULL,
    attempts      INTEGER NOT NULL DEFAULT 0,
    last_error    TEXT
) STRICT;
