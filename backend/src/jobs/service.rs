//! The schedule and its runner. Every node checks the schedule every `jobs.check_seconds`;
//! a job runs when its period has passed since its last success (`scheduled_jobs`), on the
//! one node that gets its lock (`Db::exclusively`). A node that dies mid-run never records
//! a success, and its lock goes with its connection, so another node runs the job at its
//! next check; every job is made of transactions that each leave a finished state (one
//! person's erasure, one tenant's offboarding, one key), so a run cut short is simply
//! continued by the next one.

use chrono::Duration;

use super::model::{always, Job};
use super::store;
use crate::error::AppError;
use crate::state::AppState;

/// Create the current and next IP-hash key; destroy keys past retention (TOM PSEUDO-1).
pub const IP_HASH_KEYS: Job = Job { name: "ip_hash_keys", every: Duration::hours(1), work: ip_hash_keys, ready: always };
/// Offboardings past their export window: delete, shred, certify (TOM DEL-1..4).
pub const OFFBOARDING: Job = Job { name: "offboarding", every: Duration::hours(1), work: offboarding, ready: always };
/// Disable memberships unused for the configured time (only if `auth.disable_dormant`).
pub const DORMANT_ACCOUNTS: Job = Job { name: "dormant_accounts", every: Duration::hours(1), work: dormant_accounts, ready: always };
/// Anonymise people past their retention period, prune old audit entries (TOM PRIV-6).
/// One mail per person above a course's absence threshold to its organiser (issue 21).
pub const ABSENCE_ALERTS: Job = Job { name: "absence_alerts", every: Duration::hours(1), work: absence_alerts, ready: always };
pub const RETENTION: Job = Job { name: "retention", every: Duration::days(1), work: retention, ready: always };

/// Verify every audit chain, the platform's and each tenant's, and record the result
/// (TOM INPUT-5, AVAIL-3: `anwesend_audit_chains_broken` in the metrics).
pub const AUDIT_VERIFY: Job = Job { name: "audit_verify", every: Duration::days(1), work: audit_verify, ready: always };
/// The name of the backup job: a new encrypted backup, then the prune (TOM AVAIL-1, DEL-4).
pub const BACKUP: &str = "backup";
/// The name of the verification job: the newest backup checked in a scratch database (AVAIL-2).
pub const BACKUP_VERIFY: &str = "backup_verify";

/// Whether this server takes and verifies backups itself: `backups.schedule`, and on
/// PostgreSQL only with the backup role's URL (`backups.database_url`).
pub fn backups_scheduled(config: &crate::config::Config) -> bool {
    config.backups.schedule && (!config.database_url.starts_with("postgres") || config.backups.database_url.is_some())
}

/// The jobs this configuration runs, in the order a check runs them: the backup before its
/// verification, so a new server verifies its first backup at once.
pub fn schedule(state: &AppState) -> Vec<Job> {
    let mut jobs = vec![IP_HASH_KEYS, OFFBOARDING, RETENTION, AUDIT_VERIFY, ABSENCE_ALERTS];
    if state.config.auth.disable_dormant {
        jobs.push(DORMANT_ACCOUNTS);
    }
    if backups_scheduled(&state.config) {
        let backups = &state.config.backups;
        jobs.push(Job { name: BACKUP, every: Duration::hours(i64::from(backups.every_hours)), work: backup, ready: always });
        jobs.push(Job {
            name: BACKUP_VERIFY,
            every: Duration::days(i64::from(backups.verify_every_days)),
            work: backup_verify,
            ready: backup_exists,
        });
    }
    jobs
}

/// Runs every job of the schedule that is due and that no other node runs right now;
/// returns the names of those this call ran to success (failures are logged). Blocking.
pub fn run_due(state: &AppState) -> Vec<&'static str> {
    let mut ran = Vec::new();
    for job in schedule(state) {
        match run_if_due(state, &job) {
            Ok(true) => ran.push(job.name),
            Ok(false) => {}
            Err(e) => tracing::error!(job = job.name, cause = %e, "scheduled job failed"),
        }
    }
    ran
}

fn is_due(state: &AppState, job: &Job) -> Result<bool, AppError> {
    let row = store::find(&mut *state.db.conn()?, job.name)?;
    Ok(job.is_due(row.as_ref(), state.clock.now().naive_utc()) && (job.ready)(state)?)
}

