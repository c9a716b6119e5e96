//! Backup work with its records: every backup, verification and prune is a `backup_runs`
//! row and a platform-chain audit entry, written together (TOM AVAIL-1, AVAIL-2).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use age::x25519::Identity;
use chrono::NaiveDateTime;

use super::model::{BackupStatus, Restored, RunKind, RunRow, Verification};
use super::{archive, snapshot, store};
use crate::audit::{self, Action, AuditContext, Event};
use crate::config::Config;
use crate::crypto::MasterKey;
use crate::db::{Db, TenantScope};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenants::model::TenantStatus;

fn naive(ctx: &AuditContext) -> NaiveDateTime {
    ctx.at.naive_utc()
}

fn name_of(path: &Path) -> Option<String> {
    path.file_name().and_then(|n| n.to_str()).map(str::to_owned)
}

/// Records a run and its audit entry in one platform transaction.
fn record(db: &Db, ctx: &AuditContext, row: RunRow, event: Event) -> Result<(), AppError> {
    db.platform_tx(|tx| {
        store::insert_run(tx, &row)?;
        audit::record(tx, ctx, event)?;
        Ok(())
    })
}

fn run_row(
    kind: RunKind,
    started: NaiveDateTime,
    ctx: &AuditContext,
    ok: bool,
    file: Option<String>,
    size: Option<u64>,
    detail: String,
) -> RunRow {
    RunRow {
        id: uuid::Uuid::now_v7().to_string(),
        kind: kind.as_str().to_owned(),
        started_at: started,
        finished_at: naive(ctx).max(started),
        ok,
        file_name: file,
        size_bytes: size.map(|s| i64::try_from(s).unwrap_or(i64::MAX)),
        detail,
    }
}

/// Takes a backup now: one encrypted file in the backup directory. Prod refuses without
/// a recovery key: a backup only the server itself can open is lost with the server.
pub fn create(state: &AppState, ctx: &AuditContext) -> Result<(PathBuf, u64), AppError> {
    let started = naive(ctx);
    let path = state.config.backup_dir().join(archive::file_name(started));
    let result = (|| {
        if state.config.is_prod() && state.config.backups.recovery_recipients.is_empty() {
            return Err(AppError::Config(
                "backups.recovery_recipients is empty: prod encrypts every backup to an offline recovery key as well".into(),
            ));
        }
        let verify = archive::verify_identity(&state.config)?;
        let recipients = archive::recipients(&state.config, &verify)?;
        snapshot::take(&state.config, &state.db, &path, &recipients, started)
    })();
    let file = name_of(&path);
    let done = AuditContext { at: state.clock.now().max(ctx.at), ..ctx.clone() };
    match result {
        Ok((manifest, size)) => {
            let rows: i64 = manifest.tables.values().sum();
            let event = Event::new(Action::BackupCreated, "backup", file.as_deref())
                .detail("size_bytes", size)
                .detail("tables", manifest.tables.len())
                .detail("rows", rows)
                .detail("database", manifest.database.as_str());
            let detail = format!("{} tables, {rows} rows", manifest.tables.len());
            record(&state.db, &done, run_row(RunKind::Create, started, &done, true, file, Some(size), detail), event)?;
            Ok((path, size))
        }
        Err(e) => {
            let reason = e.to_string();
            let event = Event::new(Action::BackupFailed, "backup", file.as_deref()).detail("reason", reason.clone());
            record(&state.db, &done, run_row(RunKind::Create, started, &done, false, file, None, reason), event)?;
            Err(e)
        }
    }
}

/// Checks a backup in a scratch database (see `snapshot::verify`), opened with the verify
/// key from the keyring or with `identity` (e.g. the recovery key).
pub fn verify(state: &AppState, ctx: &AuditContext, path: &Path, identity: Option<&Identity>) -> Result<Verification, AppError> {
    let started = naive(ctx);
    let result = match identity {
        Some(identity) => snapshot::verify(&state.config, path, identity),
        None => archive::verify_identity(&state.config).and_then(|identity| snapshot::verify(&state.config, path, &identity)),
    };
    let file = name_of(path);
    let done = AuditContext { at: state.clock.now().max(ctx.at), ..ctx.clone() };
    match result {
        Ok((manifest, rows, chains)) => {
            let verification = Verification { tables: manifest.tables.len(), rows, chains, manifest };
            let event = Event::new(Action::BackupVerified, "backup", file.as_deref())
                .detail("tables", verification.tables)
                .detail("rows", rows)
                .detail("chains", chains)
                .detail("taken_at", crate::timestamp::rfc3339(verification.manifest.created_at));
            let detail = format!("{} tables, {rows} rows, {chains} audit chains intact", verification.tables);
            let size = std::fs::metadata(path).ok().map(|m| m.len());
            record(&state.db, &done, run_row(RunKind::Verify, started, &done, true, file, size, detail), event)?;
            Ok(verification)
        }
        Err(e) => {
            let reason = e.to_string();
            let event = Event::new(Action::BackupVerifyFailed, "backup", file.as_deref()).detail("reason", reason.clone());
            record(&state.db, &done, run_row(RunKind::Verify, started, &done, false, file, None, reason), event)?;
            Err(e)
        }
    }
}

