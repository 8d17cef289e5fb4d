-- Change sets are never rewritten: the log is what mirrors verify and replay, and what
-- tenants' heads, checkpoints, approvals and reviews name. The Postgres schema says the
-- same with the per-statement reference checks of the same migration number; here the
-- foreign keys stay (checked in-process, they cost little), and only the rule that no
-- foreign key expresses is added.
CREATE TRIGGER changesets_are_never_updated
BEFORE UPDATE ON changesets
BEGIN
    SELECT RAISE(ABORT, 'change sets are never updated or deleted');
END;

CREATE TRIGGER changesets_are_never_deleted
BEFORE DELETE ON changesets
BEGIN
    SELECT RAISE(ABORT, 'change sets are never updated or deleted');
END;
