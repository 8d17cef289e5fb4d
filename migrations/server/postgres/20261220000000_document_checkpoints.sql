-- A tenant's document is the replay of its environment's change sets, which are stored
-- anyway: `document` becomes a checkpoint, the result of the change set `document_head`,
-- and `behind` counts the change sets of the environment after it (up to `head_hash`),
-- which a reader replays. A push writes the whole document only every few change sets
-- and otherwise moves `head_hash` and `behind` (crates/tenantry-server/src/documents.rs).
-- Rewriting ~10 KB per touched tenant under the sequence lock was most of a push's
-- locked time.
ALTER TABLE tenant_documents ADD COLUMN document_head TEXT REFERENCES changesets (hash);
ALTER TABLE tenant_documents ADD COLUMN behind BIGINT NOT NULL DEFAULT 0 CHECK (behind >= 0);
UPDATE tenant_documents SET document_head = head_hash;
ALTER TABLE tenant_documents ALTER COLUMN document_head SET NOT NULL;
