-- The references a push writes under the sequence lock, checked once per statement
-- instead of once per row. A push writes its change sets and the tenants' new heads in
-- multi-row statements; as foreign keys, every row ran its own lookup through SPI
-- (three per change set, one more per head moved), which was about a third of
-- Postgres' time in the push and ~50 µs per change set of the time the lock is held
-- (BENCHMARKS.md, 2026-12-06 (late)). Here each statement checks all of its new rows in
-- one query per reference, and fails as a foreign key would (SQLSTATE 23503) with
-- nothing written. The rules are the foreign keys' own:
--   * a change set names a stored tenant, a registered key as its author, and a stored
--     parent (or none);
--   * a tenant's environment heads are stored change sets;
--   * what is named cannot be taken away: change sets are never updated or deleted,
--     tenants never deleted nor their ids changed, keys' ids never changed, and a key
--     that authored a change set never deleted.
-- The other foreign keys (approvals, reviews, requirements, checkpoints, tokens) are
-- written off the hot path, or rarely, and stay. The SQLite file keeps its foreign
-- keys: there they are checked in-process, at no such cost.
--
-- Each check looks the statement's rows up one by one in the referenced table's unique
-- index, as the keys did: `OFFSET 0` keeps each `NOT EXISTS` a per-row probe, where the
-- planner would otherwise join the whole referenced table (a scan of every change set
-- per statement; the first version of this migration was slower than the keys for it).

ALTER TABLE changesets
    DROP CONSTRAINT changesets_tenant_id_fkey,
    DROP CONSTRAINT changesets_parent_hash_fkey,
    DROP CONSTRAINT changesets_author_fkey;
ALTER TABLE tenants
    DROP CONSTRAINT tenants_draft_head_fkey,
    DROP CONSTRAINT tenants_staging_head_fkey,
    DROP CONSTRAINT tenants_production_head_fkey;

CREATE FUNCTION changesets_name_what_is_stored() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    offending RECORD;
BEGIN
    SELECT i.hash, i.tenant_id AS named INTO offending
      FROM inserted i
     WHERE NOT EXISTS (SELECT 1 FROM tenants t WHERE t.id = i.tenant_id OFFSET 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'change set % names the unknown tenant %', offending.hash, offending.named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT i.hash, i.author AS named INTO offending
      FROM inserted i
     WHERE NOT EXISTS (SELECT 1 FROM staff_keys k WHERE k.key_id = i.author OFFSET 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'change set % names the unknown author %', offending.hash, offending.named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    SELECT i.hash, i.parent_hash AS named INTO offending
      FROM inserted i
     WHERE i.parent_hash IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM changesets p WHERE p.hash = i.parent_hash OFFSET 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'change set % names the unknown parent %', offending.hash, offending.named
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER changesets_name_what_is_stored
AFTER INSERT ON changesets
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION changesets_name_what_is_stored();

CREATE FUNCTION tenants_heads_are_stored() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    offending RECORD;
BEGIN
    SELECT n.id, h.head INTO offending
      FROM written n
      CROSS JOIN LATERAL (VALUES (n.draft_head), (n.staging_head), (n.production_head)) AS h (head)
     WHERE h.head IS NOT NULL
       AND NOT EXISTS (SELECT 1 FROM changesets c WHERE c.hash = h.head OFFSET 0)
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'tenant % names the unknown head %', offending.id, offending.head
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN NULL;
END;
$$;

-- A trigger with a transition table has one event only.
CREATE TRIGGER tenants_inserted_heads_are_stored
AFTER INSERT ON tenants
REFERENCING NEW TABLE AS written
FOR EACH STATEMENT EXECUTE FUNCTION tenants_heads_are_stored();

CREATE TRIGGER tenants_updated_heads_are_stored
AFTER UPDATE ON tenants
REFERENCING NEW TABLE AS written
FOR EACH STATEMENT EXECUTE FUNCTION tenants_heads_are_stored();

CREATE FUNCTION named_rows_stay() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '%', TG_ARGV[0] USING ERRCODE = 'foreign_key_violation';
END;
$$;

CREATE TRIGGER changesets_are_never_rewritten
BEFORE UPDATE OR DELETE ON changesets
FOR EACH STATEMENT EXECUTE FUNCTION named_rows_stay('change sets are never updated or deleted');

CREATE TRIGGER changesets_are_never_truncated
BEFORE TRUNCATE ON changesets
FOR EACH STATEMENT EXECUTE FUNCTION named_rows_stay('change sets are never deleted');

CREATE TRIGGER tenants_are_never_deleted
BEFORE DELETE OR TRUNCATE ON tenants
FOR EACH STATEMENT EXECUTE FUNCTION named_rows_stay('tenants are never deleted: change sets name them');

CREATE TRIGGER tenants_keep_their_ids
BEFORE UPDATE OF id ON tenants
FOR EACH ROW WHEN (OLD.id IS DISTINCT FROM NEW.id)
EXECUTE FUNCTION named_rows_stay('a tenant''s id never changes: change sets name it');

CREATE TRIGGER staff_keys_keep_their_ids
BEFORE UPDATE OF key_id ON staff_keys
FOR EACH ROW WHEN (OLD.key_id IS DISTINCT FROM NEW.key_id)
EXECUTE FUNCTION named_rows_stay('a key''s id never changes: change sets name it');

CREATE FUNCTION authors_stay() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changesets c WHERE c.author = OLD.key_id) THEN
        RAISE EXCEPTION 'key % authored change sets and stays', OLD.key_id
            USING ERRCODE = 'foreign_key_violation';
    END IF;
    RETURN OLD;
END;
$$;

-- Keys are revoked, not deleted; a key no change set names (one never approved, say)
-- may still go. Rare, so a scan of the change sets is fine here.
CREATE TRIGGER authors_stay
BEFORE DELETE ON staff_keys
FOR EACH ROW EXECUTE FUNCTION authors_stay();

CREATE TRIGGER staff_keys_are_never_truncated
BEFORE TRUNCATE ON staff_keys
FOR EACH STATEMENT EXECUTE FUNCTION named_rows_stay('keys authored change sets and stay');
