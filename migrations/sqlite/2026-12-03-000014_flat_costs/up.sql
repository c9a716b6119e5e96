-- Costs that stay flat as data grows (issue 16). Keep in step with ../../postgres.

-- Confirmed bookings per event, kept by the database on every change of a booking, so
-- "seats left" reads one row instead of counting an event's bookings.
ALTER TABLE events ADD COLUMN confirmed_count INTEGER NOT NULL DEFAULT 0;
UPDATE events SET confirmed_count =
    (SELECT COUNT(*) FROM bookings b WHERE b.tenant_id = events.tenant_id AND b.event_id = events.id AND b.status = 'confirmed');

CREATE TRIGGER bookings_count_insert AFTER INSERT ON bookings WHEN NEW.status = 'confirmed'
BEGIN
    UPDATE events SET confirmed_count = confirmed_count + 1 WHERE tenant_id = NEW.tenant_id AND id = NEW.event_id;
END;
CREATE TRIGGER bookings_count_delete AFTER DELETE ON bookings WHEN OLD.status = 'confirmed'
BEGIN
    UPDATE events SET confirmed_count = confirmed_count - 1 WHERE tenant_id = OLD.tenant_id AND id = OLD.event_id;
END;
CREATE TRIGGER bookings_count_update_old AFTER UPDATE OF status, event_id ON bookings WHEN OLD.status = 'confirmed'
BEGIN
    UPDATE events SET confirmed_count = confirmed_count - 1 WHERE tenant_id = OLD.tenant_id AND id = OLD.event_id;
END;
CREATE TRIGGER bookings_count_update_new AFTER UPDATE OF status, event_id ON bookings WHEN NEW.status = 'confirmed'
BEGIN
    UPDATE events SET confirmed_count = confirmed_count + 1 WHERE tenant_id = NEW.tenant_id AND id = NEW.event_id;
END;

-- A tap finds the sessions running now through their end, and a device's rooms through
-- their parent.
CREATE INDEX event_sessions_end ON event_sessions (tenant_id, ends_at);
CREATE INDEX locations_parent ON locations (tenant_id, parent_id);
