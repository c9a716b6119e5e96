//! Offboarding: start (the tenant turns read-only), the export archive during the window,
//! and the deletion job after it (data deleted, keys and keyring secret destroyed, a
//! signed certificate). Every step is audited, in the platform chain and the tenant's.

use chrono::{DateTime, Duration, NaiveDateTime, SecondsFormat, Utc};
use serde_json::json;
use uuid::Uuid;

use super::archive;
use super::certificate;
use super::model::{OffboardingRow, OffboardingStatus, StartOffboarding, ARCHIVE_WINDOW_DAYS};
use super::store;
use crate::audit::{self, deletion, Action, AuditContext, Event};
use crate::crypto::sha256_hex;
use crate::crypto::PlatformSigner;
use crate::db::{DbConnection, TenantScope};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::{TenantStatus, STATUS_ACTIVE};
use crate::tenants::service as tenants;

pub const STATUS_READ_ONLY: &str = TenantStatus::ReadOnly.as_str();
pub const STATUS_OFFBOARDED: &str = TenantStatus::Offboarded.as_str();
pub const REASON_CODE: &str = "tenant_offboarding";
pub const REASON_TEXT: &str = "the tenant's contract ended and its export window is over";
/// The processor deletes all personal data at the end of the services (Art. 28(3)(g)).
pub const LEGAL_BASIS: &str = "GDPR Art. 28(3)(g)";

fn now_of(at: DateTime<Utc>) -> NaiveDateTime {
    audit::chain::truncate_to_micros(at.naive_utc())
}

