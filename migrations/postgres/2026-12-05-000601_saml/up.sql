-- SAML 2.0 identity providers (TOM ACC-7): a third provider kind, and the assertions
-- already accepted, so each is accepted once on every node. Keep in step with ../../sqlite.
ALTER TABLE sso_providers DROP CONSTRAINT sso_providers_kind_check;
ALTER TABLE sso_providers ADD CONSTRAINT sso_providers_kind_check CHECK (kind IN ('oidc', 'ldap', 'saml'));

-- An accepted assertion's ID (SHA-256 of issuer and ID), kept until it has expired.
CREATE TABLE saml_assertions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id_hash BYTEA NOT NULL,
    provider_id TEXT NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id_hash),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
);

ALTER TABLE saml_assertions ENABLE ROW LEVEL SECURITY;
ALTER TABLE saml_assertions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saml_assertions
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
