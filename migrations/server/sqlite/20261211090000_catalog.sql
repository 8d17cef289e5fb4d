-- The signed catalog (docs/server.md, "The signed catalog"): every version published with
-- `tenantry-server catalog publish`, as the exact envelope bytes the platform key signed.
-- `GET /v1/catalog` serves the highest version. The platform's private key is never here.
CREATE TABLE catalogs (
    version       INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
    hash          TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64),
    key_id        TEXT    NOT NULL CHECK (length(key_id) = 64),
    public_key    TEXT    NOT NULL CHECK (length(public_key) = 64),
    issued_at_ms  INTEGER NOT NULL,
    expires_at_ms INTEGER NOT NULL CHECK (expires_at_ms > issued_at_ms),
    envelope      BLOB    NOT NULL,
    published_at_ms INTEGER NOT NULL
) STRICT;
