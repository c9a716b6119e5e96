-- Passkeys (WebAuthn) as second factor and for passwordless sign-in (TOM ACC-6).
-- Keep in step with ../../postgres.

-- One row per registered credential of a staff account (accounts are platform-level, so
-- is this table). The name is the account's own label, encrypted with the platform keys;
-- credential holds the public key and counter as webauthn-rs serialises them.
CREATE TABLE passkeys (
    id TEXT NOT NULL PRIMARY KEY,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    credential_id BLOB NOT NULL UNIQUE,
    name_ciphertext BLOB NOT NULL,
    credential TEXT NOT NULL,
    sign_count BIGINT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    last_used_at TIMESTAMP
);
CREATE INDEX passkeys_account ON passkeys (account_id);

-- A started ceremony's state (challenge included), kept server-side only, encrypted
-- with the platform keys; taken once, for at most five minutes.
CREATE TABLE webauthn_ceremonies (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL,
    account_id TEXT REFERENCES accounts (id),
    session_id TEXT,
    state_ciphertext BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL
);
CREATE INDEX webauthn_ceremonies_expiry ON webauthn_ceremonies (expires_at);

-- Passwordless sign-in is a tenant's choice; a tenant may accept only passkeys
-- (phishing-resistant) as its admins' second factor.
ALTER TABLE tenants ADD COLUMN passkey_sign_in_allowed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenants ADD COLUMN passkeys_required_for_admins BOOLEAN NOT NULL DEFAULT FALSE;
