-- Sync with the platform server (issue 5).
--
-- A change set the server holds carries the server's global sequence number; one still
-- in `outbox` is this machine's and not yet confirmed. Sent entries leave the outbox
-- (the server's number on the change set is the record that it was sent).
ALTER TABLE changesets ADD COLUMN server_seq BIGINT;
-- When a retry is due after a failure (unix ms); NULL: as soon as the next sync runs.
ALTER TABLE outbox ADD COLUMN next_attempt_at_ms BIGINT;

-- Change sets taken off the tenant's chain so the local chain can equal the server's:
-- 'rebase' waits to be re-signed on the new head, 'conflict' waits for a person to pick
-- theirs or mine per field, 'rejected' was refused by the server and goes back to its
-- author. The envelope is kept byte for byte; nothing here is pushed.
CREATE TABLE held_changesets (
    hash          TEXT    PRIMARY KEY NOT NULL CHECK (char_length(hash) = 64),
    id            TEXT    NOT NULL,
    tenant_id     TEXT    NOT NULL,
    envelope      BYTEA   NOT NULL,
    -- Order of work: entries held together keep their chain order.
    position      BIGINT  NOT NULL UNIQUE,
    queued_at_ms  BIGINT  NOT NULL,
    state         TEXT    NOT NULL CHECK (state IN ('rebase', 'conflict', 'rejected')),
    code          TEXT,
    message       TEXT,
    -- JSON: the conflict's fields for 'conflict'.
    detail        TEXT,
    -- JSON array of the drafts that pointed at this change set, re-pointed on rebase.
    drafts        TEXT    NOT NULL DEFAULT '[]',
    held_at_ms    BIGINT  NOT NULL
);

-- Per platform server: how far pulls got (the server's sequence number) and the last sync.
CREATE TABLE sync_servers (
    server_url      TEXT    PRIMARY KEY NOT NULL,
    pulled_through  BIGINT  NOT NULL DEFAULT 0 CHECK (pulled_through >= 0),
    last_sync_at_ms BIGINT,
    last_error      TEXT
);
