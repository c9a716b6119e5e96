-- Roles granted before keep the column grants on audit_heads; `migrate --grant-to` after a rollback restores the table grants.
DROP FUNCTION audit_prune(TEXT, BIGINT);
DROP TRIGGER audit_heads_anchor_guard ON audit_heads;
DROP FUNCTION audit_heads_anchor_guard();
DROP TRIGGER audit_entries_append_only ON audit_entries;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION append_only();
DROP FUNCTION audit_entries_append_only();
DROP TABLE audit_prune_guard;
ALTER TABLE audit_heads DROP COLUMN anchor_hash;
ALTER TABLE audit_heads DROP COLUMN anchor_seq;
