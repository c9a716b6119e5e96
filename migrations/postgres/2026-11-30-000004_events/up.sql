-- Events and courses, participants, bookings, magic links, participant sessions and data
-- subject requests (TOM PRIV-1, PRIV-3, PSEUDO-1, AVAIL-5, ACC-2, RIGHTS-1).
-- Keep in step with ../../sqlite.

-- The consent text every booking page shows; NULL: the built-in default.
ALTER TABLE tenants ADD COLUMN booking_consent_text TEXT;

CREATE TABLE events (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('event', 'course')),
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    location_id TEXT,
    company_id TEXT,
    capacity INTEGER NOT NULL CHECK (capacity > 0),
    waiting_list BOOLEAN NOT NULL,
    booking_opens_at TIMESTAMP,
    booking_closes_at TIMESTAMP,
    -- Extra fields asked from participants, comma-separated (name and email always).
    fields TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('draft', 'published', 'cancelled')),
    -- The staff account that created it; none for demo data and imports.
    created_by TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id),
    FOREIGN KEY (tenant_id, company_id) REFERENCES companies (tenant_id, id)
);

CREATE TABLE event_sessions (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    starts_at TIMESTAMP NOT NULL,
    ends_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
);
CREATE INDEX event_sessions_event ON event_sessions (tenant_id, event_id);

CREATE TABLE event_instructors (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    event_id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    PRIMARY KEY (tenant_id, event_id, account_id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
);

-- Personal data is encrypted with the tenant's data key; lookups go through blind
-- indexes under the tenant's index key (TOM PSEUDO-1).
CREATE TABLE participants (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    email_ciphertext BYTEA NOT NULL,
    email_index BYTEA NOT NULL,
    name_ciphertext BYTEA NOT NULL,
    phone_ciphertext BYTEA,
    language TEXT NOT NULL,
    mail_opt_out_at TIMESTAMP,
    mail_opt_out_reason TEXT,
    mail_opt_out_text_ciphertext BYTEA,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, email_index)
);

-- Search terms (whole words of the name) as blind indexes: search without plaintext.
CREATE TABLE participant_terms (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    participant_id TEXT NOT NULL,
    term_index BYTEA NOT NULL,
    PRIMARY KEY (tenant_id, participant_id, term_index),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);
CREATE INDEX participant_terms_term ON participant_terms (tenant_id, term_index);

CREATE TABLE bookings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('confirmed', 'waiting', 'cancelled')),
    -- Phone and note as asked by the event, encrypted JSON.
    answers_ciphertext BYTEA,
    -- The consent text the participant agreed to, as shown.
    consent_text TEXT NOT NULL,
    consented_at TIMESTAMP NOT NULL,
    -- Queue order on the waiting list; set again when a booking moves.
    queued_at TIMESTAMP NOT NULL,
    created_at TIMESTAMP NOT NULL,
    cancelled_at TIMESTAMP,
    cancelled_by TEXT,
    mail_id TEXT REFERENCES mail_outbox (id),
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);
CREATE INDEX bookings_event ON bookings (tenant_id, event_id, status);
CREATE INDEX bookings_participant ON bookings (tenant_id, participant_id);
-- One active booking per person and event.
CREATE UNIQUE INDEX bookings_one_active ON bookings (tenant_id, event_id, participant_id) WHERE status <> 'cancelled';

-- Magic links and participant sessions are looked up by token hash before any tenant
-- is known (like staff sessions); the token itself is never stored (TOM ACC-2).
CREATE TABLE magic_links (
    id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    participant_id TEXT NOT NULL,
    email_index BYTEA NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

CREATE TABLE participant_sessions (
    id TEXT NOT NULL,
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    participant_id TEXT NOT NULL,
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    ended_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

-- A participant's request about their data; worked on in the tenant's queue (TOM RIGHTS-2).
CREATE TABLE subject_requests (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('access', 'correction', 'erasure', 'restriction', 'objection')),
    message_ciphertext BYTEA,
    status TEXT NOT NULL CHECK (status IN ('open', 'done', 'rejected')),
    received_via TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    due_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

ALTER TABLE events ENABLE ROW LEVEL SECURITY;
ALTER TABLE events FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON events
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE event_sessions ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_sessions FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_sessions
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE event_instructors ENABLE ROW LEVEL SECURITY;
ALTER TABLE event_instructors FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON event_instructors
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE participants ENABLE ROW LEVEL SECURITY;
ALTER TABLE participants FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participants
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE participant_terms ENABLE ROW LEVEL SECURITY;
ALTER TABLE participant_terms FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON participant_terms
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE bookings ENABLE ROW LEVEL SECURITY;
ALTER TABLE bookings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON bookings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE subject_requests ENABLE ROW LEVEL SECURITY;
ALTER TABLE subject_requests FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subject_requests
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
