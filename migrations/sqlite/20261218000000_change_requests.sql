-- Issue 7: reviewers' requests for changes on this person's own change sets, as the
-- server's review queue gave them at the last sync, so that the author reads them
-- offline. Replaced as a whole by each sync that reaches the server: a request whose
-- change set was replaced by the author's answer is gone after the next sync.
CREATE TABLE change_requests (
    changeset_hash TEXT    NOT NULL CHECK (length(changeset_hash) = 64),
    tenant_id      TEXT    NOT NULL,
    -- The reviewer's key id.
    reviewer       TEXT    NOT NULL,
    comment        TEXT    NOT NULL,
    -- JSON array of {"path", "comment"}.
    fields         TEXT    NOT NULL,
    requested_at_ms INTEGER NOT NULL,
    PRIMARY KEY (changeset_hash, reviewer)
) STRICT;
