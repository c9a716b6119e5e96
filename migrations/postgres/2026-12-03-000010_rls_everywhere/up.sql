-- Every table with a tenant_id is under forced row-level security (TOM SEP-2). The six
-- tables below were not, because a token, a code or a device id is looked up in them
-- before the tenant is known. Those lookups now go through one narrow SECURITY DEFINER
-- function each, which answers only the tenant and the row id for exactly one key; the
-- caller then reads the row in that tenant's scope. An account's memberships across its
-- tenants (sign-in, tenant switch) come from `account_memberships`, which answers the rows
-- of exactly one account.
--
-- The functions run as the role that runs this migration (the schema owner); under FORCE
-- ROW LEVEL SECURITY the owner sees rows only through a policy, so each of these tables
-- gets one SELECT policy for that role alone. The server connects as the application
-- role (deploy/postgres/roles.sql), which has neither the policy nor ownership.

ALTER TABLE memberships ENABLE ROW LEVEL SECURITY;
ALTER TABLE memberships FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON memberships
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY owner_lookup ON memberships FOR SELECT TO CURRENT_USER USING (true);

ALTER TABLE invitations ENABLE ROW LEVEL SECURITY;
ALTER TABLE invitations FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON invitations
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY owner_lookup ON invitations FOR SELECT TO CURRENT_USER USING (true);

-- A sign-in link is redeemed on its tenant's page: the lookup runs in that scope.
ALTER TABLE magic_links ENABLE ROW LEVEL SECURITY;
ALTER TABLE magic_links FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON magic_links
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE participant_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE participant_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participant_sessions
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY owner_lookup ON participant_sessions FOR SELECT TO CURRENT_USER USING (true);

ALTER TABLE devices ENABLE ROW LEVEL SECURITY;
ALTER TABLE devices FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON devices
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY owner_lookup ON devices FOR SELECT TO CURRENT_USER USING (true);

ALTER TABLE device_enrolments ENABLE ROW LEVEL SECURITY;
ALTER TABLE device_enrolments FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON device_enrolments
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
CREATE POLICY owner_lookup ON device_enrolments FOR SELECT TO CURRENT_USER USING (true);

CREATE FUNCTION invitation_by_token(p_hash BYTEA) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM invitations WHERE token_hash = p_hash
$$;

CREATE FUNCTION participant_session_by_token(p_hash BYTEA) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM participant_sessions WHERE token_hash = p_hash
$$;

CREATE FUNCTION device_enrolment_by_code(p_hash BYTEA) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM device_enrolments WHERE code_hash = p_hash
$$;

CREATE FUNCTION device_by_id(p_id TEXT) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM devices WHERE id = p_id
$$;

CREATE FUNCTION account_memberships(p_account TEXT) RETURNS SETOF memberships
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT * FROM memberships WHERE account_id = p_account ORDER BY created_at
$$;
