-- A tap looks up one person's confirmed booking of each running event (issue #16). With
-- (tenant_id, event_id, status) alone, SQLite's planner took that index for the lookup and
-- read every confirmed booking of the event, so a tap cost more with every person booked.
-- The participant as the fourth column makes the lookup one index probe; counting an
-- event's confirmed bookings still reads the same prefix.
DROP INDEX bookings_event;
CREATE INDEX bookings_event ON bookings (tenant_id, event_id, status, participant_id);
