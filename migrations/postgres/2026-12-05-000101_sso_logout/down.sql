ALTER TABLE sso_logins DROP COLUMN invitation_id;
DROP FUNCTION sso_provider_by_id(TEXT);
DROP TABLE sso_logout_tokens;
DROP INDEX sessions_sso_subject;
DROP INDEX sessions_sso_sid;
ALTER TABLE sessions DROP COLUMN sso_subject_index;
ALTER TABLE sessions DROP COLUMN sso_sid_index;
ALTER TABLE sessions DROP COLUMN sso_provider_id;
