DROP INDEX locations_parent;
DROP INDEX event_sessions_end;
DROP TRIGGER bookings_count_update_new;
DROP TRIGGER bookings_count_update_old;
DROP TRIGGER bookings_count_delete;
DROP TRIGGER bookings_count_insert;
ALTER TABLE events DROP COLUMN confirmed_count;
