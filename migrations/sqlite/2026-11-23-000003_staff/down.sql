ALTER TABLE sessions DROP COLUMN stage;
DROP TABLE mail_outbox;
DROP TABLE invitations;
CREATE TABLE memberships_old (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    role TEXT NOT NULL CHECK (role IN ('tenant_admin', 'company_admin', 'organiser', 'instructor')),
    is_primary BOOLEAN NOT NULL,
    company_id TEXT,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
INSERT INTO memberships_old SELECT tenant_id, id, account_id, role, is_primary, company_id, created_at FROM memberships
WHERE role IN ('tenant_admin', 'company_admin', 'organiser', 'instructor');
DROP TABLE memberships;
ALTER TABLE memberships_old RENAME TO memberships;
CREATE INDEX memberships_account ON memberships (account_id);
DROP TABLE companies;
ALTER TABLE tenants DROP COLUMN mfa_required_for_admins;
DROP TABLE recovery_codes;
ALTER TABLE accounts DROP COLUMN totp_last_step;
ALTER TABLE accounts DROP COLUMN totp_enabled_at;
ALTER TABLE accounts DROP COLUMN totp_pending_ciphertext;
ALTER TABLE accounts DROP COLUMN totp_secret_ciphertext;
