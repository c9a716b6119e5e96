-- A tap finds the sessions running around its moment by their start (issue 16). Through
-- the end index it read every session not yet ended, so its cost grew with the sessions
-- planned ahead: a year of them made a tap read thousands of index entries for the one
-- it needed. A session lasts at most seven days (the event input refuses a longer one),
-- so those running now began at most seven days ago: a short range of the start index
-- (with the end in it, checked without reading the row), or of each event's sessions
-- when the planner goes through the location's events first. Keep in step with
-- ../../postgres.
CREATE INDEX event_sessions_start ON event_sessions (tenant_id, starts_at, ends_at);
DROP INDEX event_sessions_event;
CREATE INDEX event_sessions_event ON event_sessions (tenant_id, event_id, starts_at);
