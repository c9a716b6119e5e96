use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::scheduled_jobs;

/// When a job last started, succeeded and failed, and how often it succeeded.
#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = scheduled_jobs)]
pub struct JobRow {
    pub name: String,
    pub last_started_at: Option<NaiveDateTime>,
    pub last_success_at: Option<NaiveDateTime>,
    pub last_failure_at: Option<NaiveDateTime>,
    pub runs: i64,
}

/// A job of the schedule: its name (stored, shown in logs), how often it runs, and the work.
#[derive(Clone, Copy)]
pub struct Job {
    pub name: &'static str,
    pub every: chrono::Duration,
    pub work: fn(&crate::state::AppState) -> Result<(), crate::error::AppError>,
    /// Whether there is anything to do yet besides the period (e.g. a backup to verify);
    /// a job that is not ready is neither run nor counted as failed.
    pub ready: fn(&crate::state::AppState) -> Result<bool, crate::error::AppError>,
}

/// For jobs that are always ready when their period is over.
pub fn always(_: &crate::state::AppState) -> Result<bool, crate::error::AppError> {
    Ok(true)
}

impl Job {
    /// The advisory lock the job's run holds: the first 8 bytes of SHA-256 over its name.
    pub fn lock_key(&self) -> i64 {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(format!("anwesend job {}", self.name).as_bytes());
        let mut bytes = [0u8; 8];
        bytes.copy_from_slice(&digest[..8]);
        i64::from_be_bytes(bytes)
    }

    /// Due when its period has passed since the last success; after a failure not before
    /// a pause (at most 10 minutes), so a failing job is retried without spinning.
    pub fn is_due(&self, row: Option<&JobRow>, now: NaiveDateTime) -> bool {
        let Some(row) = row else { return true };
        let period_over = row.last_success_at.is_none_or(|at| at + self.every <= now);
        let failed_recently = row
            .last_failure_at
            .filter(|failed| row.last_success_at.is_none_or(|ok| *failed > ok))
            .is_some_and(|failed| failed + self.every.min(chrono::Duration::minutes(10)) > now);
        period_over && !failed_recently
    }
}
