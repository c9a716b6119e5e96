-- Public pages and calendars (issue 23). Keep in step with ../../sqlite.

-- The tenant's time zone (an IANA name): every page, mail and export shows times in it;
-- stored times stay UTC. The public event list is off until the tenant turns it on.
-- The origins that may embed the public list and booking pages (CSP frame-ancestors),
-- one per line; empty: none may.
ALTER TABLE tenants ADD COLUMN time_zone TEXT NOT NULL DEFAULT 'Europe/Berlin';
ALTER TABLE tenants ADD COLUMN public_list_enabled BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE tenants ADD COLUMN embed_origins TEXT NOT NULL DEFAULT '';

-- A staff member's personal calendar feed of the sessions they teach. Only the SHA-256
-- of the 256-bit token is kept; the token reads this feed and nothing else. A new feed
-- revokes the old one; revoked rows stay as evidence until the tenant is deleted.
CREATE TABLE calendar_feeds (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    account_id TEXT NOT NULL REFERENCES accounts (id),
    token_hash BYTEA NOT NULL UNIQUE,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP,
    PRIMARY KEY (tenant_id, id)
);
CREATE INDEX calendar_feeds_account ON calendar_feeds (tenant_id, account_id);

ALTER TABLE calendar_feeds ENABLE ROW LEVEL SECURITY;
ALTER TABLE calendar_feeds FORCE ROW LEVEL SECURITY;
CREATE POLICY tenant_isolation ON calendar_feeds
    USING (tenant_id = current_setting('app.tenant_id', true))
    WITH CHECK (tenant_id = current_setting('app.tenant_id', true));
