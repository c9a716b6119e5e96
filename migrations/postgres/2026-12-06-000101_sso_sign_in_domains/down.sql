DROP FUNCTION sso_providers_for_domain(TEXT);
ALTER TABLE sso_providers DROP COLUMN sign_in_domains;
