-- Audit retention (TOM PRIV-6, INPUT-5). Keep in step with ../../postgres.
-- A chain may lose a prefix of old entries to the retention job. Its head then records
-- the anchor: the seq and entry_hash of the last removed entry (0 and the genesis hash
-- while nothing was removed). `audit::verify_chain` starts there: the first remaining
-- entry must be anchor_seq + 1 and link to anchor_hash.
ALTER TABLE audit_heads ADD COLUMN anchor_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE audit_heads ADD COLUMN anchor_hash BLOB NOT NULL DEFAULT X'0000000000000000000000000000000000000000000000000000000000000000';

-- The prune guard: a row exists only inside a prune's transaction (`audit::store::prune`),
-- from just before the removal until just after it. SQLite has no roles, so as before
-- the triggers guard against mistakes of the application, not against someone holding
-- the database file (that is what the hash chain is for).
CREATE TABLE audit_prune_guard (
    chain TEXT NOT NULL PRIMARY KEY,
    upto_seq BIGINT NOT NULL
);

-- A guard names a complete prefix right after the anchor, at most up to the head.
CREATE TRIGGER audit_prune_guard_start BEFORE INSERT ON audit_prune_guard
WHEN NOT EXISTS (
    SELECT 1 FROM audit_heads h
    WHERE h.chain = NEW.chain AND NEW.upto_seq > h.anchor_seq AND NEW.upto_seq <= h.seq
      AND (SELECT COUNT(*) FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq <= NEW.upto_seq) = NEW.upto_seq - h.anchor_seq
)
BEGIN SELECT RAISE(ABORT, 'audit prune: not a complete prefix after the anchor'); END;
CREATE TRIGGER audit_prune_guard_no_update BEFORE UPDATE ON audit_prune_guard
BEGIN SELECT RAISE(ABORT, 'audit prune: the guard does not change'); END;
-- It goes when the prune is done: the whole prefix removed, the anchor on its last entry.
CREATE TRIGGER audit_prune_guard_done BEFORE DELETE ON audit_prune_guard
WHEN EXISTS (SELECT 1 FROM audit_entries e WHERE e.chain = OLD.chain AND e.seq <= OLD.upto_seq)
  OR NOT EXISTS (SELECT 1 FROM audit_heads h WHERE h.chain = OLD.chain AND h.anchor_seq = OLD.upto_seq)
BEGIN SELECT RAISE(ABORT, 'audit prune: the prefix is not removed or the anchor not moved'); END;

-- audit_entries stays append-only: an UPDATE always fails (audit_entries_no_update, as
-- before), a DELETE only for the entries a running prune named, once the anchor is on
-- the last of them.
DROP TRIGGER audit_entries_no_delete;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
WHEN NOT EXISTS (
    SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
    WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
)
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

-- The anchor only moves forward, with a prune to exactly that seq, onto that entry's hash
-- (so it moves before the entries go).
CREATE TRIGGER audit_heads_anchor_guard BEFORE UPDATE OF anchor_seq, anchor_hash ON audit_heads
WHEN (NEW.anchor_seq IS NOT OLD.anchor_seq OR NEW.anchor_hash IS NOT OLD.anchor_hash)
 AND (NEW.anchor_seq <= OLD.anchor_seq
      OR NOT EXISTS (SELECT 1 FROM audit_prune_guard g WHERE g.chain = NEW.chain AND g.upto_seq = NEW.anchor_seq)
      OR NEW.anchor_hash IS NOT (SELECT e.entry_hash FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq = NEW.anchor_seq))
BEGIN SELECT RAISE(ABORT, 'the audit anchor moves only forward, with a prune'); END;
