ALTER TABLE sessions DROP COLUMN sign_in_provider;
ALTER TABLE sessions DROP COLUMN sign_in_method;
ALTER TABLE tenants DROP COLUMN sso_break_glass_account_id;
ALTER TABLE tenants DROP COLUMN sso_only;
DROP TABLE sso_logins;
DROP TABLE sso_identities;
DROP TABLE sso_providers;
