-- Logout at the OpenID provider (TOM ACC-7). A session begun there keeps which provider
-- it came from and keyed hashes of the provider's session id (`sid`) and subject (`sub`),
-- so a back-channel logout token ends exactly the matching sessions on every node.
-- Keep in step with ../../sqlite.
ALTER TABLE sessions ADD COLUMN sso_provider_id TEXT;
ALTER TABLE sessions ADD COLUMN sso_sid_index BYTEA;
ALTER TABLE sessions ADD COLUMN sso_subject_index BYTEA;
CREATE INDEX sessions_sso_sid ON sessions (sso_provider_id, sso_sid_index) WHERE ended_at IS NULL;
CREATE INDEX sessions_sso_subject ON sessions (sso_provider_id, sso_subject_index) WHERE ended_at IS NULL;

-- Each logout token's `jti` is accepted once (SHA-256), kept until its acceptance window
-- has passed. In the database, so a replay to another node is refused as well.
CREATE TABLE sso_logout_tokens (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    provider_id TEXT NOT NULL,
    jti_hash BYTEA NOT NULL,
    received_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, provider_id, jti_hash),
    FOREIGN KEY (tenant_id, provider_id) REFERENCES sso_providers (tenant_id, id) ON DELETE CASCADE
);
ALTER TABLE sso_logout_tokens ENABLE ROW LEVEL SECURITY;
ALTER TABLE sso_logout_tokens FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON sso_logout_tokens
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

-- The back-channel logout endpoint names only the provider: its tenant is found here, the
-- one way past row-level security for it (as `device_by_id`).
CREATE FUNCTION sso_provider_by_id(p_id TEXT) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM sso_providers WHERE id = p_id
$$;

-- A sign-in begun from an invitation link: the invited person's identity at the provider
-- is linked to the account the invitation makes (TOM ACC-7).
ALTER TABLE sso_logins ADD COLUMN invitation_id TEXT;
