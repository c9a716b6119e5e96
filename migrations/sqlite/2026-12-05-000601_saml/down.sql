DROP TABLE saml_assertions;
DELETE FROM sso_providers WHERE kind = 'saml';
PRAGMA writable_schema = ON;
UPDATE sqlite_schema SET sql = replace(sql, 'CHECK (kind IN (''oidc'', ''ldap'', ''saml''))', 'CHECK (kind IN (''oidc'', ''ldap''))')
    WHERE type = 'table' AND name = 'sso_providers';
PRAGMA writable_schema = OFF;
