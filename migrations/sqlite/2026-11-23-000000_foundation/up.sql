-- Foundation schema (SQLite). Keep in step with ../../postgres: the schema-parity test
-- compares tables, columns, nullability and keys.
-- Every tenant-owned table: PRIMARY KEY (tenant_id, id) and composite foreign keys
-- (tenant_id, x_id) -> (tenant_id, id), so a row can never point into another tenant
-- (TOM SEP-2).

CREATE TABLE tenants (
    id TEXT NOT NULL PRIMARY KEY,
    slug TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('active', 'read_only', 'offboarded')),
    is_demo BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- Per-tenant data and index keys, wrapped (AES-256-GCM) by the master key.
-- wrapped_key becomes NULL when the key is destroyed (crypto-shredding, TOM DEL-4).
CREATE TABLE tenant_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    purpose TEXT NOT NULL CHECK (purpose IN ('data', 'index')),
    wrapped_key BLOB,
    master_key_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    destroyed_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);

-- Rotating keys for hashing client IPs (TOM INPUT-2). One row per period.
CREATE TABLE ip_hash_keys (
    id TEXT NOT NULL PRIMARY KEY,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP NOT NULL,
    wrapped_key BLOB,
    master_key_id TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    destroyed_at TIMESTAMP
);

-- Venues and rooms; a room points at its venue inside the same tenant.
CREATE TABLE locations (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    parent_id TEXT,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, parent_id) REFERENCES locations (tenant_id, id)
);

-- Staff accounts (platform level; tenant roles come with the staff-auth work).
-- The email is encrypted; lookups go through its blind index.
CREATE TABLE accounts (
    id TEXT NOT NULL PRIMARY KEY,
    email_ciphertext BLOB NOT NULL,
    email_index BLOB NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    is_platform_admin BOOLEAN NOT NULL,
    disabled_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);
