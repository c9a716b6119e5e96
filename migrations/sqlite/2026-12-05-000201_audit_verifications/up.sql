-- The scheduled verifications of every audit chain (`jobs::service`, job `audit_verify`):
-- how many chains were walked and how many were broken (TOM INPUT-5, AVAIL-3 metrics).
CREATE TABLE audit_verifications (
    id TEXT PRIMARY KEY NOT NULL,
    checked_at TIMESTAMP NOT NULL,
    chains BIGINT NOT NULL,
    broken BIGINT NOT NULL
);
CREATE INDEX audit_verifications_checked_at ON audit_verifications (checked_at);
