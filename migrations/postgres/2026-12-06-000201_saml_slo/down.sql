ALTER TABLE sessions DROP COLUMN sso_logout_ciphertext;
DROP TABLE saml_sp_keys;
