-- SAML 2.0 identity providers (TOM ACC-7): a third provider kind, and the assertions
-- already accepted, so each is accepted once. Keep in step with ../../postgres.
-- SQLite cannot alter a CHECK constraint; widening it in the stored schema is the
-- procedure SQLite documents for that (no stored row changes). The CREATE TABLE below
-- bumps the schema version, so every connection reloads the schema.
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''oidc'', ''ldap''))', 'CHECK (kind IN (''oidc'', ''ldap'', ''saml''))')
    WHERE type = 'table' AND name = 'sso_providers';
PRAGMA writable_schema = OFF;

-- An accepted assertion's ID (SHA-256 of issuer and ID), kept until it has expired.
CREATE TABLE saml_assertions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id_hash BLOB NOT NULL,
    provider_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id_hash),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
);
