ALTER TABLE sessions DROP COLUMN stage;
DROP TABLE mail_outbox;
DROP TABLE invitations;
DELETE FROM memberships WHERE role NOT IN ('tenant_admin', 'company_admin', 'organiser', 'instructor');
ALTER TABLE memberships DROP CONSTRAINT memberships_company_fk;
ALTER TABLE memberships DROP COLUMN disabled_at;
ALTER TABLE memberships DROP COLUMN course_id;
ALTER TABLE memberships DROP CONSTRAINT memberships_role_check;
ALTER TABLE memberships ADD CONSTRAINT memberships_role_check
    CHECK (role IN ('tenant_admin', 'company_admin', 'organiser', 'instructor'));
DROP TABLE companies;
ALTER TABLE tenants DROP COLUMN mfa_required_for_admins;
DROP TABLE recovery_codes;
ALTER TABLE accounts DROP COLUMN totp_last_step;
ALTER TABLE accounts DROP COLUMN totp_enabled_at;
ALTER TABLE accounts DROP COLUMN totp_pending_ciphertext;
ALTER TABLE accounts DROP COLUMN totp_secret_ciphertext;
