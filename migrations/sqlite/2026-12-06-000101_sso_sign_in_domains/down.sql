ALTER TABLE sso_providers DROP COLUMN sign_in_domains;
