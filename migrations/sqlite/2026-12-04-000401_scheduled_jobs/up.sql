-- When each scheduled job last started, succeeded and failed (`jobs::service`).
CREATE TABLE scheduled_jobs (
    name TEXT PRIMARY KEY NOT NULL,
    last_started_at TIMESTAMP,
    last_success_at TIMESTAMP,
    last_failure_at TIMESTAMP,
    runs BIGINT NOT NULL DEFAULT 0
);
