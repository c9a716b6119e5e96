ALTER TABLE tenants DROP COLUMN passkeys_required_for_admins;
ALTER TABLE tenants DROP COLUMN passkey_sign_in_allowed;
DROP TABLE webauthn_ceremonies;
DROP TABLE passkeys;