fn iso(t: NaiveDateTime) -> String {
    DateTime::<Utc>::from_naive_utc_and_offset(t, Utc).to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn already_started(row: &OffboardingRow) -> AppError {
    match row.completed_at {
        Some(done) => AppError::rule(ProblemCode::TenantOffboarded, format!("this tenant was offboarded on {}", iso(done))),
        None => AppError::rule(
            ProblemCode::OffboardingStarted,
            format!(
                "this tenant's offboarding started on {}; its data is deleted after {}. It runs once.",
                iso(row.started_at),
                iso(row.archive_until)
            ),
        ),
    }
}

fn status_in(conn: &mut DbConnection, tenant_id: &str) -> Result<OffboardingStatus, AppError> {
    let tenant = crate::tenants::store::find(conn, tenant_id)?.ok_or(AppError::NotFound)?;
    let row = store::find(conn, tenant_id)?;
    Ok(OffboardingStatus {
        tenant_id: tenant.id,
        tenant_slug: tenant.slug,
        status: TenantStatus::from_stored(&tenant.status)?,
        started_at: row.as_ref().map(|r| r.started_at),
        archive_until: row.as_ref().map(|r| r.archive_until),
        completed_at: row.as_ref().and_then(|r| r.completed_at),
        keys_destroyed_at: row.as_ref().and_then(|r| r.keys_destroyed_at),
        certificate_available: row.as_ref().is_some_and(|r| r.certificate.is_some()),
    })
}

/// The tenant's offboarding state (no personal data: platform admins see it too).
pub fn status(state: &AppState, scope: &TenantScope) -> Result<OffboardingStatus, AppError> {
    let mut conn = state.db.conn()?;
    status_in(&mut conn, scope.tenant_id())
}

/// Starts the offboarding of `scope`'s tenant: from now on it is read-only and its admins
/// can download the export archive for `ARCHIVE_WINDOW_DAYS` days (TOM DEL-1, DEL-2). A
/// second start changes nothing and answers `offboarding_started` (409).
pub fn start(state: &AppState, ctx: &AuditContext, scope: &TenantScope, input: &StartOffboarding) -> Result<OffboardingStatus, AppError> {
    let now = now_of(ctx.at);
    let tenant_id = scope.tenant_id();
    state.db.platform_tx(|tx| {
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        if let Some(row) = store::find(tx, tenant_id)? {
            return Err(already_started(&row));
        }
        if tenant.status != STATUS_ACTIVE {
            return Err(AppError::rule(ProblemCode::TenantNotActive, format!("the tenant is {}, not active", tenant.status)));
        }
        if input.confirm_slug != tenant.slug {
            return Err(AppError::invalid("confirm_slug", "must repeat the tenant's slug exactly"));
        }
        let row = OffboardingRow {
            tenant_id: tenant_id.to_owned(),
            id: Uuid::now_v7().to_string(),
            started_at: now,
            started_by_type: ctx.actor.kind.code().to_owned(),
            started_by_id: ctx.actor.id.clone(),
            started_by_role: ctx.actor.role.clone(),
            archive_until: now + Duration::days(ARCHIVE_WINDOW_DAYS),
            completed_at: None,
            keys_destroyed_at: None,
            certificate: None,
        };
        match store::insert(tx, &row).map_err(AppError::from) {
            // Two starts at the same moment: the key lets one through.
            Err(e) if e.is_constraint_violation() => return Err(already_started(&row)),
            other => other?,
        };
        if store::set_status(tx, tenant_id, STATUS_ACTIVE, STATUS_READ_ONLY, now)? == 0 {
            return Err(already_started(&row));
        }
        let event =
            || Event::new(Action::TenantOffboardingStarted, "tenant", Some(tenant_id)).detail("archive_until", iso(row.archive_until));
        audit::record(tx, ctx, event())?;
        tx.enter_tenant(scope)?;
        audit::record(tx, ctx, event())?;
        Ok(())
    })?;
    status(state, scope)
}

/// The export archive (TOM DEL-2): every table of the tenant, decrypted, as JSON and CSV,
/// with a signed manifest. Only during the export window; audited in the tenant's chain.
/// Returns the tar file and its name.
pub fn archive(state: &AppState, ctx: &AuditContext, scope: &TenantScope) -> Result<(Vec<u8>, String), AppError> {
    let signer = PlatformSigner::from_master(&state.master)?;
    let tenant_id = scope.tenant_id();
    audit::sealer::seal(&state.db, Some(tenant_id))?;
    state.db.tenant_tx(scope, |tx| {
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        match store::find(tx, tenant_id)? {
            None => {
                return Err(AppError::rule(
                    ProblemCode::NotOffboarding,
                    "the export archive is made during offboarding; start the offboarding first",
                ))
            }
            Some(row) if row.completed_at.is_some() => return Err(already_started(&row)),
            Some(_) => {}
        }
        let keys = tenants::keys(tx, &state.master)?;
        let tables = archive::tables(tx, &keys, &state.master)?;
        let bytes = archive::build(&tenant, &tables, ctx.at, &signer);
        let rows: usize = tables.iter().map(|t| t.rows.len()).sum();
        audit::record(
            tx,
            ctx,
            Event::new(Action::TenantArchiveDownloaded, "tenant", Some(tenant_id))
                .detail("rows", rows)
                .detail("bytes", bytes.len())
                .detail("sha256", sha256_hex(&bytes)),
        )?;
        Ok((bytes, format!("{}-export-{}.tar", tenant.slug, ctx.at.format("%Y-%m-%d"))))
    })
}

/// Runs the deletion of every offboarding whose export window has ended (the hourly job).
/// Returns the tenant ids done; one failing tenant does not stop the others.
pub fn complete_due(state: &AppState, at: DateTime<Utc>) -> Result<Vec<String>, AppError> {
    let due = {
        let mut conn = state.db.conn()?;
        store::due(&mut conn, now_of(at))?
    };
    let mut done = Vec::new();
    for tenant_id in due {
        match complete(state, &tenant_id, at) {
            Ok(_) => done.push(tenant_id),
            Err(e) => tracing::error!(tenant = %tenant_id, cause = %e, "tenant offboarding failed"),
        }
    }
    Ok(done)
}

/// Ends one offboarding after its window (TOM DEL-1, DEL-3, DEL-4), in one transaction:
/// deletes the tenant's personal data, destroys the key material of its data and index
/// keys, writes the deletion log and the audit entries, signs and stores the deletion
/// certificate; last, before the commit, destroys the tenant's keyring secret, so the
/// wrapped keys in every backup stay closed. Returns the certificate file's text.
pub fn complete(state: &AppState, tenant_id: &str, at: DateTime<Utc>) -> Result<String, AppError> {
    let now = now_of(at);
    let ctx = AuditContext::system(at);
    let signer = PlatformSigner::from_master(&state.master)?;
    let scope = TenantScope::named_by_operator(tenant_id);
    let text = state.db.platform_tx(|tx| {
        let row = store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        if row.completed_at.is_some() {
            return Err(already_started(&row));
        }
        if row.archive_until > now {
            return Err(AppError::rule(ProblemCode::ExportWindowOpen, format!("the export window ends {}", iso(row.archive_until))));
        }
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        let keyring_secret = state.master.has_owner_secret(tenant_id)?;
        audit::record(tx, &ctx, Event::new(Action::TenantDataDeleted, "tenant", Some(tenant_id)))?;
        let tx = &mut tx.enter_tenant(&scope)?;
        let counts = store::delete_tenant_data(tx, now)?;
        let keys = store::destroy_keys(tx, now)?;
        for (category, record_count) in counts.iter().filter(|(_, n)| *n > 0) {
            let new = deletion::NewDeletion {
                category,
                record_count: *record_count,
                subject_ref: None,
                reason_code: REASON_CODE,
                reason_text: REASON_TEXT,
                legal_basis: LEGAL_BASIS,
            };
            deletion::record(tx, &ctx, new)?;
        }
        let deleted: i64 = counts.iter().filter(|(c, _)| *c != "staff_sessions_ended").map(|(_, n)| n).sum();
        audit::record(tx, &ctx, Event::new(Action::TenantDataDeleted, "tenant", Some(tenant_id)).detail("records", deleted))?;
        let key_ids: Vec<&str> = keys.iter().map(|(id, _)| id.as_str()).collect();
        audit::record(
            tx,
            &ctx,
            Event::new(Action::TenantKeysDestroyed, "tenant", Some(tenant_id))
                .detail("key_ids", key_ids.join(","))
                .detail("keyring_secret", keyring_secret),
        )?;
        audit::sealer::seal_pending(tx, tenant_id)?;
        let head = audit::store::head_or_genesis(tx, tenant_id)?;
        let content = json!({
            "format": certificate::FORMAT,
            "certificate_id": Uuid::now_v7().to_string(),
            "offboarding_id": row.id,
            "issuer": { "platform": "anwesend", "url": state.config.public_url },
            "tenant": { "id": tenant.id, "slug": tenant.slug, "name": tenant.name },
            "offboarding_started_at": iso(row.started_at),
            "started_by_role": row.started_by_role.as_deref().unwrap_or(row.started_by_type.as_str()),
            "archive_available_until": iso(row.archive_until),
            "deleted_at": iso(now),
            "keys_destroyed_at": iso(now),
            "destroyed_keys": keys.iter().map(|(id, purpose)| json!({ "id": id, "purpose": purpose })).collect::<Vec<_>>(),
            "keyring_secret_destroyed": keyring_secret,
            "categories": counts.iter().map(|(category, n)| json!({ "category": category, "record_count": n })).collect::<Vec<_>>(),
            "records_deleted": deleted,
            "reason": REASON_CODE,
            "legal_basis": LEGAL_BASIS,
            "retained": [
                "the tenant's id, slug and name, and this offboarding's record",
                "the rows of the destroyed keys, without key material",
                "the audit trail and the deletion log: ids and pseudonyms only, no personal data; append-only evidence",
            ],
            "audit_chain": { "seq": head.seq, "head_hash": hex::encode(&head.head_hash) },
        });
        let text = certificate::sign(content, &signer);
        audit::record(
            tx,
            &ctx,
            Event::new(Action::DeletionCertificateIssued, "tenant", Some(tenant_id)).detail("sha256", sha256_hex(text.as_bytes())),
        )?;
        store::complete(tx, tenant_id, now, &text)?;
        store::set_status(tx, tenant_id, STATUS_READ_ONLY, STATUS_OFFBOARDED, now)?;
        store::clear_tenant_texts(tx)?;
        // Last step before the commit: should the commit fail, the job runs again and
        // deletes what is left; the secret never outlives a committed deletion.
        state.master.destroy_owner_secret(tenant_id)?;
        Ok(text)
    })?;
    // SQLite: earlier versions of the deleted rows and key material leave the disk.
    state.db.flush_log();
    Ok(text)
}

/// A restore brought back a tenant whose keyring secret was destroyed after the backup
/// was taken (TOM DEL-4): nothing opens its keys, so its rows are deleted again as
/// `complete` deleted them, and it is marked offboarded, so it never starts. Its original
/// certificate stays with the operator; the deletion log and the tenant's chain record
/// this second deletion. Returns the rows deleted.
pub fn reapply_after_restore(state: &AppState, tenant_id: &str, at: DateTime<Utc>) -> Result<i64, AppError> {
    let now = now_of(at);
    let ctx = AuditContext::system(at);
    let scope = TenantScope::named_by_operator(tenant_id);
    state.db.platform_tx(|tx| {
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        let tx = &mut tx.enter_tenant(&scope)?;
        let counts = store::delete_tenant_data(tx, now)?;
        store::destroy_keys(tx, now)?;
        for (category, record_count) in counts.iter().filter(|(_, n)| *n > 0) {
            let reason_text = "offboarded after the restored backup was taken; its keys are destroyed";
            let new = deletion::NewDeletion {
                category,
                record_count: *record_count,
                subject_ref: None,
                reason_code: REASON_CODE,
                reason_text,
                legal_basis: LEGAL_BASIS,
            };
            deletion::record(tx, &ctx, new)?;
        }
        let deleted: i64 = counts.iter().filter(|(c, _)| *c != "staff_sessions_ended").map(|(_, n)| n).sum();
        audit::record(tx, &ctx, Event::new(Action::BackupOffboardingReapplied, "tenant", Some(tenant_id)).detail("records", deleted))?;
        store::clear_tenant_texts(tx)?;
        store::set_status(tx, tenant_id, &tenant.status, STATUS_OFFBOARDED, now)?;
        Ok(deleted)
    })
}

/// The signed deletion certificate of an offboarded tenant (TOM DEL-3); the hand-over is
/// audited in the platform chain.
pub fn certificate(state: &AppState, ctx: &AuditContext, scope: &TenantScope) -> Result<String, AppError> {
    state.db.platform_tx(|tx| {
        let row = store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        let text = row.certificate.ok_or(AppError::NotFound)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::DeletionCertificateDownloaded, "tenant", Some(scope.tenant_id()))
                .detail("sha256", sha256_hex(text.as_bytes())),
        )?;
        Ok(text)
    })
}
