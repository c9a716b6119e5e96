-- A booking from the public page is held until the link mailed to its address is opened
-- (TOM PRIV-1, ACC-2): the request's data waits here, encrypted, and nothing about a
-- person changes before then. A valid hold with `seat` keeps a seat from the others; an
-- expired one counts for nothing. Keep in step with ../../sqlite.
CREATE TABLE booking_holds (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    event_id TEXT NOT NULL,
    -- Blind index of the address: one hold per address and event.
    email_index BYTEA NOT NULL,
    -- SHA-256 of the link's 256-bit token; the token itself is only in the mail.
    token_hash BYTEA NOT NULL UNIQUE,
    -- Name, email, phone, note and language as typed, encrypted JSON.
    request_ciphertext BYTEA NOT NULL,
    consent_text TEXT NOT NULL,
    -- A seat was free when the hold was made: it keeps one until it expires.
    seat BOOLEAN NOT NULL,
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, event_id) REFERENCES events (tenant_id, id)
);
CREATE INDEX booking_holds_event ON booking_holds (tenant_id, event_id, expires_at);

-- The confirmation step per tenant; no row: on, links valid 24 hours. One row per
-- tenant; `setting` keeps the key composite, like every tenant table's (SEP-2).
CREATE TABLE booking_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    setting TEXT NOT NULL CHECK (setting = 'confirmation'),
    -- Off: events without a company book at once for people not yet known.
    confirm_open_events BOOLEAN NOT NULL,
    link_hours INTEGER NOT NULL CHECK (link_hours BETWEEN 1 AND 168),
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, setting)
);

-- A confirmation link is opened on its tenant's page: the lookup runs in that scope.
ALTER TABLE booking_holds ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_holds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_holds
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE booking_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE booking_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON booking_settings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
