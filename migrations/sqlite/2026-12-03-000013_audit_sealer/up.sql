-- Audit sealing (TOM INPUT-1, INPUT-5; issue #16). Keep in step with ../../postgres.
-- `audit::record` inserts an entry in the caller's transaction without seq, prev_hash and
-- entry_hash ("unsealed"), so appends no longer queue on the chain head. The sealer
-- (`audit::sealer`) gives the committed unsealed entries of a chain consecutive seqs after
-- the head, links and hashes them, and moves the head, in its own transaction.
-- seq becomes nullable, so (chain, seq) can no longer be the primary key: the entry's id
-- is (it was unique already), and (chain, seq) stays unique (NULLs are distinct).
-- SQLite changes NOT NULL only by rebuilding the table; the triggers of other tables
-- that read audit_entries are dropped around it and made again as they were.

DROP TRIGGER audit_prune_guard_start;
DROP TRIGGER audit_prune_guard_done;
DROP TRIGGER audit_heads_anchor_guard;
DROP TRIGGER audit_entries_no_update;
DROP TRIGGER audit_entries_no_delete;

CREATE TABLE audit_entries_sealed (
    chain TEXT NOT NULL,
    seq BIGINT,
    id TEXT NOT NULL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    outcome TEXT NOT NULL,
    subject_ref TEXT,
    company_id TEXT,
    request_id TEXT,
    ip_hash BLOB,
    ip_key_id TEXT,
    detail TEXT NOT NULL,
    prev_hash BLOB,
    entry_hash BLOB,
    UNIQUE (chain, seq),
    FOREIGN KEY (chain) REFERENCES audit_heads (chain),
    -- Sealed (all three set) or unsealed (none).
    CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (entry_hash IS NULL))
);
INSERT INTO audit_entries_sealed (chain, seq, id, occurred_at, actor_type, actor_id, actor_role, action, target_type, target_id,
    outcome, subject_ref, company_id, request_id, ip_hash, ip_key_id, detail, prev_hash, entry_hash)
SELECT chain, seq, id, occurred_at, actor_type, actor_id, actor_role, action, target_type, target_id,
    outcome, subject_ref, company_id, request_id, ip_hash, ip_key_id, detail, prev_hash, entry_hash
FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_sealed RENAME TO audit_entries;

CREATE INDEX audit_entries_time ON audit_entries (chain, occurred_at);
CREATE INDEX audit_entries_action ON audit_entries (chain, action);
CREATE INDEX audit_entries_subject ON audit_entries (chain, subject_ref);
-- What the sealer reads: the unsealed entries of a chain in id (UUIDv7: creation) order.
CREATE INDEX audit_entries_unsealed ON audit_entries (chain, id) WHERE seq IS NULL;

-- Append-only, as before, with one exception: an unsealed entry is sealed once, and only
-- its seq, prev_hash and entry_hash change. A sealed entry never changes again.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
WHEN OLD.seq IS NOT NULL OR OLD.prev_hash IS NOT NULL OR OLD.entry_hash IS NOT NULL
  OR NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.entry_hash IS NULL
  OR NEW.chain IS NOT OLD.chain OR NEW.id IS NOT OLD.id OR NEW.occurred_at IS NOT OLD.occurred_at
  OR NEW.actor_type IS NOT OLD.actor_type OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_role IS NOT OLD.actor_role
  OR NEW.action IS NOT OLD.action OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id
  OR NEW.outcome IS NOT OLD.outcome OR NEW.subject_ref IS NOT OLD.subject_ref OR NEW.company_id IS NOT OLD.company_id
  OR NEW.request_id IS NOT OLD.request_id OR NEW.ip_hash IS NOT OLD.ip_hash OR NEW.ip_key_id IS NOT OLD.ip_key_id
  OR NEW.detail IS NOT OLD.detail
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

-- As in 2026-12-01-000009_audit_anchor. An unsealed entry (seq NULL) is never removed.
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
WHEN NOT EXISTS (
    SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
    WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
)
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_prune_guard_start BEFORE INSERT ON audit_prune_guard
WHEN NOT EXISTS (
    SELECT 1 FROM audit_heads h
    WHERE h.chain = NEW.chain AND NEW.upto_seq > h.anchor_seq AND NEW.upto_seq <= h.seq
      AND (SELECT COUNT(*) FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq <= NEW.upto_seq) = NEW.upto_seq - h.anchor_seq
)
BEGIN SELECT RAISE(ABORT, 'audit prune: not a complete prefix after the anchor'); END;
CREATE TRIGGER audit_prune_guard_done BEFORE DELETE ON audit_prune_guard
WHEN EXISTS (SELECT 1 FROM audit_entries e WHERE e.chain = OLD.chain AND e.seq <= OLD.upto_seq)
  OR NOT EXISTS (SELECT 1 FROM audit_heads h WHERE h.chain = OLD.chain AND h.anchor_seq = OLD.upto_seq)
BEGIN SELECT RAISE(ABORT, 'audit prune: the prefix is not removed or the anchor not moved'); END;
CREATE TRIGGER audit_heads_anchor_guard BEFORE UPDATE OF anchor_seq, anchor_hash ON audit_heads
WHEN (NEW.anchor_seq IS NOT OLD.anchor_seq OR NEW.anchor_hash IS NOT OLD.anchor_hash)
 AND (NEW.anchor_seq <= OLD.anchor_seq
      OR NOT EXISTS (SELECT 1 FROM audit_prune_guard g WHERE g.chain = NEW.chain AND g.upto_seq = NEW.anchor_seq)
      OR NEW.anchor_hash IS NOT (SELECT e.entry_hash FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq = NEW.anchor_seq))
BEGIN SELECT RAISE(ABORT, 'the audit anchor moves only forward, with a prune'); END;
