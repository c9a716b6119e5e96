-- Foreign keys to a parent row that every tap or every audit append of a tenant shares
-- (issue #16). Keep in step with ../../postgres, which says why; SQLite drops them too, so
-- both databases keep one schema (tests/it/schema_parity.rs).
-- SQLite drops a foreign key only by rebuilding its table. attendance is referenced by
-- other tables, so the rebuild runs with foreign keys off (hence metadata.toml: outside
-- diesel's transaction, in one of its own) and checks them all before it commits. The
-- triggers of other tables that read audit_entries are dropped around its rebuild and
-- made again as they were.
PRAGMA foreign_keys = OFF;
BEGIN;
DROP TRIGGER audit_prune_guard_start;
DROP TRIGGER audit_prune_guard_done;
DROP TRIGGER audit_heads_anchor_guard;

CREATE TABLE attendance_new (
    tenant_id TEXT NOT NULL,
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
INSERT INTO attendance_new SELECT * FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_session ON attendance (tenant_id, session_id, participant_id);
CREATE UNIQUE INDEX attendance_superseded_once ON attendance (tenant_id, supersedes_id);

CREATE TABLE device_taps_new (
    tenant_id TEXT NOT NULL,
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
INSERT INTO device_taps_new SELECT * FROM device_taps;
DROP TABLE device_taps;
ALTER TABLE device_taps_new RENAME TO device_taps;
CREATE INDEX device_taps_recent ON device_taps (tenant_id, device_id, participant_id, tapped_at);

CREATE TABLE device_nonces_new (
    tenant_id TEXT NOT NULL,
    device_id TEXT NOT NULL,
    nonce TEXT NOT NULL,
    seen_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, device_id, nonce),
    FOREIGN KEY (tenant_id, device_id) REFERENCES devices (tenant_id, id)
);
INSERT INTO device_nonces_new SELECT * FROM device_nonces;
DROP TABLE device_nonces;
ALTER TABLE device_nonces_new RENAME TO device_nonces;

CREATE TABLE audit_entries_new (
    chain TEXT NOT NULL,
    seq BIGINT,
    id TEXT NOT NULL PRIMARY KEY,
    occurred_at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    actor_role TEXT,
    action TEXT NOT NULL,
    target_type TEXT NOT NULL,
    target_id TEXT,
    outcome TEXT NOT NULL,
    subject_ref TEXT,
    company_id TEXT,
    request_id TEXT,
    ip_hash BLOB,
    ip_key_id TEXT,
    detail TEXT NOT NULL,
    prev_hash BLOB,
    entry_hash BLOB,
    UNIQUE (chain, seq),
    -- Sealed (all three set) or unsealed (none).
    CHECK ((seq IS NULL) = (prev_hash IS NULL) AND (seq IS NULL) = (entry_hash IS NULL))
);
INSERT INTO audit_entries_new SELECT * FROM audit_entries;
DROP TABLE audit_entries;
ALTER TABLE audit_entries_new RENAME TO audit_entries;
CREATE INDEX audit_entries_time ON audit_entries (chain, occurred_at);
CREATE INDEX audit_entries_action ON audit_entries (chain, action);
CREATE INDEX audit_entries_subject ON audit_entries (chain, subject_ref);
CREATE INDEX audit_entries_unsealed ON audit_entries (chain, id) WHERE seq IS NULL;

CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
WHEN OLD.seq IS NOT NULL OR OLD.prev_hash IS NOT NULL OR OLD.entry_hash IS NOT NULL
  OR NEW.seq IS NULL OR NEW.prev_hash IS NULL OR NEW.entry_hash IS NULL
  OR NEW.chain IS NOT OLD.chain OR NEW.id IS NOT OLD.id OR NEW.occurred_at IS NOT OLD.occurred_at
  OR NEW.actor_type IS NOT OLD.actor_type OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_role IS NOT OLD.actor_role
  OR NEW.action IS NOT OLD.action OR NEW.target_type IS NOT OLD.target_type OR NEW.target_id IS NOT OLD.target_id
  OR NEW.outcome IS NOT OLD.outcome OR NEW.subject_ref IS NOT OLD.subject_ref OR NEW.company_id IS NOT OLD.company_id
  OR NEW.request_id IS NOT OLD.request_id OR NEW.ip_hash IS NOT OLD.ip_hash OR NEW.ip_key_id IS NOT OLD.ip_key_id
  OR NEW.detail IS NOT OLD.detail
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
WHEN NOT EXISTS (
    SELECT 1 FROM audit_prune_guard g JOIN audit_heads h ON h.chain = g.chain
    WHERE g.chain = OLD.chain AND OLD.seq <= g.upto_seq AND h.anchor_seq = g.upto_seq
)
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_prune_guard_start BEFORE INSERT ON audit_prune_guard
WHEN NOT EXISTS (
    SELECT 1 FROM audit_heads h
    WHERE h.chain = NEW.chain AND NEW.upto_seq > h.anchor_seq AND NEW.upto_seq <= h.seq
      AND (SELECT COUNT(*) FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq <= NEW.upto_seq) = NEW.upto_seq - h.anchor_seq
)
BEGIN SELECT RAISE(ABORT, 'audit prune: not a complete prefix after the anchor'); END;
CREATE TRIGGER audit_prune_guard_done BEFORE DELETE ON audit_prune_guard
WHEN EXISTS (SELECT 1 FROM audit_entries e WHERE e.chain = OLD.chain AND e.seq <= OLD.upto_seq)
  OR NOT EXISTS (SELECT 1 FROM audit_heads h WHERE h.chain = OLD.chain AND h.anchor_seq = OLD.upto_seq)
BEGIN SELECT RAISE(ABORT, 'audit prune: the prefix is not removed or the anchor not moved'); END;
CREATE TRIGGER audit_heads_anchor_guard BEFORE UPDATE OF anchor_seq, anchor_hash ON audit_heads
WHEN (NEW.anchor_seq IS NOT OLD.anchor_seq OR NEW.anchor_hash IS NOT OLD.anchor_hash)
 AND (NEW.anchor_seq <= OLD.anchor_seq
      OR NOT EXISTS (SELECT 1 FROM audit_prune_guard g WHERE g.chain = NEW.chain AND g.upto_seq = NEW.anchor_seq)
      OR NEW.anchor_hash IS NOT (SELECT e.entry_hash FROM audit_entries e WHERE e.chain = NEW.chain AND e.seq = NEW.anchor_seq))
BEGIN SELECT RAISE(ABORT, 'the audit anchor moves only forward, with a prune'); END;

-- Fails the migration (foreign_key_check answers nothing when all hold) if a kept key is broken.
CREATE TEMP TABLE shared_parent_keys_check (ok INTEGER NOT NULL CHECK (ok = 1));
INSERT INTO shared_parent_keys_check SELECT 0 FROM pragma_foreign_key_check LIMIT 1;
DROP TABLE shared_parent_keys_check;
COMMIT;
PRAGMA foreign_keys = ON;
