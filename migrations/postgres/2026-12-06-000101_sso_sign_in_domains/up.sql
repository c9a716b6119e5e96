-- The email-first sign-in page (TOM ACC-7): the email domains a provider serves, as a
-- JSON list of lower-case domains (checked by the service: letters, digits, '-' and '.').
-- Keep in step with ../../sqlite.
ALTER TABLE sso_providers ADD COLUMN sign_in_domains TEXT NOT NULL DEFAULT '[]';

-- The public lookup names only an email domain: the enabled providers serving it (by
-- their sign-in or just-in-time domains) are found here, the one way past row-level
-- security for it (as `sso_provider_by_id`). Answers ids only; the caller reads each
-- provider in its tenant's scope. `p_domain` is a checked domain (no LIKE wildcards).
CREATE FUNCTION sso_providers_for_domain(p_domain TEXT) RETURNS TABLE (found_tenant TEXT, found_id TEXT)
LANGUAGE sql STABLE SECURITY DEFINER SET search_path = public, pg_temp AS $$
    SELECT tenant_id, id FROM sso_providers
    WHERE enabled
      AND (sign_in_domains LIKE '%"' || p_domain || '"%' OR jit_domains LIKE '%"' || p_domain || '"%')
    ORDER BY tenant_id, created_at
    LIMIT 20
$$;
