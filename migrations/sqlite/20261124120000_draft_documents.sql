-- Drafts become the working copy of a whole tenant document (issue 4): autosaved as
-- JSON, and remembered against the change set last signed from them. Drafts made by
-- the previous schema have no document yet; the app makes one the first time it opens
-- such a draft.
ALTER TABLE drafts ADD COLUMN slug TEXT CHECK (slug IS NULL OR length(slug) BETWEEN 1 AND 63);
ALTER TABLE drafts ADD COLUMN document TEXT;
ALTER TABLE drafts ADD COLUMN submitted_hash TEXT REFERENCES changesets (hash);
ALTER TABLE drafts ADD COLUMN submitted_at_ms INTEGER;
