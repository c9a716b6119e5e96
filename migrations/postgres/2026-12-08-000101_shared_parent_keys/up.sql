-- Foreign keys to a parent row that every tap or every audit append of a tenant shares
-- (issue #16). Keep in step with ../../sqlite.
-- A foreign-key check key-share locks the parent row. When concurrent transactions lock
-- the same row, its lock becomes a multixact, which every later check reads and extends:
-- on a tenant's row (every tap inserted three rows referencing it) and on a chain's head
-- (every audit entry), that cost up to a tenth of PostgreSQL's CPU per request. Dropped
-- are only keys that hold without the database checking them:
-- - attendance, device_taps, device_nonces -> tenants: each row also references a row
--   of the same tenant (its session, its device) whose own key references the tenant;
-- - audit_entries -> audit_heads: `audit::record` makes the chain's head before its first
--   entry, in the same transaction, and the app role may not delete a head
--   (db::grant_app_role); the sealer seals only the entries of a chain with a head.
ALTER TABLE attendance DROP CONSTRAINT attendance_tenant_id_fkey;
ALTER TABLE device_taps DROP CONSTRAINT device_taps_tenant_id_fkey;
ALTER TABLE device_nonces DROP CONSTRAINT device_nonces_tenant_id_fkey;
ALTER TABLE audit_entries DROP CONSTRAINT audit_entries_chain_fkey;
