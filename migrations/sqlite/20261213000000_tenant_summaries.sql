-- The home screen's tenant list: one row per tenant with what the list shows and filters
-- on, kept by triggers from the tenants' documents so that no write path (record, ingest,
-- pull, rebase) can leave it stale. Progress comes from the policy pack, which the store
-- does not run: the app writes it for the head it evaluated, and any new document clears it.
CREATE TABLE tenant_summaries (
    tenant_id       TEXT    PRIMARY KEY NOT NULL REFERENCES tenants (id) ON DELETE CASCADE,
    display_name    TEXT    NOT NULL,
    slug            TEXT    NOT NULL,
    industry        TEXT    NOT NULL,
    compliance_mode TEXT    NOT NULL,
    -- The furthest environment the tenant has a configuration in.
    stage           TEXT    NOT NULL CHECK (stage IN ('draft', 'staging', 'production')),
    -- Key id of the author of the tenant's first change set.
    owner           TEXT,
    -- Lower-cased display name: the list's order.
    sort_key        TEXT    NOT NULL,
    -- Lower-cased "display name slug" for search.
    search_text     TEXT    NOT NULL,
    -- Policy progress for the document at `progress_of` (a draft head hash); NULL until
    -- the app evaluated that document.
    steps_complete  INTEGER  CHECK (steps_complete BETWEEN 0 AND 12),
    blocked         INTEGER CHECK (blocked IN (0, 1)),
    progress_of     TEXT
) STRICT;

CREATE INDEX tenant_summaries_by_name ON tenant_summaries (sort_key, tenant_id);

-- The row of a tenant, from its draft configuration (or, lacking one, the furthest).
CREATE VIEW tenant_summary_source AS
SELECT d.tenant_id,
       d.environment,
       json_extract(d.document, '$.tenant.display_name') AS display_name,
       json_extract(d.document, '$.tenant.slug') AS slug,
       json_extract(d.document, '$.classification.industry') AS industry,
       json_extract(d.document, '$.classification.compliance_mode') AS compliance_mode,
       (SELECT CASE MAX(CASE e.environment WHEN 'draft' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END)
                 WHEN 0 THEN 'draft' WHEN 1 THEN 'staging' ELSE 'production' END
          FROM tenant_documents e WHERE e.tenant_id = d.tenant_id) AS stage,
       (SELECT c.author FROM changesets c WHERE c.tenant_id = d.tenant_id AND c.seq = 1) AS owner
  FROM tenant_documents d
 WHERE d.environment = (SELECT e.environment FROM tenant_documents e
                         WHERE e.tenant_id = d.tenant_id
                         ORDER BY CASE e.environment WHEN 'draft' THEN 0 WHEN 'staging' THEN 1 ELSE 2 END
                         LIMIT 1);

CREATE TRIGGER tenant_summaries_after_insert AFTER INSERT ON tenant_documents BEGIN
    INSERT INTO tenant_summaries (tenant_id, display_name, slug, industry, compliance_mode, stage, owner, sort_key, search_text)
    SELECT tenant_id, display_name, slug, industry, compliance_mode, stage, owner,
           lower(display_name), lower(display_name || ' ' || slug)
      FROM tenant_summary_source WHERE tenant_id = NEW.tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET
        display_name = excluded.display_name, slug = excluded.slug, industry = excluded.industry,
        compliance_mode = excluded.compliance_mode, stage = excluded.stage, owner = excluded.owner,
        sort_key = excluded.sort_key, search_text = excluded.search_text,
        steps_complete = NULL, blocked = NULL, progress_of = NULL;
END;

CREATE TRIGGER tenant_summaries_after_update AFTER UPDATE ON tenant_documents BEGIN
    INSERT INTO tenant_summaries (tenant_id, display_name, slug, industry, compliance_mode, stage, owner, sort_key, search_text)
    SELECT tenant_id, display_name, slug, industry, compliance_mode, stage, owner,
           lower(display_name), lower(display_name || ' ' || slug)
      FROM tenant_summary_source WHERE tenant_id = NEW.tenant_id
    ON CONFLICT (tenant_id) DO UPDATE SET
        display_name = excluded.display_name, slug = excluded.slug, industry = excluded.industry,
        compliance_mode = excluded.compliance_mode, stage = excluded.stage, owner = excluded.owner,
        sort_key = excluded.sort_key, search_text = excluded.search_text,
        steps_complete = NULL, blocked = NULL, progress_of = NULL;
END;

CREATE TRIGGER tenant_summaries_after_delete AFTER DELETE ON tenant_documents BEGIN
    DELETE FROM tenant_summaries
     WHERE tenant_id = OLD.tenant_id
       AND NOT EXISTS (SELECT 1 FROM tenant_documents WHERE tenant_id = OLD.tenant_id);
    UPDATE tenant_summaries
       SET stage = (SELECT stage FROM tenant_summary_source WHERE tenant_id = OLD.tenant_id)
     WHERE tenant_id = OLD.tenant_id;
END;

-- A creation's author is known once its change set row exists; documents may be written
-- before or after it within one transaction.
CREATE TRIGGER tenant_summaries_owner AFTER INSERT ON changesets WHEN NEW.seq = 1 BEGIN
    UPDATE tenant_summaries SET owner = NEW.author WHERE tenant_id = NEW.tenant_id;
END;

INSERT INTO tenant_summaries (tenant_id, display_name, slug, industry, compliance_mode, stage, owner, sort_key, search_text)
SELECT tenant_id, display_name, slug, industry, compliance_mode, stage, owner,
       lower(display_name), lower(display_name || ' ' || slug)
  FROM tenant_summary_source;
