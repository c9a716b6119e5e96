-- One-time links to set a new staff password (issue 23, TOM ACC-5). Only the SHA-256
-- of the 256-bit token is kept; a link works once and for 30 minutes. A platform table
-- (accounts are platform-level), so no tenant_id and no row-level security. Keep in step
-- with ../../sqlite.
CREATE TABLE password_resets (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX password_resets_account ON password_resets (account_id);
