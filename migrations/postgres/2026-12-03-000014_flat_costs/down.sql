DROP INDEX locations_parent;
DROP INDEX event_sessions_end;
DROP TRIGGER bookings_count ON bookings;
DROP FUNCTION bookings_count();
ALTER TABLE events DROP COLUMN confirmed_count;
