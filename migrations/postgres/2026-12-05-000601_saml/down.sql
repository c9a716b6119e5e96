DROP TABLE saml_assertions;
DELETE FROM sso_providers WHERE kind = 'saml';
ALTER TABLE sso_providers DROP CONSTRAINT sso_providers_kind_check;
ALTER TABLE sso_providers ADD CONSTRAINT sso_providers_kind_check CHECK (kind IN ('oidc', 'ldap'));
