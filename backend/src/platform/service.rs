//! The platform console's services: tenants with counts only (TOM AUTHZ-3), a new tenant
//! with its first primary admin, the platform's state.

use super::model::{JobStatus, NewPlatformTenant, OutboxCount, PlatformStatus, PlatformTenant};
use crate::accounts::service::validate_email;
use crate::auth::model::Role;
use crate::auth::service::Principal;
use crate::auth::store as auth_store;
use crate::db::TenantScope;
use crate::error::AppError;
use crate::notify::templates::Language;
use crate::state::AppState;
use crate::tenants::model::{NewTenant, TenantStatus};

/// Every tenant with its status and counts: members, admins, open invitations; no name,
/// address or other personal data of anyone in it (TOM AUTHZ-3). Each tenant is read in
/// its own scope (row-level security).
pub fn tenants(state: &AppState) -> Result<Vec<PlatformTenant>, AppError> {
    let now = state.clock.now().naive_utc();
    let mut out = Vec::new();
    for tenant in crate::tenants::service::list(&state.db)? {
        let scope = TenantScope::named_by_platform_admin(tenant.id.clone());
        let (members, admins, open_invitations) = state.db.tenant_read(&scope, |tx| {
            let all = auth_store::memberships_in_tenant(tx)?;
            let enabled: Vec<_> = all.iter().filter(|m| m.disabled_at.is_none()).collect();
            let mut accounts: Vec<&str> = enabled.iter().map(|m| m.account_id.as_str()).collect();
            accounts.sort_unstable();
            accounts.dedup();
            let mut admins: Vec<&str> = enabled
                .iter()
                .filter(|m| m.role == Role::TenantAdmin.as_str() || m.role == Role::PartnerAdmin.as_str())
                .map(|m| m.account_id.as_str())
                .collect();
            admins.sort_unstable();
            admins.dedup();
            let open = crate::invitations::store::open_in_tenant(tx, now)?.len();
            Ok((accounts.len(), admins.len(), open))
        })?;
        let offboarding = crate::offboarding::service::status(state, &scope)?;
        out.push(PlatformTenant {
            status: TenantStatus::from_stored(&tenant.status)?,
            id: tenant.id,
            slug: tenant.slug,
            name: tenant.name,
            created_at: tenant.created_at,
            members: i64::try_from(members).unwrap_or(i64::MAX),
            admins: i64::try_from(admins).unwrap_or(i64::MAX),
            open_invitations: i64::try_from(open_invitations).unwrap_or(i64::MAX),
            offboarding_started_at: offboarding.started_at,
            archive_until: offboarding.archive_until,
            certificate_available: offboarding.certificate_available,
        });
    }
    Ok(out)
}

/// Creates a tenant (its keys, keyring secret and chain; audited on the platform chain and
/// the tenant's) and invites its first primary admin by mail (audited on the tenant's
/// chain). The input is checked whole before anything is written.
pub fn create_tenant(state: &AppState, p: &Principal, input: &NewPlatformTenant) -> Result<PlatformTenant, AppError> {
    crate::tenants::service::validate_slug(&input.slug)?;
    crate::tenants::service::validate_name(&input.name)?;
    validate_email(&input.admin_email).map_err(|_| AppError::invalid("admin_email", "a valid email address"))?;
    if input.language.as_deref().is_some_and(|l| Language::from_code(l).is_none()) {
        return Err(AppError::invalid("language", "must be de or en"));
    }
    let tenant = crate::tenants::service::create(
        &state.db,
        &state.master,
        &p.audit,
        NewTenant { slug: input.slug.clone(), name: input.name.clone(), is_demo: false },
    )?;
    let scope = TenantScope::named_by_platform_admin(tenant.id.clone());
    crate::invitations::service::create_first_admin(state, &p.audit, &p.account_id, &scope, &input.admin_email, input.language.clone())?;
    tenants(state)?.into_iter().find(|t| t.id == tenant.id).ok_or(AppError::NotFound)
}

/// The platform's state: versions, database, scheduled jobs, silent devices, the mail
/// outbox, backups, the last audit verification and tenants by status.
pub fn status(state: &AppState) -> Result<PlatformStatus, AppError> {
    let database = if state.db.url().is_postgres() { "postgres" } else { "sqlite" };
    let mut conn = state.db.conn()?;
    let rows = crate::jobs::store::all(&mut conn)?;
    let mut names: Vec<String> = crate::jobs::service::schedule(state).iter().map(|j| j.name.to_owned()).collect();
    names.extend(rows.iter().map(|j| j.name.clone()));
    names.sort();
    names.dedup();
    let jobs = names
        .into_iter()
        .map(|name| {
            let row = rows.iter().find(|r| r.name == name);
            JobStatus {
                last_started_at: row.and_then(|r| r.last_started_at),
                last_success_at: row.and_then(|r| r.last_success_at),
                last_failure_at: row.and_then(|r| r.last_failure_at),
                runs: row.map_or(0, |r| r.runs),
                name,
            }
        })
        .collect();
    let outbox =
        crate::notify::store::count_by_status(&mut conn)?.into_iter().map(|(status, count)| OutboxCount { status, count }).collect();
    let outbox_oldest_queued_at = crate::notify::store::oldest_queued(&mut conn)?;
    use crate::backups::model::RunKind;
    let last_backup_at = crate::backups::store::last_ok(&mut conn, RunKind::Create)?.map(|r| r.started_at);
    let verification = crate::backups::store::last_of(&mut conn, RunKind::Verify)?;
    let audit = crate::audit::service::last_verification(&mut conn)?;
    let all = crate::tenants::store::list(&mut conn)?;
    drop(conn);
    let count = |status: TenantStatus| i64::try_from(all.iter().filter(|t| t.status == status.as_str()).count()).unwrap_or(i64::MAX);
    Ok(PlatformStatus {
        version: crate::http::routes::VERSION.to_owned(),
        database: database.to_owned(),
        database_reachable: !state.db.is_unreachable(),
        environment: state.config.environment().as_str().to_owned(),
        jobs,
        devices_overdue: i64::try_from(crate::metrics::devices_overdue(state)?).unwrap_or(i64::MAX),
        outbox,
        outbox_oldest_queued_at,
        last_backup_at,
        last_backup_verification_ok: verification.as_ref().map(|v| v.ok),
        last_backup_verification_at: verification.map(|v| v.finished_at),
        audit_verified_at: audit.as_ref().map(|a| a.checked_at),
        audit_chains_broken: audit.map(|a| a.broken),
        tenants_active: count(TenantStatus::Active),
        tenants_read_only: count(TenantStatus::ReadOnly),
        tenants_offboarded: count(TenantStatus::Offboarded),
    })
}
