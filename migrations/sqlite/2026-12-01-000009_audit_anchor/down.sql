DROP TRIGGER audit_heads_anchor_guard;
DROP TRIGGER audit_entries_no_delete;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
DROP TABLE audit_prune_guard;
ALTER TABLE audit_heads DROP COLUMN anchor_hash;
ALTER TABLE audit_heads DROP COLUMN anchor_seq;
