-- Absences (issue 21). Keep in step with ../../sqlite.

-- A booked person's absence from one session, as staff recorded it or as the person
-- reported it ahead in the portal: excused (with a reason category) or unexcused. The
-- note is personal data, encrypted with the tenant's data key. A check-in of the
-- session outweighs it. Deleted with the person (PRIV-4) and with the tenant.
CREATE TABLE absences (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    excused BOOLEAN NOT NULL,
    reason TEXT CHECK (reason IN ('ill', 'other')),
    note_ciphertext BYTEA,
    reported_by TEXT NOT NULL CHECK (reported_by IN ('staff', 'participant')),
    recorded_by TEXT REFERENCES accounts (id),
    recorded_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, session_id, participant_id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES event_sessions (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bookings (tenant_id, id)
);
CREATE INDEX absences_participant ON absences (tenant_id, participant_id);

-- Per course: above which share of missed sessions a person is flagged (NULL: never),
-- and whether the course's organiser gets one mail per flagged person.
CREATE TABLE absence_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    event_id TEXT NOT NULL,
    threshold_percent INTEGER CHECK (threshold_percent BETWEEN 1 AND 100),
    notify_organiser BOOLEAN NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, event_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
);

-- Who was flagged above the threshold and told about, once per person and course.
CREATE TABLE absence_alerts (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    event_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    sent_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, event_id, participant_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

ALTER TABLE absences ENABLE ROW LEVEL SECURITY;
ALTER TABLE absences FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON absences
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE absence_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE absence_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON absence_settings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE absence_alerts ENABLE ROW LEVEL SECURITY;
ALTER TABLE absence_alerts FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON absence_alerts
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
