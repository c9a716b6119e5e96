-- Staff memberships and server-side sessions (TOM ACC-3, AUTHZ-1). Keep in step with
-- ../../postgres.

ALTER TABLE accounts ADD COLUMN last_sign_in_at TIMESTAMP;

-- Which account holds which role in which tenant. A platform-level lookup (sign-in must
-- find an account's tenants before any tenant is chosen), keyed by tenant like every
-- tenant table.
CREATE TABLE memberships (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('tenant_admin', 'company_admin', 'organiser', 'instructor')),
    is_primary BOOLEAN NOT NULL,
    company_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX memberships_account ON memberships (account_id);

-- Only the SHA-256 of a session token is stored.
CREATE TABLE sessions (
    id TEXT NOT NULL PRIMARY KEY,
    token_hash BLOB NOT NULL UNIQUE,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    -- The tenant the session acts in (partner admins switch); not an owner.
    active_tenant_id TEXT REFERENCES tenants (id),
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    end_reason TEXT,
    device TEXT NOT NULL,
    ip_hash BLOB,
    ip_key_id TEXT
);
CREATE INDEX sessions_account ON sessions (account_id);
