DROP TABLE sessions;
DROP TABLE memberships;
ALTER TABLE accounts DROP COLUMN last_sign_in_at;
