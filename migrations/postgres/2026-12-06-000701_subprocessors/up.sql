-- The sub-processor register (TOM SUB-1, TRANS-5, RIGHTS-3; issue 20). Keep in step with ../../sqlite.
-- A planned change of the register (platform table): what it does, when it takes effect
-- (a date, `YYYY-MM-DD`, at least every tenant's notice period after it was planned), who planned it.
CREATE TABLE subprocessor_changes (
    id TEXT PRIMARY KEY,
    -- `add`, `replace`, `change_location` or `remove`.
    kind TEXT NOT NULL,
    -- The entry the change replaces, moves or removes; NULL for `add`.
    target_entry_id TEXT,
    -- The entry the change adds (`add`, `replace`) or moves (`change_location`); NULL for `remove`.
    entry_id TEXT,
    effective_on TEXT NOT NULL,
    note TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);

-- The register, versioned by effective dates: rows are only ever added. The version of an
-- entry in force on a date is its latest row with `effective_on` <= that date; a row with
-- `removed` ends the entry. A planned change writes its rows at once, dated in the future.
CREATE TABLE subprocessor_versions (
    id TEXT PRIMARY KEY,
    entry_id TEXT NOT NULL,
    change_id TEXT NOT NULL REFERENCES subprocessor_changes (id),
    effective_on TEXT NOT NULL,
    removed BOOLEAN NOT NULL,
    name TEXT NOT NULL,
    address TEXT NOT NULL,
    service TEXT NOT NULL,
    data_categories TEXT NOT NULL,
    -- ISO 3166-1 alpha-2 country of processing.
    country TEXT NOT NULL,
    eu_eea BOOLEAN NOT NULL,
    -- Required outside the EU/EEA: `adequacy_decision`, `scc`, `bcr`.
    transfer_mechanism TEXT,
    since TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX subprocessor_versions_entry ON subprocessor_versions (entry_id, effective_on);

-- Per tenant: its contract's notice period for changes (14 or 30 days; no row: 30). A tenant's row.
CREATE TABLE subprocessor_settings (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    setting TEXT NOT NULL CHECK (setting = 'notice'),
    notice_days INTEGER NOT NULL CHECK (notice_days IN (14, 30)),
    updated_by TEXT NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, setting)
);

-- A tenant's objection to a planned change, before it takes effect; one per tenant and
-- change. The reason is encrypted with the tenant's data key. A tenant's row.
CREATE TABLE subprocessor_objections (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    change_id TEXT NOT NULL REFERENCES subprocessor_changes (id),
    reason_ciphertext BYTEA NOT NULL,
    objected_by TEXT NOT NULL,
    objected_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, change_id)
);
ALTER TABLE subprocessor_settings ENABLE ROW LEVEL SECURITY;
ALTER TABLE subprocessor_settings FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subprocessor_settings
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
ALTER TABLE subprocessor_objections ENABLE ROW LEVEL SECURITY;
ALTER TABLE subprocessor_objections FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON subprocessor_objections
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
