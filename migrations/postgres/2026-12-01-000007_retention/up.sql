-- Retention (TOM PRIV-6, PSEUDO-2): how long each tenant keeps participant data after a
-- person's last event, and its audit entries; one row per category. No row: the
-- defaults (participants 12, audit 24 months). Keep in step with ../../sqlite.
CREATE TABLE retention_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- `participants` or `audit`.
    category TEXT NOT NULL CHECK (category IN ('participants', 'audit')),
    months INTEGER NOT NULL CHECK (months BETWEEN 1 AND 120 AND (category <> 'audit' OR months >= 12)),
    -- When an admin last changed the period; NULL: never (the default).
    updated_at TIMESTAMP,
    -- When the retention job last finished for this tenant and category.
    last_run_at TIMESTAMP,
    PRIMARY KEY (tenant_id, category)
);

ALTER TABLE retention_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE retention_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON retention_settings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
