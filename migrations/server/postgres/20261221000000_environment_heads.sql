-- Each environment's head and the count of its change sets after its checkpoint move
-- from `tenant_documents` into the tenant's row, which a push already rewrites for the
-- tenant's head: one row written per tenant and push instead of one more per changed
-- environment. Under the sequence lock, that second `UPDATE` (a new version of a
-- separate row, its key looked up, its foreign key checked) cost ~30 µs per change set
-- (BENCHMARKS.md, 2026-12-06). `tenant_documents` keeps the checkpoints only: the
-- document and the change set it is the result of.
ALTER TABLE tenants
    ADD COLUMN draft_head TEXT REFERENCES changesets (hash),
    ADD COLUMN draft_behind BIGINT NOT NULL DEFAULT 0 CHECK (draft_behind >= 0),
    ADD COLUMN staging_head TEXT REFERENCES changesets (hash),
    ADD COLUMN staging_behind BIGINT NOT NULL DEFAULT 0 CHECK (staging_behind >= 0),
    ADD COLUMN production_head TEXT REFERENCES changesets (hash),
    ADD COLUMN production_behind BIGINT NOT NULL DEFAULT 0 CHECK (production_behind >= 0);

UPDATE tenants t SET draft_head = d.head_hash, draft_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = t.id AND d.environment = 'draft';
UPDATE tenants t SET staging_head = d.head_hash, staging_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = t.id AND d.environment = 'staging';
UPDATE tenants t SET production_head = d.head_hash, production_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = t.id AND d.environment = 'production';

ALTER TABLE tenant_documents DROP COLUMN head_hash, DROP COLUMN behind;

-- The heads one row per stored environment, as readers want them.
CREATE VIEW environment_heads AS
    SELECT id AS tenant_id, 'draft' AS environment, draft_head AS head_hash, draft_behind AS behind
      FROM tenants WHERE draft_head IS NOT NULL
    UNION ALL
    SELECT id, 'staging', staging_head, staging_behind FROM tenants WHERE staging_head IS NOT NULL
    UNION ALL
    SELECT id, 'production', production_head, production_behind FROM tenants WHERE production_head IS NOT NULL;
