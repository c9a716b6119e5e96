DROP INDEX bookings_event;
CREATE INDEX bookings_event ON bookings (tenant_id, event_id, status);
