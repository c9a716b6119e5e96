-- The email-first sign-in page (TOM ACC-7): the email domains a provider serves, as a
-- JSON list of lower-case domains (checked by the service: letters, digits, '-' and '.').
-- Keep in step with ../../postgres.
-- The SAML migration edited this table's stored schema (writable_schema); a connection
-- that ran it still holds the old parse, and ADD COLUMN would rewrite the stored text at
-- the old offsets (making `updated_at` nullable). RESET makes it parse the schema again.
PRAGMA writable_schema = RESET;
ALTER TABLE sso_providers ADD COLUMN sign_in_domains TEXT NOT NULL DEFAULT '[]';
