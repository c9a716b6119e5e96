-- Webhooks and Microsoft Teams (TOM TRANS-2, TRANS-6): a tenant's endpoints and the
-- delivery outbox. Keep in step with the other dialect.
CREATE TABLE webhook_endpoints (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    -- `standard` (Standard Webhooks, signed) or `teams` (a Teams Workflows URL).
    kind TEXT NOT NULL CHECK (kind IN ('standard', 'teams')),
    name TEXT NOT NULL,
    -- The URL, encrypted with the tenant's data key (a Teams URL is the credential).
    url_ciphertext BYTEA NOT NULL,
    -- The URL's host, for the list and the audit trail (TRANS-6).
    host TEXT NOT NULL,
    -- The signing secret (`whsec_…`), encrypted; and the one before a rotation, valid
    -- until `previous_secret_until` (both sign meanwhile).
    secret_ciphertext BYTEA,
    previous_secret_ciphertext BYTEA,
    previous_secret_until TIMESTAMP,
    -- JSON arrays: the events sent, the personal fields the admin ticked.
    events TEXT NOT NULL,
    personal_fields TEXT NOT NULL,
    enabled BOOLEAN NOT NULL,
    -- Why the server turned it off (`gone`: the receiver answered 410).
    disabled_reason TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id)
);

CREATE TABLE webhook_deliveries (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    -- The Standard Webhooks message id (`msg_…`), the same on every attempt.
    id TEXT NOT NULL,
    endpoint_id TEXT NOT NULL,
    event TEXT NOT NULL,
    -- The body, encrypted; dropped once delivered or given up.
    payload_ciphertext BYTEA,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'refused', 'cancelled')),
    attempts INTEGER NOT NULL,
    next_attempt_at TIMESTAMP NOT NULL,
    last_status INTEGER,
    last_error TEXT,
    created_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id),
    FOREIGN KEY (tenant_id, endpoint_id) REFERENCES webhook_endpoints (tenant_id, id) ON DELETE CASCADE
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (status, next_attempt_at);
CREATE INDEX webhook_deliveries_endpoint ON webhook_deliveries (tenant_id, endpoint_id, created_at);

ALTER TABLE webhook_endpoints ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_endpoints FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_endpoints
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));

ALTER TABLE webhook_deliveries ENABLE ROW LEVEL SECURITY;
ALTER TABLE webhook_deliveries FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON webhook_deliveries
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
