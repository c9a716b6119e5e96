-- Staff accounts: second factor, companies, invitations, tenant security settings, and
-- the mail outbox (TOM ACC-6, AUTHZ-3..5, SEP-3, INPUT-6). Keep in step with ../../sqlite.

-- TOTP secrets are encrypted with the platform data key; the last accepted time step
-- stops a code from being used twice.
ALTER TABLE accounts ADD COLUMN totp_secret_ciphertext BYTEA;
ALTER TABLE accounts ADD COLUMN totp_pending_ciphertext BYTEA;
ALTER TABLE accounts ADD COLUMN totp_enabled_at TIMESTAMP;
ALTER TABLE accounts ADD COLUMN totp_last_step BIGINT;

-- One-time recovery codes; only their keyed hash is stored.
CREATE TABLE recovery_codes (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    code_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP
);
CREATE INDEX recovery_codes_account ON recovery_codes (account_id);

ALTER TABLE tenants ADD COLUMN mfa_required_for_admins BOOLEAN NOT NULL DEFAULT FALSE;

-- Customer organisations inside a tenant (a company sending employees to courses).
CREATE TABLE companies (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);
ALTER TABLE companies ENABLE ROW LEVEL SECURITY;
ALTER TABLE companies FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON companies
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

-- Memberships gain partner admins, participants, course scopes and a per-tenant disable.
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('tenant_admin', 'partner_admin', 'company_admin', 'organiser', 'instructor', 'participant'));
ALTER TABLE memberships ADD COLUMN course_id TEXT;
ALTER TABLE memberships ADD COLUMN disabled_at TIMESTAMP;
ALTER TABLE memberships ADD CONSTRAINT memberships_company_fk
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id);

-- Invitations by email. Looked up by token hash before any tenant is known, like
-- memberships; the email is encrypted with the tenant's data key.
CREATE TABLE invitations (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    email_ciphertext BYTEA NOT NULL,
    email_index BYTEA NOT NULL,
    role TEXT NOT NULL,
    company_id TEXT,
    language TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    invited_by TEXT NOT NULL REFERENCES accounts (id),
    mail_id TEXT,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    accepted_at TIMESTAMP,
    accepted_account_id TEXT REFERENCES accounts (id),
    revoked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id)
);

-- Outgoing mail. The rendered message is encrypted (tenant key, or the platform key for
-- platform mail) and dropped once sent; the status stays (TOM INPUT-6).
CREATE TABLE mail_outbox (
    id TEXT NOT NULL PRIMARY KEY,
    -- The tenant the mail is sent for; a platform-level queue, not a tenant table.
    sender_tenant_id TEXT REFERENCES tenants (id),
    purpose TEXT NOT NULL,
    recipient_index BYTEA NOT NULL,
    payload_ciphertext BYTEA,
    status TEXT NOT NULL CHECK (status IN ('queued', 'sent', 'failed', 'bounced')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    sent_at TIMESTAMP
);
CREATE INDEX mail_outbox_due ON mail_outbox (status, next_attempt_at);

-- A session stays at 'mfa' or 'enrol' until the second factor is given or set up.
ALTER TABLE sessions ADD COLUMN stage TEXT NOT NULL DEFAULT 'full' CHECK (stage IN ('mfa', 'enrol', 'full'));
