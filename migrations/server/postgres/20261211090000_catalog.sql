-- The signed catalog (docs/server.md, "The signed catalog"): every version published with
-- `tenantry-server catalog publish`, as the exact envelope bytes the platform key signed.
-- `GET /v1/catalog` serves the highest version. The platform's private key is never here.
CREATE TABLE catalogs (
    version       BIGINT  PRIMARY KEY NOT NULL CHECK (version >= 1),
    hash          TEXT    NOT NULL UNIQUE CHECK (char_length(hash) = 64),
    key_id        TEXT    NOT NULL CHECK (char_length(key_id) = 64),
    public_key    TEXT    NOT NULL CHECK (char_length(public_key) = 64),
    issued_at_ms  BIGINT  NOT NULL,
    expires_at_ms BIGINT  NOT NULL CHECK (expires_at_ms > issued_at_ms),
    envelope      BYTEA   NOT NULL,
    published_at_ms BIGINT NOT NULL
);
