-- Issue 7: a reviewer's verdict on a change set, with their comments. "approved" is the
-- comment that goes with an approval (the approval itself, a co-signature, is in
-- approvals); "changes_requested" returns the change set to its author with comments
-- on fields. One verdict per reviewer per change set: a change set never changes, and
-- the author answers a request with a new change set. The comments are not signed (a
-- co-signature covers the author's bytes only); they are bound to the reviewer's token.
CREATE TABLE reviews (
    changeset_hash TEXT    NOT NULL REFERENCES changesets (hash),
    reviewer       TEXT    NOT NULL REFERENCES staff_keys (key_id),
    verdict        TEXT    NOT NULL CHECK (verdict IN ('approved', 'changes_requested')),
    comment        TEXT    NOT NULL,
    -- JSON array of {"path", "comment"}, as the server validated it.
    fields         TEXT    NOT NULL,
    reviewed_at_ms BIGINT NOT NULL,
    PRIMARY KEY (changeset_hash, reviewer)
);
