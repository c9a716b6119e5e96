-- SAML 2.0 signed requests and single logout (TOM ACC-7). Keep in step with ../../sqlite.
-- The tenant's service-provider key pair: the private key encrypted with the tenant's data
-- key (gone with it at offboarding), the self-signed certificate the SP metadata names.
-- One pair per tenant and purpose (only `signing` so far).
CREATE TABLE saml_sp_keys (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    purpose TEXT NOT NULL CHECK (purpose = 'signing'),
    private_key_ciphertext BYTEA NOT NULL,
    certificate TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, purpose)
);

ALTER TABLE saml_sp_keys ENABLE ROW LEVEL SECURITY;
ALTER TABLE saml_sp_keys FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON saml_sp_keys
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

-- A session begun at a SAML IdP keeps the assertion's NameID (with format and qualifiers)
-- and SessionIndex, encrypted with the tenant's data key, for the LogoutRequest it sends.
ALTER TABLE sessions ADD COLUMN sso_logout_ciphertext BYTEA;
