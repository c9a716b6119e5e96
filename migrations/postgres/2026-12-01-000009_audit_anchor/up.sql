-- Audit retention (TOM PRIV-6, INPUT-5). Keep in step with ../../sqlite.
-- A chain may lose a prefix of old entries to the retention job. Its head then records
-- the anchor: the seq and entry_hash of the last removed entry (0 and the genesis hash
-- while nothing was removed). `audit::verify_chain` starts there: the first remaining
-- entry must be anchor_seq + 1 and link to anchor_hash.
ALTER TABLE audit_heads ADD COLUMN anchor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_heads ADD COLUMN anchor_hash BYTEA NOT NULL DEFAULT decode(repeat('00', 32), 'hex');

-- Set only inside `audit_prune`, for the duration of the removal, and empty again before
-- it returns: other transactions never see a row. The app role gets no privilege on it
-- (db::grant_app_role), so only the function (running as its owner) can write it.
CREATE TABLE audit_prune_guard (
    chain TEXT NOT NULL PRIMARY KEY,
    upto_seq BIGINT NOT NULL
);
REVOKE ALL ON audit_prune_guard FROM PUBLIC;
-- Also from any role the owner's default privileges just granted DML to (an upgrade of a
-- database whose app role was granted before; `migrate --grant-to` revokes it as well).
DO $$
DECLARE r RECORD;
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole::text AS role
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = 'audit_prune_guard'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
    LOOP
        EXECUTE format('REVOKE ALL ON audit_prune_guard FROM %s', r.role);
    END LOOP;
END $$;

-- audit_entries stays append-only: an UPDATE always fails, a DELETE only for the entries
-- a running prune named (seq <= upto_seq of the guard row of their chain), once the
-- anchor is on the last of them.
CREATE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested, so the guard table is read only for a DELETE.
    IF TG_OP = 'DELETE' THEN
        IF EXISTS (
            SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
            WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
        ) THEN
            RETURN OLD;
        END IF;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only';
END $$;
DROP TRIGGER audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION audit_entries_append_only();

-- The anchor only moves forward, with a prune to exactly that seq, onto that entry's hash
-- (so it moves before the entries go). The app role cannot write these columns at all:
-- its UPDATE/INSERT grant on audit_heads names the other columns (db::grant_app_role).
CREATE FUNCTION audit_heads_anchor_guard() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested, so an append (anchor unchanged, by the app role) never reads the guard table.
    IF (NEW.anchor_seq, NEW.anchor_hash) IS DISTINCT FROM (OLD.anchor_seq, OLD.anchor_hash) THEN
        IF NEW.anchor_seq <= OLD.anchor_seq OR NOT EXISTS (
            SELECT 1 FROM audit_prune_guard g WHERE g.chain = NEW.chain AND g.upto_seq = NEW.anchor_seq
        ) OR NEW.anchor_hash IS DISTINCT FROM (
            SELECT e.entry_hash FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq = NEW.anchor_seq
        ) THEN
            RAISE EXCEPTION 'the audit anchor moves only forward, with a prune';
        END IF;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER audit_heads_anchor_guard BEFORE UPDATE ON audit_heads
    FOR EACH ROW EXECUTE FUNCTION audit_heads_anchor_guard();

-- The only way to remove audit entries: the prefix after the anchor up to p_upto of the
-- chain of the calling transaction's scope (app.tenant_id, or 'platform'), complete, in
-- one go; the anchor moves to the last removed entry. Runs as the migration owner, so
-- the app role needs no DELETE on audit_entries; it gets EXECUTE (db::grant_app_role).
-- The caller checks the entries' age and the chain's hashes before (audit::service::prune_before)
-- and writes the deletion log and the `audit.pruned` entry in the same transaction.
CREATE FUNCTION audit_prune(p_chain TEXT, p_upto BIGINT) RETURNS BIGINT
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
DECLARE
    h_seq BIGINT;
    h_anchor BIGINT;
    last_hash BYTEA;
    present BIGINT;
    removed BIGINT;
BEGIN
    IF p_chain IS DISTINCT FROM COALESCE(NULLIF(current_setting('app.tenant_id', true), ''), 'platform') THEN
        RAISE EXCEPTION 'audit_prune: chain % is not the scope of this transaction', p_chain;
    END IF;
    SELECT seq, anchor_seq INTO h_seq, h_anchor FROM audit_heads WHERE chain = p_chain FOR UPDATE;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'audit_prune: no chain %', p_chain;
    END IF;
    IF p_upto IS NULL OR p_upto <= h_anchor OR p_upto > h_seq THEN
        RAISE EXCEPTION 'audit_prune: % is not after the anchor % and at most the head %', p_upto, h_anchor, h_seq;
    END IF;
    SELECT count(*) INTO present FROM audit_entries WHERE chain = p_chain AND seq <= p_upto;
    IF present <> p_upto - h_anchor THEN
        RAISE EXCEPTION 'audit_prune: entries up to % are not exactly %..%', p_upto, h_anchor + 1, p_upto;
    END IF;
    SELECT entry_hash INTO last_hash FROM audit_entries WHERE chain = p_chain AND seq = p_upto;
    INSERT INTO audit_prune_guard (chain, upto_seq) VALUES (p_chain, p_upto);
    UPDATE audit_heads SET anchor_seq = p_upto, anchor_hash = last_hash WHERE chain = p_chain;
    DELETE FROM audit_entries WHERE chain = p_chain AND seq <= p_upto;
    GET DIAGNOSTICS removed = ROW_COUNT;
    DELETE FROM audit_prune_guard WHERE chain = p_chain;
    IF removed <> present THEN
        RAISE EXCEPTION 'audit_prune: removed % of % entries', removed, present;
    END IF;
    RETURN removed;
END $$;
REVOKE ALL ON FUNCTION audit_prune(TEXT, BIGINT) FROM PUBLIC;

-- A database upgraded in place: the roles already granted as app role (INSERT on
-- audit_entries, see db::grant_app_role) get what `migrate --grant-to` gives them now.
DO $$
DECLARE r RECORD;
BEGIN
    FOR r IN SELECT DISTINCT a.grantee::regrole::text AS role
             FROM pg_class c, aclexplode(c.relacl) a
             WHERE c.oid = 'audit_entries'::regclass AND a.grantee <> c.relowner AND a.grantee <> 0
               AND a.privilege_type = 'INSERT'
    LOOP
        EXECUTE format('GRANT EXECUTE ON FUNCTION audit_prune(TEXT, BIGINT) TO %s', r.role);
        EXECUTE format('REVOKE INSERT, UPDATE, DELETE ON audit_heads FROM %s', r.role);
        EXECUTE format('GRANT INSERT (chain, seq, head_hash, updated_at), UPDATE (seq, head_hash, updated_at) ON audit_heads TO %s', r.role);
    END LOOP;
END $$;