fn run_if_due(state: &AppState, job: &Job) -> Result<bool, AppError> {
    if !is_due(state, job)? {
        return Ok(false);
    }
    let ran = state.db.exclusively(job.lock_key(), || {
        // Another node may have finished it between the first look and the lock.
        if !is_due(state, job)? {
            return Ok(false);
        }
        let started = state.clock.now().naive_utc();
        state.db.platform_tx(|tx| Ok(store::started(tx, job.name, started)?))?;
        match (job.work)(state) {
            Ok(()) => {
                state.db.platform_tx(|tx| Ok(store::succeeded(tx, job.name, state.clock.now().naive_utc())?))?;
                Ok(true)
            }
            Err(e) => {
                if let Err(record) = state.db.platform_tx(|tx| Ok(store::failed(tx, job.name, state.clock.now().naive_utc())?)) {
                    tracing::error!(job = job.name, cause = %record, "cannot record a failed run");
                }
                Err(e)
            }
        }
    })?;
    Ok(ran.unwrap_or(false))
}

fn ip_hash_keys(state: &AppState) -> Result<(), AppError> {
    let now = state.clock.now();
    state.ip_hasher.ensure_key(now)?;
    state.ip_hasher.ensure_key(now + Duration::hours(i64::from(state.config.ip_hash.rotation_hours)))?;
    let destroyed = state.ip_hasher.destroy_expired(now)?;
    if !destroyed.is_empty() {
        tracing::info!(keys = ?destroyed, "destroyed expired IP-hash keys");
    }
    Ok(())
}

fn offboarding(state: &AppState) -> Result<(), AppError> {
    let offboarded = crate::offboarding::service::complete_due(state, state.clock.now())?;
    if !offboarded.is_empty() {
        tracing::info!(tenants = ?offboarded, "offboarded tenants: data deleted, keys destroyed, certificates issued");
    }
    Ok(())
}

fn absence_alerts(state: &AppState) -> Result<(), AppError> {
    let n = crate::absences::service::alert_run(state)?;
    if n > 0 {
        tracing::info!(count = n, "absence alerts queued");
    }
    Ok(())
}

fn dormant_accounts(state: &AppState) -> Result<(), AppError> {
    let n = crate::members::service::disable_dormant(state)?;
    if n > 0 {
        tracing::info!(count = n, "disabled dormant memberships");
    }
    Ok(())
}

/// Idempotent, so a run cut short and run again changes nothing twice.
fn retention(state: &AppState) -> Result<(), AppError> {
    let report = crate::privacy::retention::run(state)?;
    if report.erased > 0 || report.kept_restricted > 0 || report.audit_pruned > 0 || report.failed_tenants > 0 {
        tracing::info!(
            erased = report.erased,
            kept_restricted = report.kept_restricted,
            audit_pruned = report.audit_pruned,
            failed_tenants = report.failed_tenants,
            "retention run"
        );
    }
    Ok(())
}

/// A new backup, then the prune of those past `backups.keep_days` (each recorded and
/// audited by `backups::service`). A failed backup fails the job, so it is tried again
/// after the job's pause and shows in `anwesend_job_last_failure_timestamp_seconds`.
fn backup(state: &AppState) -> Result<(), AppError> {
    use crate::audit::AuditContext;
    let (path, size) = crate::backups::service::create(state, &AuditContext::system(state.clock.now()))?;
    tracing::info!(file = ?path.file_name(), size, "scheduled backup taken");
    let pruned = crate::backups::service::prune(state, &AuditContext::system(state.clock.now()))?;
    if !pruned.is_empty() {
        tracing::info!(count = pruned.len(), "pruned old backups");
    }
    Ok(())
}

/// The verification waits for a first backup (on another node it may be written right now;
/// a file appears only when it is complete).
fn backup_exists(state: &AppState) -> Result<bool, AppError> {
    Ok(!crate::backups::archive::list(&state.config.backup_dir())?.is_empty())
}

/// Verifies the newest backup file.
fn backup_verify(state: &AppState) -> Result<(), AppError> {
    use crate::audit::AuditContext;
    let Some((_, newest)) = crate::backups::archive::list(&state.config.backup_dir())?.pop() else {
        return Err(AppError::Unavailable("no backup to verify yet".into()));
    };
    let verified = crate::backups::service::verify(state, &AuditContext::system(state.clock.now()), &newest, None)?;
    tracing::info!(tables = verified.tables, rows = verified.rows, chains = verified.chains, "scheduled backup verification passed");
    Ok(())
}

/// Walks every chain; a broken one is recorded (`audit_verifications`) and fails the job.
fn audit_verify(state: &AppState) -> Result<(), AppError> {
    let result = crate::audit::service::verify_all(state)?;
    if result.broken > 0 {
        tracing::error!(chains = result.chains, broken = result.broken, "audit chains are broken: run `anwesend audit verify`");
        return Err(AppError::Internal(format!("{} of {} audit chains are broken", result.broken, result.chains)));
    }
    Ok(())
}
