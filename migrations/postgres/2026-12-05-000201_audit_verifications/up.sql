-- The scheduled verifications of every audit chain (`jobs::service`, job `audit_verify`):
-- how many chains were walked and how many were broken (TOM INPUT-5, AVAIL-3 metrics).
-- A platform table without tenant data (no RLS): counts only, no chain names.
CREATE TABLE audit_verifications (
    id TEXT PRIMARY KEY,
    checked_at TIMESTAMP NOT NULL,
    chains BIGINT NOT NULL,
    broken BIGINT NOT NULL
);
CREATE INDEX audit_verifications_checked_at ON audit_verifications (checked_at);
