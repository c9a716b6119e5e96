//! The schedule and its runner. Every node checks the schedule every `jobs.check_seconds`;
//! a job runs when its period has passed since its last success (`scheduled_jobs`), on the
//! one node that gets its lock (`Db::exclusively`). A node that dies mid-run never records
//! a success, and its lock goes with its connection, so another node runs the job at its
//! next check; every job is made of transactions that each leave a finished state (one
//! person's erasure, one tenant's offboarding, one key), so a run cut short is simply
//! continued by the next one.

use chrono::Duration;

use super::model::Job;
use super::store;
use crate::error::AppError;
use crate::state::AppState;

/// Create the current and next IP-hash key; destroy keys past retention (TOM PSEUDO-1).
pub const IP_HASH_KEYS: Job = Job { name: "ip_hash_keys", every: Duration::hours(1), work: ip_hash_keys };
/// Offboardings past their export window: delete, shred, certify (TOM DEL-1..4).
pub const OFFBOARDING: Job = Job { name: "offboarding", every: Duration::hours(1), work: offboarding };
/// Disable memberships unused for the configured time (only if `auth.disable_dormant`).
pub const DORMANT_ACCOUNTS: Job = Job { name: "dormant_accounts", every: Duration::hours(1), work: dormant_accounts };
/// Anonymise people past their retention period, prune old audit entries (TOM PRIV-6).
pub const RETENTION: Job = Job { name: "retention", every: Duration::days(1), work: retention };

/// The jobs this configuration runs.
pub fn schedule(state: &AppState) -> Vec<Job> {
    let mut jobs = vec![IP_HASH_KEYS, OFFBOARDING, RETENTION];
    if state.config.auth.disable_dormant {
        jobs.push(DORMANT_ACCOUNTS);
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
    Ok(job.is_due(row.as_ref(), state.clock.now().naive_utc()))
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
