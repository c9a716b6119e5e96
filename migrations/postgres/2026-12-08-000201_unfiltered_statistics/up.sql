-- No statistics for the audit columns no query filters, joins or sorts on (issue #16).
-- PostgreSQL only: SQLite's ANALYZE samples indexes, not columns.
-- Every audit append changes audit_entries twice (the insert, then the sealer's update),
-- so autovacuum analyses it often, and each ANALYZE sorted a 30,000-row sample of every
-- column, the long JSON details and hashes included. The planner reads statistics only
-- of the columns a WHERE, JOIN or ORDER BY names: for audit_entries those are chain, seq,
-- id, occurred_at, action, actor_id, target_type, target_id, subject_ref, company_id
-- (audit::store). The columns below keep their values; only their statistics go.
ALTER TABLE audit_entries
    ALTER COLUMN actor_type SET STATISTICS 0,
    ALTER COLUMN actor_role SET STATISTICS 0,
    ALTER COLUMN outcome SET STATISTICS 0,
    ALTER COLUMN request_id SET STATISTICS 0,
    ALTER COLUMN ip_hash SET STATISTICS 0,
    ALTER COLUMN ip_key_id SET STATISTICS 0,
    ALTER COLUMN detail SET STATISTICS 0,
    ALTER COLUMN prev_hash SET STATISTICS 0,
    ALTER COLUMN entry_hash SET STATISTICS 0;
