-- Check-in devices, NFC cards and attendance (TOM DEV-1, DEV-2, TRANS-2, PSEUDO-1,
-- INPUT-4). Keep in step with ../../postgres.

-- Enrolled devices. Looked up by id before any tenant is known (like sessions): the
-- secret is encrypted with the tenant's data key, because HMAC verification needs it.
CREATE TABLE devices (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    name TEXT NOT NULL,
    location_id TEXT,
    secret_ciphertext BLOB NOT NULL,
    mode TEXT NOT NULL CHECK (mode IN ('check_in', 'check_out')),
    duplicate_window_seconds INTEGER NOT NULL,
    late_upload_after_seconds INTEGER NOT NULL,
    -- Event sessions it serves, comma-separated; empty: all at its location.
    session_ids TEXT NOT NULL,
    agent_version TEXT,
    readers TEXT,
    queue_length INTEGER,
    last_heartbeat_at TIMESTAMP,
    created_by TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id)
);

-- One-time enrolment codes; only their hash is stored. Looked up by hash.
CREATE TABLE device_enrolments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    code_hash BLOB NOT NULL UNIQUE,
    name TEXT NOT NULL,
    location_id TEXT,
    created_by TEXT NOT NULL REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    used_at TIMESTAMP,
    device_id TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, location_id) REFERENCES locations (tenant_id, id)
);

-- Nonces seen per device within the timestamp window (replay protection, TRANS-2).
CREATE TABLE device_nonces (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, device_id, nonce),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);

-- NFC cards: only a keyed HMAC of the UID under the tenant's index key (PSEUDO-1).
CREATE TABLE cards (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    card_hmac BLOB NOT NULL,
    participant_id TEXT NOT NULL,
    created_by TEXT REFERENCES accounts (id),
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, card_hmac),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

-- "Enrol card" mode: the next tap on this device binds its card to this participant.
CREATE TABLE card_enrolments (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    device_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    requested_by TEXT NOT NULL REFERENCES accounts (id),
    expires_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, device_id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);

-- Check-ins and check-outs. Corrections add a row that supersedes another; nothing is
-- deleted or changed (TOM INPUT-4).
CREATE TABLE attendance (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    booking_id TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('check_in', 'check_out')),
    occurred_at TIMESTAMP NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    source TEXT NOT NULL CHECK (source IN ('device', 'manual', 'correction')),
    device_id TEXT,
    recorded_by TEXT REFERENCES accounts (id),
    late_upload BOOLEAN NOT NULL,
    supersedes_id TEXT,
    -- A correction that says "this did not happen".
    voided BOOLEAN NOT NULL,
    reason TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES event_sessions (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id),
    FOREIGN KEY (tenant_id, booking_id) REFERENCES bookings (tenant_id, id),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
    FOREIGN KEY (tenant_id, supersedes_id) REFERENCES attendance (tenant_id, id)
);
CREATE INDEX attendance_session ON attendance (tenant_id, session_id, participant_id);
CREATE UNIQUE INDEX attendance_superseded_once ON attendance (tenant_id, supersedes_id);

-- Every tap a device sent, by its idempotency key: a replay gets the first answer.
CREATE TABLE device_taps (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    device_id TEXT NOT NULL,
    idempotency_key TEXT NOT NULL,
    tapped_at TIMESTAMP NOT NULL,
    received_at TIMESTAMP NOT NULL,
    outcome TEXT NOT NULL,
    participant_id TEXT,
    attendance_id TEXT,
    late_upload BOOLEAN NOT NULL,
    PRIMARY KEY (tenant_id, device_id, idempotency_key),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);
CREATE INDEX device_taps_recent ON device_taps (tenant_id, device_id, participant_id, tapped_at);
