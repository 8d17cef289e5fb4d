-- A push rewrites the current document of every tenant it touches, under the sequence
-- lock. The documents are JSON of ~10 KB, so Postgres compresses each one; its default
-- compressor (pglz) made that write most of the time the lock is held. lz4 compresses
-- several times faster for a slightly larger result. A server built without lz4 keeps
-- the default: the change is only about speed.
DO $$
BEGIN
    ALTER TABLE tenant_documents ALTER COLUMN document SET COMPRESSION lz4;
EXCEPTION WHEN feature_not_supported OR invalid_parameter_value THEN
    RAISE NOTICE 'lz4 is not available in this Postgres build; documents stay compressed with pglz';
END;
$$;
