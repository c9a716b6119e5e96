-- Staff single sign-on (TOM ACC-7): each tenant's identity providers, the identities
-- linked to accounts, the pending sign-ins of the authorization code flow and the
-- tenant's "SSO only" rule. Keep in step with ../../postgres.
CREATE TABLE sso_providers (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    -- `oidc` or `ldap`; SAML adds its kind here.
    kind TEXT NOT NULL CHECK (kind IN ('oidc', 'ldap')),
    -- What the admin picked: `generic`, `entra` (OIDC) or `active_directory` (LDAP).
    preset TEXT NOT NULL,
    -- The button's label, e.g. "Mit Microsoft anmelden".
    name TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- The kind's settings (issuer, client id; or URL, base DN, filter, CA), JSON, no secret.
    settings TEXT NOT NULL,
    -- The client secret or bind password, encrypted with the tenant's data key.
    secret_ciphertext BLOB,
    -- [{"value", "role", "company_id", "course_id"}]: claim values or groups → roles.
    role_mappings TEXT NOT NULL,
    -- `off`: only linked accounts; `jit`: new accounts for verified addresses of `jit_domains`.
    provisioning TEXT NOT NULL CHECK (provisioning IN ('off', 'jit')),
    jit_domains TEXT NOT NULL,
    -- The role new accounts get; never an admin role.
    default_role TEXT CHECK (default_role IN ('organiser', 'instructor')),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

-- An account's identity at one provider: the keyed hash of (issuer, subject), never an
-- email; `managed_roles` are the memberships the role mapping granted (JSON), so only
-- those are taken when the group is gone.
CREATE TABLE sso_identities (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    subject_index BLOB NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    managed_roles TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_sign_in_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, provider_id, subject_index),
    UNIQUE (tenant_id, provider_id, account_id),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
);

-- A sign-in begun at a provider and not yet finished: single use, ten minutes. `state`
-- and the browser's binding cookie are stored as SHA-256; the PKCE verifier encrypted.
CREATE TABLE sso_logins (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    provider_id TEXT NOT NULL,
    state_hash BLOB NOT NULL UNIQUE,
    browser_hash BLOB NOT NULL,
    nonce TEXT NOT NULL,
    pkce_verifier_ciphertext BLOB NOT NULL,
    -- Set when a signed-in member links this provider to their account.
    link_account_id TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
);

-- "Nur SSO": local passwords stop working for the tenant's staff, except the one
-- break-glass primary admin. Beside the tenant's other sign-in rule (mfa_required_for_admins).
ALTER TABLE tenants ADD COLUMN sso_only BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenants ADD COLUMN sso_break_glass_account_id TEXT REFERENCES accounts (id);

-- How a session began: `password`, or the kind and label of the provider.
ALTER TABLE sessions ADD COLUMN sign_in_method TEXT NOT NULL DEFAULT 'password';
ALTER TABLE sessions ADD COLUMN sign_in_provider TEXT;
