-- Audit trail (TOM INPUT-1..5) and deletion log (PRIV-4, DEL-3). Keep in step with
-- ../../sqlite.
-- One hash chain per tenant, plus the chain 'platform' for platform events. Entries hold
-- ids and pseudonyms only, never plaintext personal data, so erasure never touches them.

CREATE TABLE audit_heads (
    chain TEXT NOT NULL PRIMARY KEY,
    seq BIGINT NOT NULL,
    head_hash BYTEA NOT NULL,
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
    ip_hash BYTEA,
    ip_key_id TEXT,
    detail TEXT NOT NULL,
    prev_hash BYTEA NOT NULL,
    entry_hash BYTEA NOT NULL,
    PRIMARY KEY (chain, seq),
    FOREIGN KEY (chain) REFERENCES audit_heads (chain)
);
CREATE INDEX audit_entries_time ON audit_entries (chain, occurred_at);
CREATE INDEX audit_entries_action ON audit_entries (chain, action);
CREATE INDEX audit_entries_subject ON audit_entries (chain, subject_ref);

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

INSERT INTO audit_heads (chain, seq, head_hash, updated_at)
VALUES ('platform', 0, decode(repeat('00', 32), 'hex'), now());

-- Append-only for everyone but a superuser (the app role gets no UPDATE/DELETE grant
-- either; see db::grant_app_role).
CREATE FUNCTION append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '% is append-only', TG_TABLE_NAME;
END $$;
CREATE TRIGGER audit_entries_append_only BEFORE UPDATE OR DELETE ON audit_entries
    FOR EACH ROW EXECUTE FUNCTION append_only();
CREATE TRIGGER deletion_log_append_only BEFORE UPDATE OR DELETE ON deletion_log
    FOR EACH ROW EXECUTE FUNCTION append_only();

-- Row-level security: a tenant's transaction sees its own chain; a platform transaction
-- (app.tenant_id empty) sees the platform chain only (TOM INPUT-3, SEP-2).
ALTER TABLE audit_heads ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_heads FORCE ROW LEVEL SECURITY;
CREATE POLICY chain_isolation ON audit_heads
    USING (chain = COALESCE(NULLIF(current_setting('app.tenant_id', true), ''), 'platform'))
    WITH CHECK (chain = COALESCE(NULLIF(current_setting('app.tenant_id', true), ''), 'platform'));
ALTER TABLE audit_entries ENABLE ROW LEVEL SECURITY;
ALTER TABLE audit_entries FORCE ROW LEVEL SECURITY;
CREATE POLICY chain_isolation ON audit_entries
    USING (chain = COALESCE(NULLIF(current_setting('app.tenant_id', true), ''), 'platform'))
    WITH CHECK (chain = COALESCE(NULLIF(current_setting('app.tenant_id', true), ''), 'platform'));
ALTER TABLE deletion_log ENABLE ROW LEVEL SECURITY;
ALTER TABLE deletion_log FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON deletion_log
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