/// Removes the backup files taken more than `backups.keep_days` before now; the newest
/// backup always stays, so a schedule that stopped working never prunes to nothing.
/// Returns the names removed; a prune that removed something is recorded and audited.
pub fn prune(state: &AppState, ctx: &AuditContext) -> Result<Vec<String>, AppError> {
    let cutoff = naive(ctx) - chrono::Duration::days(i64::from(state.config.backups.keep_days));
    let mut files = archive::list(&state.config.backup_dir())?;
    files.pop();
    let mut removed = Vec::new();
    for (taken, path) in files.into_iter().filter(|(taken, _)| *taken < cutoff) {
        std::fs::remove_file(&path).map_err(|e| AppError::Internal(format!("cannot remove {}: {e}", path.display())))?;
        removed.push(name_of(&path).unwrap_or_else(|| taken.to_string()));
    }
    if !removed.is_empty() {
        let event = Event::new(Action::BackupsPruned, "backup", None)
            .detail("count", removed.len())
            .detail("files", removed.join(","))
            .detail("keep_days", state.config.backups.keep_days)
            .detail("cutoff", crate::timestamp::rfc3339(cutoff));
        let detail = format!("{} file(s) older than {} days removed", removed.len(), state.config.backups.keep_days);
        record(&state.db, ctx, run_row(RunKind::Prune, naive(ctx), ctx, true, None, None, detail), event)?;
    }
    Ok(removed)
}

/// For platform admins: the last backup and verification and the latest runs.
pub fn status(state: &AppState) -> Result<BackupStatus, AppError> {
    let mut conn = state.db.conn()?;
    Ok(BackupStatus {
        last_backup: store::last_ok(&mut conn, RunKind::Create)?.map(RunRow::view).transpose()?,
        last_verification: store::last_ok(&mut conn, RunKind::Verify)?.map(RunRow::view).transpose()?,
        recent: store::recent(&mut conn, 20)?.into_iter().map(RunRow::view).collect::<Result<_, _>>()?,
        scheduled: crate::jobs::service::backups_scheduled(&state.config),
        keep_days: state.config.backups.keep_days,
    })
}

/// Restores a backup into the configured, empty database (the server stopped), then makes
/// it as the present demands: tenants offboarded since the backup are deleted again (their
/// keys are destroyed, TOM DEL-4), people erased since are erased again from the ledger
/// (PRIV-4, SDM M60.S10). Audited on the restored platform chain.
pub fn restore(config: Config, path: &Path, identity: Option<&Identity>) -> Result<Restored, AppError> {
    let identity = match identity {
        Some(identity) => identity.clone(),
        None => archive::verify_identity(&config)?,
    };
    let master = MasterKey::load(&config).map_err(|e| AppError::Config(e.to_string()))?;
    let manifest = snapshot::restore(&config, path, &identity)?;
    if config.auto_migrate {
        crate::db::migrate(config.migration_url())?;
    }
    let db = Db::new(&config.database_url, 2)?;
    let state = AppState::new(config, db, master, Arc::new(crate::clock::SystemClock));
    let offboarded_again = reapply_offboardings(&state)?;
    let erased_again = crate::privacy::service::reapply_ledger(&state, state.clock.now())?;
    let ctx = AuditContext::operator(state.clock.now());
    state.db.platform_tx(|tx| {
        let event = Event::new(Action::BackupRestored, "backup", name_of(path).as_deref())
            .detail("taken_at", crate::timestamp::rfc3339(manifest.created_at))
            .detail("erased_again", erased_again)
            .detail("offboarded_again", offboarded_again.join(","));
        audit::record(tx, &ctx, event)
    })?;
    Ok(Restored { manifest, erased_again, offboarded_again })
}

/// Tenants that a restored copy brings back although their keyring secret was destroyed
/// after the backup (an offboarding): nothing opens their keys, so they never start again.
/// Their rows are deleted as the offboarding did, and they stay offboarded. A tenant
/// counts only when its secret is missing and its keys do not open; with no keyring
/// directory at all the restore stops instead (the keyring is restored apart, first).
fn reapply_offboardings(state: &AppState) -> Result<Vec<String>, AppError> {
    let keyring = state.master.keyring().map(Path::to_owned);
    let mut shut = Vec::new();
    for tenant in crate::tenants::service::list(&state.db)? {
        if tenant.status == TenantStatus::Offboarded.as_str() || state.master.has_owner_secret(&tenant.id)? {
            continue;
        }
        let scope = TenantScope::named_by_operator(tenant.id.clone());
        if !matches!(crate::tenants::service::load_keys(&state.db, &state.master, &scope), Err(AppError::Crypto(_))) {
            continue;
        }
        if !keyring.as_deref().is_some_and(Path::is_dir) {
            return Err(AppError::Config(
                "the keyring directory is missing: restore it (data_dir/keyring) before the database, or no tenant's keys open".into(),
            ));
        }
        crate::offboarding::service::reapply_after_restore(state, &tenant.id, state.clock.now())?;
        shut.push(tenant.slug);
    }
    Ok(shut)
}
