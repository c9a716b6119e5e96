-- Signatures with check-in and closed attendance lists (issue 21). Keep in step with
-- ../../postgres.

-- Per event: a check-in asks the person to sign at the kiosk.
ALTER TABLE events ADD COLUMN signature_required BOOLEAN NOT NULL DEFAULT FALSE;

-- A participant's signature for one check-in: the pen strokes as JSON, encrypted with the
-- tenant's data key (personal data); erased with the person (PRIV-4).
CREATE TABLE attendance_signatures (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    attendance_id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    participant_id TEXT NOT NULL,
    strokes_ciphertext BLOB NOT NULL,
    signed_at TIMESTAMP NOT NULL,
    collected_by TEXT REFERENCES accounts (id),
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, attendance_id),
    FOREIGN KEY (tenant_id, attendance_id) REFERENCES attendance (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES event_sessions (tenant_id, id),
    FOREIGN KEY (tenant_id, participant_id) REFERENCES participants (tenant_id, id)
);
CREATE INDEX attendance_signatures_session ON attendance_signatures (tenant_id, session_id);
CREATE INDEX attendance_signatures_participant ON attendance_signatures (tenant_id, participant_id);

-- A session's list closed by its instructor or organiser, who signs it as a whole. A
-- correction re-opens it: the row stays, with when, by whom and why (INPUT-4).
CREATE TABLE session_closings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    session_id TEXT NOT NULL,
    closed_by TEXT NOT NULL REFERENCES accounts (id),
    closed_at TIMESTAMP NOT NULL,
    strokes_ciphertext BLOB NOT NULL,
    reopened_at TIMESTAMP,
    reopened_by TEXT REFERENCES accounts (id),
    reopen_reason TEXT,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, session_id) REFERENCES event_sessions (tenant_id, id)
);
CREATE INDEX session_closings_session ON session_closings (tenant_id, session_id);
