-- The revocation guard on change-set rows (20261210142300_revoked_after_seq.sql), checked
-- once per INSERT statement instead of once per row. A push writes its accepted change
-- sets in multi-row statements; per row, the guard parsed every envelope's JSON even when
-- no key was ever revoked, which cost more than the insert itself. Per statement, the
-- revoked keys are looked at first (usually there are none), and only the new rows'
-- signatures are joined against them. The rule is the same: any row signed by a key
-- revoked before that row's number fails the whole statement, and with it the push.

DROP TRIGGER changesets_not_signed_after_revocation ON changesets;
DROP FUNCTION changesets_not_signed_after_revocation();

CREATE FUNCTION changesets_not_signed_after_revocation() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    offending RECORD;
BEGIN
    IF NOT EXISTS (SELECT 1 FROM staff_keys WHERE state = 'revoked') THEN
        RETURN NULL;
    END IF;
    SELECT i.hash, i.seq INTO offending
      FROM inserted i
      CROSS JOIN LATERAL json_array_elements(convert_from(i.envelope, 'UTF8')::json -> 'signatures') AS signature
      JOIN staff_keys k ON k.key_id = signature ->> 'keyid'
     WHERE k.state = 'revoked' AND k.revoked_after_seq < i.seq
     LIMIT 1;
    IF FOUND THEN
        RAISE EXCEPTION 'change set % signed by a key revoked before sequence number %',
            offending.hash, offending.seq;
    END IF;
    RETURN NULL;
END;
$$;

CREATE TRIGGER changesets_not_signed_after_revocation
AFTER INSERT ON changesets
REFERENCING NEW TABLE AS inserted
FOR EACH STATEMENT EXECUTE FUNCTION changesets_not_signed_after_revocation();
