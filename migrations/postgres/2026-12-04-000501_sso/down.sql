ALTER TABLE sessions DROP COLUMN sign_in_provider;
ALTER TABLE sessions DROP COLUMN sign_in_method;
DROP TABLE sso_settings;
DROP TABLE sso_logins;
DROP TABLE sso_identities;
DROP TABLE sso_providers;
