-- Issue 7: which change sets need approvals before they count. When a change set is
-- accepted, the approval rules (tenantry-policy, approvals/*.rego) are evaluated on the
-- documents before and after it, and what they ask for is recorded here, one row per
-- reason. Whether a requirement is met is not stored: approvals count only from keys
-- that are approved and unrevoked when they are counted, so it is worked out on every
-- read. The Postgres file has the same table; only the column types differ.

CREATE TABLE approval_requirements (
    changeset_hash TEXT    NOT NULL REFERENCES changesets (hash),
    -- The requirement's place among its change set's requirements (from 0).
    position       INTEGER NOT NULL CHECK (position >= 0),
    tenant_id      TEXT    NOT NULL REFERENCES tenants (id),
    -- The change set's sequence number: the review queue is oldest first.
    seq            INTEGER NOT NULL REFERENCES changesets (seq),
    -- The change set whose approvals count: the change set itself, or for a production
    -- change set the staging change set it promoted (production is always staging's copy).
    subject_hash   TEXT    NOT NULL REFERENCES changesets (hash),
    rule_id        TEXT    NOT NULL CHECK (length(rule_id) BETWEEN 1 AND 200),
    approvals      INTEGER NOT NULL CHECK (approvals >= 1),
    reviewer_role  TEXT    NOT NULL,
    step           TEXT    NOT NULL,
    path           TEXT    NOT NULL,
    message        TEXT    NOT NULL,
    PRIMARY KEY (changeset_hash, position)
) STRICT;
CREATE INDEX approval_requirements_by_tenant ON approval_requirements (tenant_id, seq);
CREATE INDEX approval_requirements_by_seq ON approval_requirements (seq);
