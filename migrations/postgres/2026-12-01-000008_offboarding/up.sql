-- Tenant offboarding (TOM DEL-1..4). Keep in step with ../../sqlite.
-- A platform table like `tenants` (no row-level security): the platform reads it to run
-- the deletion job and to hand out the certificate, the tenant's admins read their own
-- row for the status. It holds no personal data (ids, times, the signed certificate).
-- tenants.status: active -> read_only (from started_at, the export window) -> offboarded.
CREATE TABLE tenant_offboardings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    started_at TIMESTAMP NOT NULL,
    -- Who started it: actor type (account, operator), account id, role.
    started_by_type TEXT NOT NULL,
    started_by_id TEXT,
    started_by_role TEXT,
    -- The end of the export window (DEL-2); the deletion job runs after it.
    archive_until TIMESTAMP NOT NULL,
    -- When the tenant's personal data was deleted and its keys destroyed (DEL-1, DEL-4).
    completed_at TIMESTAMP,
    keys_destroyed_at TIMESTAMP,
    -- The signed deletion certificate (DEL-3), as its file holds it.
    certificate TEXT,
    PRIMARY KEY (tenant_id, id),
    -- A tenant is offboarded once: a second start meets this key.
    UNIQUE (tenant_id)
);
