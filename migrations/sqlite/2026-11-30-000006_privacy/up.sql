-- Data subject rights (TOM RIGHTS-2, PRIV-4): restriction and erasure of participants,
-- and how a request was handled. Keep in step with the other database's migration.
ALTER TABLE participants ADD COLUMN restricted_at TIMESTAMP;
ALTER TABLE participants ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE subject_requests ADD COLUMN handled_at TIMESTAMP;
ALTER TABLE subject_requests ADD COLUMN handled_by TEXT;
