-- When each scheduled job last started, succeeded and failed, shared by every server node:
-- a job runs when its period has passed since its last success, on the one node that holds
-- its advisory lock (`jobs::service`). A platform table without tenant data (no RLS).
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY,
    last_started_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    runs BIGINT NOT NULL DEFAULT 0
);
