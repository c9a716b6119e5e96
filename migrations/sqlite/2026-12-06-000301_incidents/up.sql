-- The incident register (TOM BREACH-1, BREACH-2; issue 20). Keep in step with ../../postgres.
-- An incident is the operator's record (platform table, no tenant data): the Art. 33 facts,
-- the scope it was computed from (a time window and a kind with its ids) and its status.
CREATE TABLE incidents (
    id TEXT PRIMARY KEY,
    title TEXT NOT NULL,
    description TEXT NOT NULL,
    nature TEXT NOT NULL,
    data_categories TEXT NOT NULL,
    systems TEXT NOT NULL,
    measures TEXT NOT NULL,
    consequences TEXT NOT NULL,
    contact TEXT NOT NULL,
    discovered_at TIMESTAMP NOT NULL,
    started_at TIMESTAMP NOT NULL,
    scope_kind TEXT NOT NULL,
    scope_ids TEXT NOT NULL,
    window_from TIMESTAMP NOT NULL,
    window_to TIMESTAMP NOT NULL,
    status TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL
);

-- The timeline: opening, notices sent, follow-up information in phases (Art. 33(4)), closing.
CREATE TABLE incident_updates (
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    id TEXT NOT NULL,
    kind TEXT NOT NULL,
    text_de TEXT NOT NULL,
    text_en TEXT NOT NULL,
    created_by TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    PRIMARY KEY (incident_id, id)
);

-- Per affected tenant: the computed counts (numbers only) and the notification, a draft
-- until the platform admin sends it; the tenant's admins acknowledge it. A tenant's row.
CREATE TABLE incident_notices (
    tenant_id TEXT NOT NULL REFERENCES tenants (id),
    id TEXT NOT NULL,
    incident_id TEXT NOT NULL REFERENCES incidents (id),
    persons BIGINT NOT NULL,
    records BIGINT NOT NULL,
    subject_de TEXT NOT NULL,
    body_de TEXT NOT NULL,
    subject_en TEXT NOT NULL,
    body_en TEXT NOT NULL,
    status TEXT NOT NULL,
    sent_at TIMESTAMP,
    sent_by TEXT,
    acknowledged_at TIMESTAMP,
    acknowledged_by TEXT,
    created_at TIMESTAMP NOT NULL,
    updated_at TIMESTAMP NOT NULL,
    PRIMARY KEY (tenant_id, id),
    UNIQUE (tenant_id, incident_id)
);
CREATE INDEX incident_notices_incident ON incident_notices (incident_id);
