ALTER TABLE subject_requests DROP COLUMN handled_by;
ALTER TABLE subject_requests DROP COLUMN handled_at;
ALTER TABLE participants DROP COLUMN erased_at;
ALTER TABLE participants DROP COLUMN restricted_at;
