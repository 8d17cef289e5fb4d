-- A tenant's document is the replay of its environment's change sets, which are stored
-- anyway: `document` becomes a checkpoint, the result of the change set `document_head`,
-- and `behind` counts the change sets of the environment after it (up to `head_hash`),
-- which a reader replays. A push writes the whole document only every few change sets
-- and otherwise moves `head_hash` and `behind` (crates/tenantry-server/src/documents.rs).
-- SQLite cannot make an added column NOT NULL without a default: every row gets one
-- here, and the server always writes it.
ALTER TABLE tenant_documents ADD COLUMN document_head TEXT REFERENCES changesets (hash);
ALTER TABLE tenant_documents ADD COLUMN behind INTEGER NOT NULL DEFAULT 0 CHECK (behind >= 0);
UPDATE tenant_documents SET document_head = head_hash;
