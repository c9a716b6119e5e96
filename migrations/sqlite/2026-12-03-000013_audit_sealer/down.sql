-- Back to seq NOT NULL with (chain, seq) as the key. Seal first (`anwesend audit verify`
-- seals every chain it reads): an unsealed entry fails the copy, and nothing changes.
DROP TRIGGER audit_prune_guard_start;
DROP TRIGGER audit_prune_guard_done;
DROP TRIGGER audit_heads_anchor_guard;
DROP TRIGGER audit_entries_no_update;
DROP TRIGGER audit_entries_no_delete;
DROP INDEX audit_entries_unsealed;

CREATE TABLE audit_entries_keyed (
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
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
    prev_hash BLOB NOT NULL,
    entry_hash BLOB NOT NULL,
    PRIMARY KEY (chain, seq),
    FOREIGN KEY (chain) REFERENCES audit_heads (chain)
);
INSERT INTO audit_entries_keyed (chain, seq, id, occurred_at, actor_type, actor_id, actor_role, action, target_type, target_id,
    outcome, subject_ref, company_id, request_id, ip_hash, ip_key_id, detail, prev_hash, entry_hash)
SELECT chain, seq, id, occurred_at, actor_type, actor_id, actor_role, action, target_type, target_id,
    outcome, subject_ref, company_id, request_id, ip_hash, ip_key_id, detail, prev_hash, entry_hash
FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_keyed RENAME TO audit_entries;

CREATE INDEX audit_entries_time ON audit_entries (chain, occurred_at);
CREATE INDEX audit_entries_action ON audit_entries (chain, action);
CREATE INDEX audit_entries_subject ON audit_entries (chain, subject_ref);

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
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
