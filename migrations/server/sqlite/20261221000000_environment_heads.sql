-- Each environment's head and the count of its change sets after its checkpoint move
-- from `tenant_documents` into the tenant's row, which a push already rewrites for the
-- tenant's head: one row written per tenant and push instead of one more per changed
-- environment (see the Postgres migration of the same name). `tenant_documents` keeps
-- the checkpoints only.
ALTER TABLE tenants ADD COLUMN draft_head TEXT REFERENCES changesets (hash);
ALTER TABLE tenants ADD COLUMN draft_behind INTEGER NOT NULL DEFAULT 0 CHECK (draft_behind >= 0);
ALTER TABLE tenants ADD COLUMN staging_head TEXT REFERENCES changesets (hash);
ALTER TABLE tenants ADD COLUMN staging_behind INTEGER NOT NULL DEFAULT 0 CHECK (staging_behind >= 0);
ALTER TABLE tenants ADD COLUMN production_head TEXT REFERENCES changesets (hash);
ALTER TABLE tenants ADD COLUMN production_behind INTEGER NOT NULL DEFAULT 0 CHECK (production_behind >= 0);

UPDATE tenants SET draft_head = d.head_hash, draft_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = tenants.id AND d.environment = 'draft';
UPDATE tenants SET staging_head = d.head_hash, staging_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = tenants.id AND d.environment = 'staging';
UPDATE tenants SET production_head = d.head_hash, production_behind = d.behind
  FROM tenant_documents d WHERE d.tenant_id = tenants.id AND d.environment = 'production';

-- SQLite drops no column that a foreign key names: the table is made again without the
-- two (nothing refers to it). `document_head` becomes NOT NULL, as on Postgres: every
-- row has had one since the checkpoints' migration.
CREATE TABLE tenant_checkpoints (
    tenant_id     TEXT    NOT NULL REFERENCES tenants (id),
    environment   TEXT    NOT NULL CHECK (environment IN ('draft', 'staging', 'production')),
    document      TEXT    NOT NULL,
    document_head TEXT    NOT NULL REFERENCES changesets (hash),
    PRIMARY KEY (tenant_id, environment)
) STRICT;
INSERT INTO tenant_checkpoints (tenant_id, environment, document, document_head)
    SELECT tenant_id, environment, document, COALESCE(document_head, head_hash) FROM tenant_documents;
DROP TABLE tenant_documents;
ALTER TABLE tenant_checkpoints RENAME TO tenant_documents;

-- The heads one row per stored environment, as readers want them.
CREATE VIEW environment_heads AS
    SELECT id AS tenant_id, 'draft' AS environment, draft_head AS head_hash, draft_behind AS behind
      FROM tenants WHERE draft_head IS NOT NULL
    UNION ALL
    SELECT id, 'staging', staging_head, staging_behind FROM tenants WHERE staging_head IS NOT NULL
    UNION ALL
    SELECT id, 'production', production_head, production_behind FROM tenants WHERE production_head IS NOT NULL;
