-- The platform's signed catalog (docs/sync.md, "The signed catalog").
--
-- Every version this mirror accepted, kept as the exact envelope bytes the platform key
-- signed, so the catalog works offline and can be verified again at any time. The
-- current catalog is the highest version; a version is only ever added above it (the
-- client refuses an older one), so the history only grows.
CREATE TABLE platform_catalogs (
    version        INTEGER PRIMARY KEY NOT NULL CHECK (version >= 1),
    organisation   TEXT    NOT NULL,
    -- SHA-256 of the exact payload bytes.
    hash           TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64),
    -- The platform key that signed it (its id and the 32-byte key as hex).
    key_id         TEXT    NOT NULL CHECK (length(key_id) = 64),
    public_key     TEXT    NOT NULL CHECK (length(public_key) = 64),
    issued_at_ms   INTEGER NOT NULL,
    expires_at_ms  INTEGER NOT NULL CHECK (expires_at_ms > issued_at_ms),
    envelope       BLOB    NOT NULL,
    -- The server URL it was pulled from.
    source         TEXT    NOT NULL,
    accepted_at_ms INTEGER NOT NULL
) STRICT;
