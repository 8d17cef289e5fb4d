-- Revoked keys in history (docs/server.md, "Staff keys"): for a revoked key, the global
-- sequence number up to which its change sets were accepted, so a fresh mirror can
-- verify what the key signed before its revocation and refuse anything after it. The
-- SQLite file has the same rules.

-- NULL while the key is pending or approved. A revocation locks the sequence row (as a
-- push does) and records the number it holds, in the same transaction.
ALTER TABLE staff_keys ADD COLUMN revoked_after_seq BIGINT
    CHECK (revoked_after_seq IS NULL OR revoked_after_seq >= 0);

-- Keys revoked before this column existed: their revocation committed before every
-- number handed out after it, so today's value is a true bound (if not the tightest).
UPDATE staff_keys
   SET revoked_after_seq = (SELECT value FROM server_sequences WHERE name = 'changesets')
 WHERE state = 'revoked';

-- A revocation without its number would leave history that no mirror can judge.
ALTER TABLE staff_keys ADD CONSTRAINT staff_keys_revoked_after_seq_iff_revoked
    CHECK ((state = 'revoked') = (revoked_after_seq IS NOT NULL));

-- The last line of defence: a push decides with the key states it read before taking
-- the sequence lock, so a revocation that commits while a push waits for that lock
-- would otherwise let the push store a change set signed by the revoked key under a
-- higher number. Every signer of the envelope (author and co-signers) is checked; the
-- whole push transaction then fails and the client's retry is refused cleanly.
CREATE FUNCTION changesets_not_signed_after_revocation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF EXISTS (
        SELECT 1
          FROM json_array_elements(convert_from(NEW.envelope, 'UTF8')::json -> 'signatures') AS signature
          JOIN staff_keys k ON k.key_id = signature ->> 'keyid'
         WHERE k.state = 'revoked' AND k.revoked_after_seq < NEW.seq
    ) THEN
        RAISE EXCEPTION 'change set % signed by a key revoked before sequence number %',
            NEW.hash, NEW.seq;
    END IF;
    RETURN NEW;
END;
$$;

CREATE TRIGGER changesets_not_signed_after_revocation
BEFORE INSERT ON changesets
FOR EACH ROW EXECUTE FUNCTION changesets_not_signed_after_revocation();
