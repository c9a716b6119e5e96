-- Audit sealing (TOM INPUT-1, INPUT-5; issue #16). Keep in step with ../../sqlite.
-- `audit::record` inserts an entry in the caller's transaction without seq, prev_hash and
-- entry_hash ("unsealed"), so appends no longer queue on the chain head. The sealer
-- (`audit::sealer`) gives the committed unsealed entries of a chain consecutive seqs after
-- the head, links and hashes them, and moves the head, in its own transaction.
-- seq becomes nullable, so (chain, seq) can no longer be the primary key: the entry's id
-- is (it was unique already), and (chain, seq) stays unique (NULLs are distinct).
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_pkey;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_id_key;
ALTER TABLE audit_entries ADD PRIMARY KEY (id);
ALTER TABLE audit_entries ADD CONSTRAINT audit_entries_chain_seq_key UNIQUE (chain, seq);
ALTER TABLE audit_entries
    ALTER COLUMN seq DROP NOT NULL,
    ALTER COLUMN prev_hash DROP NOT NULL,
    ALTER COLUMN entry_hash DROP NOT NULL;
-- Sealed (all three set) or unsealed (none).
ALTER TABLE audit_entries ADD CONSTRAINT audit_entries_sealed_whole
    CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (entry_hash IS NULL));
-- What the sealer reads: the unsealed entries of a chain in id (UUIDv7: creation) order.
CREATE INDEX audit_entries_unsealed ON audit_entries (chain, id) WHERE seq IS NULL;

-- Append-only, as before, with one exception: an unsealed entry is sealed once, and only
-- its seq, prev_hash and entry_hash change. A sealed entry never changes again. The app
-- role may UPDATE those three columns only (db::grant_app_role), so this trigger guards
-- the rest against the owner's mistakes too. DELETE as in 2026-12-01-000009_audit_anchor
-- (an unsealed entry, seq NULL, is never removed).
CREATE OR REPLACE FUNCTION audit_entries_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        -- Nested, so the guard table is read only for a DELETE.
        IF EXISTS (
            SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
            WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
        ) THEN
            RETURN OLD;
        END IF;
    ELSIF OLD.seq IS NULL AND OLD.prev_hash IS NULL AND OLD.entry_hash IS NULL
      AND NEW.seq IS NOT NULL AND NEW.prev_hash IS NOT NULL AND NEW.entry_hash IS NOT NULL
      AND NEW.chain IS NOT DISTINCT FROM OLD.chain AND NEW.id IS NOT DISTINCT FROM OLD.id
      AND NEW.occurred_at IS NOT DISTINCT FROM OLD.occurred_at AND NEW.actor_type IS NOT DISTINCT FROM OLD.actor_type
      AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id AND NEW.actor_role IS NOT DISTINCT FROM OLD.actor_role
      AND NEW.action IS NOT DISTINCT FROM OLD.action AND NEW.target_type IS NOT DISTINCT FROM OLD.target_type
      AND NEW.target_id IS NOT DISTINCT FROM OLD.target_id AND NEW.outcome IS NOT DISTINCT FROM OLD.outcome
      AND NEW.subject_ref IS NOT DISTINCT FROM OLD.subject_ref AND NEW.company_id IS NOT DISTINCT FROM OLD.company_id
      AND NEW.request_id IS NOT DISTINCT FROM OLD.request_id AND NEW.ip_hash IS NOT DISTINCT FROM OLD.ip_hash
      AND NEW.ip_key_id IS NOT DISTINCT FROM OLD.ip_key_id AND NEW.detail IS NOT DISTINCT FROM OLD.detail THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'audit_entries is append-only';
END $$;

-- The periodic sealer looks for chains with unsealed entries across tenants: through this
-- function only (row-level security hides every other chain from the app role), which
-- answers chain names and nothing of the entries. As in 2026-12-03-000010_rls_everywhere,
-- the owner reads past forced row-level security through a SELECT policy of its own.
CREATE POLICY owner_lookup ON audit_entries FOR SELECT TO CURRENT_USER USING (true);
CREATE FUNCTION audit_pending_chains() RETURNS TABLE (pending_chain TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT DISTINCT e.chain FROM audit_entries e WHERE e.seq IS NULL
$$;
REVOKE ALL ON FUNCTION audit_pending_chains() FROM PUBLIC;

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
        EXECUTE format('GRANT UPDATE (seq, prev_hash, entry_hash) ON audit_entries TO %s', r.role);
        EXECUTE format('GRANT EXECUTE ON FUNCTION audit_pending_chains() TO %s', r.role);
    END LOOP;
END $$;
