DROP INDEX event_sessions_event;
CREATE INDEX event_sessions_event ON event_sessions (tenant_id, event_id);
DROP INDEX event_sessions_start;
