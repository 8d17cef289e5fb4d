-- The reference server's own schema (issue 5): staff keys and their bearer tokens, the
-- accepted change sets under one global sequence, each tenant's head and materialised
-- documents, and approvals. The SQLite file has the same tables, columns and
-- constraints; only the column types differ (INTEGER/BLOB there, BIGINT/BYTEA here).

-- One row per global counter. A push locks its row (UPDATE ... RETURNING) before it
-- reads anything, so sequence numbers are handed out in commit order and without gaps.
CREATE TABLE server_sequences (
    name          TEXT    PRIMARY KEY NOT NULL,
    value         BIGINT  NOT NULL CHECK (value >= 0)
);
INSERT INTO server_sequences (name, value) VALUES ('changesets', 0);

CREATE TABLE staff_keys (
    key_id        TEXT    PRIMARY KEY NOT NULL CHECK (char_length(key_id) = 64),
    public_key    TEXT    NOT NULL UNIQUE CHECK (char_length(public_key) = 64),
    name          TEXT    NOT NULL,
    role          TEXT    NOT NULL CHECK (role IN ('account_manager', 'compliance_officer', 'admin')),
    state         TEXT    NOT NULL CHECK (state IN ('pending', 'approved', 'revoked')),
    registered_at_ms BIGINT  NOT NULL,
    -- Who approved or revoked the key, and when (none while pending, or for the
    -- bootstrap admin, which no one approved).
    decided_by    TEXT    REFERENCES staff_keys (key_id),
    decided_at_ms BIGINT
);

-- Bearer tokens are stored only as their SHA-256: a copy of the database grants nothing.
CREATE TABLE access_tokens (
    token_sha256  TEXT    PRIMARY KEY NOT NULL CHECK (char_length(token_sha256) = 64),
    key_id        TEXT    NOT NULL REFERENCES staff_keys (key_id),
    created_at_ms BIGINT  NOT NULL
);
CREATE INDEX access_tokens_by_key ON access_tokens (key_id);

CREATE TABLE tenants (
    id            TEXT    PRIMARY KEY NOT NULL,
    slug          TEXT    NOT NULL,
    -- The same look-alike rule as the mirrors: a slug the server accepted can always be
    -- ingested by every client.
    slug_skeleton TEXT    NOT NULL UNIQUE,
    head_hash     TEXT    NOT NULL CHECK (char_length(head_hash) = 64),
    head_seq      BIGINT  NOT NULL CHECK (head_seq >= 1),
    created_at_ms BIGINT  NOT NULL
);

CREATE TABLE changesets (
    -- The global sequence number: gap-free, in commit order, from 1.
    seq           BIGINT  PRIMARY KEY NOT NULL CHECK (seq >= 1),
    hash          TEXT    NOT NULL UNIQUE CHECK (char_length(hash) = 64),
    id            TEXT    NOT NULL UNIQUE,
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    parent_hash   TEXT    UNIQUE REFERENCES changesets (hash),
    environment   TEXT    NOT NULL CHECK (environment IN ('draft', 'staging', 'production')),
    author        TEXT    NOT NULL REFERENCES staff_keys (key_id),
    -- The exact envelope bytes as received; never re-encoded.
    envelope      BYTEA   NOT NULL,
    received_at_ms BIGINT  NOT NULL
);
CREATE INDEX changesets_by_tenant ON changesets (tenant_id, seq);

CREATE TABLE tenant_documents (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    environment   TEXT    NOT NULL CHECK (environment IN ('draft', 'staging', 'production')),
    head_hash     TEXT    NOT NULL REFERENCES changesets (hash),
    document      TEXT    NOT NULL,
    PRIMARY KEY (tenant_id, environment)
);

CREATE TABLE approvals (
    changeset_hash TEXT   NOT NULL REFERENCES changesets (hash),
    approver      TEXT    NOT NULL REFERENCES staff_keys (key_id),
    -- Standard base64 of the approver's ed25519 signature over the change set's DSSE
    -- pre-authentication encoding, exactly as it appears in a co-signed envelope.
    signature     TEXT    NOT NULL,
    approved_at_ms BIGINT  NOT NULL,
    PRIMARY KEY (changeset_hash, approver)
);
