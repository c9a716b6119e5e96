DROP TABLE session_closings;
DROP TABLE attendance_signatures;
ALTER TABLE events DROP COLUMN signature_required;
