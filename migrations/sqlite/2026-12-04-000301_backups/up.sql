-- Backup runs (TOM AVAIL-1, AVAIL-2): every backup, verification and prune, whether it
-- worked, for the schedule (what is due) and the platform admins' status. A platform
-- table: no tenant data, no personal data; the files themselves live outside the database.
CREATE TABLE backup_runs (
    id TEXT NOT NULL PRIMARY KEY,
    kind TEXT NOT NULL CHECK (kind IN ('create', 'verify', 'prune')),
    started_at TIMESTAMP NOT NULL,
    finished_at TIMESTAMP NOT NULL,
    ok BOOLEAN NOT NULL,
    file_name TEXT,
    size_bytes BIGINT,
    detail TEXT NOT NULL
);
CREATE INDEX backup_runs_kind_finished ON backup_runs (kind, ok, finished_at);
