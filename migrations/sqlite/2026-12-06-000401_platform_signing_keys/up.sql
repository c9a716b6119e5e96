-- The platform's signature verification keys (public halves only), so exports signed
-- before a master-key rotation still verify with the published list
-- (GET /api/v1/platform/keys). A platform table: no tenant id, no row-level security.
-- Keep in step with the other dialect.
CREATE TABLE platform_signing_keys (
    key_id TEXT NOT NULL PRIMARY KEY,
    algorithm TEXT NOT NULL,
    public_key TEXT NOT NULL,
    valid_from TIMESTAMP NOT NULL,
    valid_until TIMESTAMP
);
