-- Audit trail (TOM INPUT-1..5) and deletion log (PRIV-4, DEL-3). Keep in step with
-- ../../postgres.
-- One hash chain per tenant, plus the chain 'platform' for platform events. Entries hold
-- ids and pseudonyms only, never plaintext personal data, so erasure never touches them.

CREATE TABLE audit_heads (
    chain TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    head_hash BLOB NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

CREATE TABLE audit_entries (
    chain TEXT NOT NULL,
    seq BIGINT NOT NULL,
    id TEXT NOT NULL UNIQUE,
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
    prev_hash BLOB NOT NULL,
    entry_hash BLOB NOT NULL,
    PRIMARY KEY (chain, seq),
    FOREIGN KEY (chain) REFERENCES audit_heads (chain)
);
CREATE INDEX audit_entries_time ON audit_entries (chain, occurred_at);
CREATE INDEX audit_entries_action ON audit_entries (chain, action);
CREATE INDEX audit_entries_subject ON audit_entries (chain, subject_ref);

-- Append-only: the application never changes or removes an entry.
CREATE TRIGGER audit_entries_no_update BEFORE UPDATE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;
CREATE TRIGGER audit_entries_no_delete BEFORE DELETE ON audit_entries
BEGIN SELECT RAISE(ABORT, 'audit entries are append-only'); END;

CREATE TABLE deletion_log (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    occurred_at TIMESTAMP NOT NULL,
    actor_type TEXT NOT NULL,
    actor_id TEXT,
    category TEXT NOT NULL,
    record_count BIGINT NOT NULL,
    subject_ref TEXT,
    reason_code TEXT NOT NULL,
    reason_text TEXT NOT NULL,
    legal_basis TEXT NOT NULL,
    request_id TEXT,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX deletion_log_time ON deletion_log (tenant_id, occurred_at);

CREATE TRIGGER deletion_log_no_update BEFORE UPDATE ON deletion_log
BEGIN SELECT RAISE(ABORT, 'the deletion log is append-only'); END;
CREATE TRIGGER deletion_log_no_delete BEFORE DELETE ON deletion_log
BEGIN SELECT RAISE(ABORT, 'the deletion log is append-only'); END;

INSERT INTO audit_heads (chain, seq, head_hash, updated_at)
VALUES ('platform', 0, zeroblob(32), CURRENT_TIMESTAMP);
