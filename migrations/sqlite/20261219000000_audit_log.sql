-- Issue 7: the app's own record of every command that changed something on this machine
-- (the mirror, the server, a file the user chose): one row per command, written in the
-- same step, never updated. The signed audit export is the platform's proof; this is
-- what was done here, read on the Audit screen.
CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY AUTOINCREMENT,
    at_ms     INTEGER NOT NULL,
    -- This machine's key id; NULL before it had a key.
    actor     TEXT,
    action    TEXT    NOT NULL CHECK (length(action) BETWEEN 1 AND 64),
    tenant_id TEXT,
    -- A draft id, a change-set hash, a file name or a server URL.
    subject   TEXT,
    outcome   TEXT    NOT NULL CHECK (outcome IN ('done', 'refused', 'failed')),
    detail    TEXT    NOT NULL,
    -- Rule ids separated and surrounded by single spaces (' APR-001 AI-002 '), so that
    -- one rule is found with LIKE '% APR-001 %'; ' ' when there are none.
    rule_ids  TEXT    NOT NULL
) STRICT;
CREATE INDEX audit_log_by_tenant ON audit_log (tenant_id, id);
