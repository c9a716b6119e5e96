use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::model::{Member, RoleAssignment};
use crate::accounts::store as accounts;
use crate::audit::{self, Action, Event};
use crate::auth::model::{Membership, Role};
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::auth::store;
use crate::db::{DbConnection, TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const MAX_SCOPE_ID: usize = 64;

fn assignment(m: &Membership) -> RoleAssignment {
    RoleAssignment { role: m.role.clone(), is_primary: m.is_primary, company_id: m.company_id.clone(), course_id: m.course_id.clone() }
}

fn by_account(memberships: Vec<Membership>) -> BTreeMap<String, Vec<Membership>> {
    let mut map: BTreeMap<String, Vec<Membership>> = BTreeMap::new();
    for m in memberships {
        map.entry(m.account_id.clone()).or_default().push(m);
    }
    map
}

/// How far back the access review looks for passkey clone warnings.
pub const CLONE_WARNING_DAYS: i64 = 365;
const MAX_CLONE_WARNINGS: i64 = 1000;

/// The newest passkey clone warning per account in the tenant's chain whose passkey still
/// exists (TOM ACC-6): removing the passkey, or resetting the factors, settles it.
fn clone_warnings(conn: &mut DbConnection, scope: &TenantScope, now: NaiveDateTime) -> Result<BTreeMap<String, NaiveDateTime>, AppError> {
    let since = now - Duration::days(CLONE_WARNING_DAYS);
    let entries =
        crate::audit::store::recent_of_action(conn, scope.tenant_id(), Action::PasskeyCloneSuspected.code(), since, MAX_CLONE_WARNINGS)?;
    let passkey_ids: Vec<String> = entries.iter().filter_map(|(target, _, _)| target.clone()).collect();
    let existing = crate::passkeys::store::existing(conn, &passkey_ids)?;
    let mut warnings: BTreeMap<String, NaiveDateTime> = BTreeMap::new();
    for (target, detail, at) in entries {
        if !target.is_some_and(|id| existing.contains(&id)) {
            continue;
        }
        let detail: serde_json::Value = serde_json::from_str(&detail).unwrap_or_default();
        if let Some(account) = detail.get("account_id").and_then(|a| a.as_str()) {
            let newest = warnings.entry(account.to_owned()).or_insert(at);
            *newest = (*newest).max(at);
        }
    }
    Ok(warnings)
}

fn member_view(
    state: &AppState,
    conn: &mut DbConnection,
    account_id: &str,
    held: &[Membership],
    now: NaiveDateTime,
    break_glass: Option<&str>,
    clone_warnings: &BTreeMap<String, NaiveDateTime>,
) -> Result<Member, AppError> {
    let account = accounts::find(conn, account_id)?.ok_or(AppError::NotFound)?;
    let email = state.master.platform_keys().decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
    let dormant_since = now - Duration::days(i64::from(state.config.auth.dormant_after_days));
    Ok(Member {
        email: email.to_string(),
        roles: held.iter().map(assignment).collect(),
        dormant: account.last_sign_in_at.unwrap_or(account.created_at) < dormant_since,
        disabled: account.disabled_at.is_some() || held.iter().all(|m| m.disabled_at.is_some()),
        mfa_enabled: account.mfa_enabled() || crate::passkeys::store::count_of_account(conn, &account.id)? > 0,
        live_sessions: store::live_session_count(conn, &account.id, now)?,
        break_glass: break_glass == Some(account.id.as_str()),
        passkey_clone_suspected_at: clone_warnings.get(&account.id).copied(),
        last_sign_in_at: account.last_sign_in_at,
        account_id: account.id,
    })
}

/// Every account of the tenant with roles, last sign-in and flags (TOM AUTHZ-5).
pub fn review(state: &AppState, scope: &TenantScope, now: NaiveDateTime) -> Result<Vec<Member>, AppError> {
    let mut out = state.db.tenant_read(scope, |tx| {
        let members = by_account(store::memberships_in_tenant(tx)?);
        let break_glass = break_glass_of(tx, scope)?;
        let warnings = clone_warnings(tx, scope, now)?;
        let mut out = Vec::with_capacity(members.len());
        for (account_id, held) in &members {
            out.push(member_view(state, tx, account_id, held, now, break_glass.as_deref(), &warnings)?);
        }
        Ok(out)
    })?;
    out.sort_by(|a, b| a.email.cmp(&b.email));
    Ok(out)
}

pub fn one(state: &AppState, scope: &TenantScope, account_id: &str, now: NaiveDateTime) -> Result<Member, AppError> {
    state.db.tenant_read(scope, |tx| {
        let held = held_in(tx, scope, account_id)?;
        let break_glass = break_glass_of(tx, scope)?;
        let warnings = clone_warnings(tx, scope, now)?;
        member_view(state, tx, account_id, &held, now, break_glass.as_deref(), &warnings)
    })
}

/// The account that keeps its local password while the tenant requires SSO (TOM ACC-7);
/// none while it does not.
fn break_glass_of(conn: &mut DbConnection, scope: &TenantScope) -> Result<Option<String>, AppError> {
    let tenant = crate::tenants::store::find(conn, scope.tenant_id())?.ok_or(AppError::NotFound)?;
    Ok(tenant.sso_break_glass_account_id.filter(|_| tenant.sso_only))
}

/// The account's memberships in the tenant; an account outside it is not found (SEP-3).
fn held_in(conn: &mut DbConnection, scope: &TenantScope, account_id: &str) -> Result<Vec<Membership>, AppError> {
    let held: Vec<Membership> = store::memberships_of(conn, account_id)?.into_iter().filter(|m| m.tenant_id == scope.tenant_id()).collect();
    if held.is_empty() {
        return Err(AppError::NotFound);
    }
    Ok(held)
}

/// Checks a requested role and its scope; partner admins and participants are not
/// assigned here (the operator and the bookings do that).
pub fn validate_assignment(tx: &mut TenantTx<'_>, a: &RoleAssignment) -> Result<Role, AppError> {
    let role = Role::from_code(&a.role)
        .filter(|r| !matches!(r, Role::PartnerAdmin | Role::Participant))
        .ok_or_else(|| AppError::invalid("role", "must be tenant_admin, company_admin, organiser or instructor"))?;
    if a.is_primary && role != Role::TenantAdmin {
        return Err(AppError::invalid("is_primary", "only a tenant admin can be primary"));
    }
    match (&a.company_id, role) {
        (None, Role::CompanyAdmin) => return Err(AppError::invalid("company_id", "is required for a company admin")),
        (Some(_), r) if r != Role::CompanyAdmin => return Err(AppError::invalid("company_id", "only a company admin has a company")),
        (Some(id), _) if id.len() > MAX_SCOPE_ID || !crate::companies::store::exists(tx, id)? => {
            return Err(AppError::invalid("company_id", "is not a company of this tenant"));
        }
        _ => {}
    }
    match (&a.course_id, role) {
        (Some(_), r) if r != Role::Instructor => return Err(AppError::invalid("course_id", "only an instructor has a course")),
        (Some(id), _) if id.is_empty() || id.len() > MAX_SCOPE_ID => {
            return Err(AppError::invalid("course_id", "must be 1 to 64 characters"))
        }
        _ => {}
    }
    Ok(role)
}

fn holds_admin(roles: &[RoleAssignment]) -> bool {
    roles.iter().any(|a| Role::from_code(&a.role).is_some_and(Role::is_admin))
}

/// Accounts with an enabled admin role in the tenant, after replacing `account_id`'s
/// roles with `new` (TOM AUTHZ-4).
fn admins_after(all: &[Membership], account_id: &str, new: &[RoleAssignment]) -> usize {
    let mut admins: std::collections::BTreeSet<&str> = all
        .iter()
        .filter(|m| m.account_id != account_id && m.disabled_at.is_none())
        .filter(|m| Role::from_code(&m.role).is_some_and(Role::is_admin))
        .map(|m| m.account_id.as_str())
        .collect();
    if holds_admin(new) {
        admins.insert(account_id);
    }
    admins.len()
}

fn other_primary_exists(all: &[Membership], account_id: &str) -> bool {
    all.iter().any(|m| m.account_id != account_id && m.disabled_at.is_none() && m.is_primary && m.role == Role::TenantAdmin.as_str())
}

/// Whether `account_id` may hold `new` within `auth.max_admins_per_tenant`, counting open
/// admin invitations (other than `accepting`): they must not break the limit either
/// (TOM AUTHZ-4).
pub struct AdminLimit<'a> {
    pub scope: &'a TenantScope,
    pub account_id: &'a str,
    pub accepting: Option<&'a str>,
}

pub fn check_admin_limit(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    limit: AdminLimit<'_>,
    new: &[RoleAssignment],
    now: NaiveDateTime,
) -> Result<(), AppError> {
    if !holds_admin(new) {
        return Ok(());
    }
    let all = store::memberships_in_tenant(tx)?;
    let invited = crate::invitations::store::open_in_tenant(tx, now)?
        .iter()
        .filter(|i| Some(i.id.as_str()) != limit.accepting && Role::from_code(&i.role).is_some_and(Role::is_admin))
        .count();
    let account_id = limit.account_id;
    let max = state.config.auth.max_admins_per_tenant as usize;
    if admins_after(&all, account_id, new) + invited > max {
        return Err(AppError::rule(ProblemCode::AdminLimitReached, format!("this tenant may have at most {max} admins")));
    }
    Ok(())
}

/// Inserts memberships for `assignments` inside `tx`.
pub fn grant(
    tx: &mut TenantTx<'_>,
    account_id: &str,
    assignments: &[RoleAssignment],
    now: NaiveDateTime,
    disabled_at: Option<NaiveDateTime>,
) -> Result<(), AppError> {
    let tenant_id = tx.tenant_id().to_owned();
    for a in assignments {
        store::insert_membership(
            tx,
            &Membership {
                tenant_id: tenant_id.clone(),
                id: Uuid::now_v7().to_string(),
                account_id: account_id.to_owned(),
                role: a.role.clone(),
                is_primary: a.is_primary,
                company_id: a.company_id.clone(),
                created_at: now,
                course_id: a.course_id.clone(),
                disabled_at,
            },
        )?;
    }
    Ok(())
}

/// Replaces an account's roles in the tenant. Admin roles are granted and taken only by
/// primary admins (AUTHZ-3), up to the tenant's limit (AUTHZ-4); the last primary admin
/// keeps the role. Partner-admin memberships stay as the operator made them.
/// Replaces a member's roles and answers the member as now; `None` when every role was
/// taken and the account is no longer a member.
pub fn set_roles(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    account_id: &str,
    roles: &[RoleAssignment],
) -> Result<Option<Member>, AppError> {
    if roles.len() > 10 {
        return Err(AppError::invalid("roles", "at most 10"));
    }
    change_roles(state, p, scope, account_id, roles)?;
    match one(state, scope, account_id, p.audit.at.naive_utc()) {
        Ok(member) => Ok(Some(member)),
        Err(AppError::NotFound) => Ok(None),
        Err(e) => Err(e),
    }
}

fn change_roles(state: &AppState, p: &Principal, scope: &TenantScope, account_id: &str, roles: &[RoleAssignment]) -> Result<(), AppError> {
    let now = p.audit.at.naive_utc();
    let (held, wanted) = state.db.tenant_read(scope, |tx| {
        let held = held_in(tx, scope, account_id)?;
        let mut wanted = Vec::with_capacity(roles.len());
        for a in roles {
            validate_assignment(tx, a)?;
            if wanted.contains(a) {
                return Err(AppError::invalid("roles", "lists a role twice"));
            }
            wanted.push(a.clone());
        }
        Ok((held, wanted))
    })?;
    let (partner, current): (Vec<Membership>, Vec<Membership>) = held.into_iter().partition(|m| m.role == Role::PartnerAdmin.as_str());
    let before: Vec<RoleAssignment> = current.iter().map(assignment).collect();
    let changed_admin = before
        .iter()
        .filter(|a| !wanted.contains(a))
        .chain(wanted.iter().filter(|a| !before.contains(a)))
        .any(|a| Role::from_code(&a.role).is_some_and(Role::is_admin));
    if changed_admin {
        authorize(state, p, Permission::AdminRolesGrant)?;
    }
    state.db.tenant_read(scope, |tx| {
        let all = store::memberships_in_tenant(tx)?;
        let was_primary = current.iter().any(|m| m.is_primary && m.role == Role::TenantAdmin.as_str());
        let stays_primary = wanted.iter().any(|a| a.is_primary);
        if was_primary && !stays_primary && !other_primary_exists(&all, account_id) {
            return Err(AppError::rule(ProblemCode::LastPrimaryAdmin, "the tenant needs at least one primary admin"));
        }
        check_admin_limit(state, tx, AdminLimit { scope, account_id, accepting: None }, &wanted, now)
    })?;
    let disabled_at = current.first().and_then(|m| m.disabled_at);
    state.db.tenant_tx(scope, |tx| {
        for m in &current {
            store::delete_membership(tx, &m.id)?;
        }
        grant(tx, account_id, &wanted, now, disabled_at)?;
        let codes = |list: &[RoleAssignment]| list.iter().map(|a| a.role.clone()).collect::<Vec<_>>();
        let (action, ended) = if wanted.is_empty() && partner.is_empty() {
            (Action::MembershipRevoked, store::end_sessions_of(tx, account_id, None, Some(scope.tenant_id()), now, "membership_revoked")?)
        } else {
            (Action::MembershipChanged, Vec::new())
        };
        audit::record(
            tx,
            &p.audit,
            Event::new(action, "account", Some(account_id)).detail("before", codes(&before)).detail("after", codes(&wanted)),
        )?;
        for id in &ended {
            audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "membership_revoked"))?;
        }
        Ok(())
    })
}

/// Disables (or enables) an account in the tenant; disabling ends its sessions there.
/// Disables or enables a member in this tenant and answers the member as now.
pub fn set_disabled(state: &AppState, p: &Principal, scope: &TenantScope, account_id: &str, disable: bool) -> Result<Member, AppError> {
    change_disabled(state, p, scope, account_id, disable)?;
    one(state, scope, account_id, p.audit.at.naive_utc())
}

fn change_disabled(state: &AppState, p: &Principal, scope: &TenantScope, account_id: &str, disable: bool) -> Result<(), AppError> {
    if disable && account_id == p.account_id {
        return Err(AppError::rule(ProblemCode::CannotDisableSelf, "you cannot disable your own account"));
    }
    let now = p.audit.at.naive_utc();
    let held = state.db.tenant_read(scope, |tx| held_in(tx, scope, account_id))?;
    let roles: Vec<RoleAssignment> = held.iter().map(assignment).collect();
    if holds_admin(&roles) {
        authorize(state, p, Permission::AdminRolesGrant)?;
    }
    state.db.tenant_read(scope, |tx| {
        let all = store::memberships_in_tenant(tx)?;
        if disable && roles.iter().any(|a| a.is_primary) && !other_primary_exists(&all, account_id) {
            return Err(AppError::rule(ProblemCode::LastPrimaryAdmin, "the tenant needs at least one primary admin"));
        }
        if !disable {
            check_admin_limit(state, tx, AdminLimit { scope, account_id, accepting: None }, &roles, now)?;
        }
        Ok(())
    })?;
    state.db.tenant_tx(scope, |tx| {
        store::set_memberships_disabled(tx, account_id, disable.then_some(now))?;
        let action = if disable { Action::MemberDisabled } else { Action::MemberEnabled };
        audit::record(tx, &p.audit, Event::new(action, "account", Some(account_id)))?;
        if disable {
            for id in store::end_sessions_of(tx, account_id, None, Some(scope.tenant_id()), now, "account_disabled")? {
                audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(&id)).detail("reason", "account_disabled"))?;
            }
        }
        Ok(())
    })
}

/// The policy job of TOM AUTHZ-5: disables every enabled membership of accounts without a
/// sign-in for `auth.dormant_after_days` (never: since creation), and ends their sessions
/// there. The last primary admin of a tenant is kept. Returns how many were disabled.
pub fn disable_dormant(state: &AppState) -> Result<usize, AppError> {
    let now = state.clock.now().naive_utc();
    let since = now - Duration::days(i64::from(state.config.auth.dormant_after_days));
    let ctx = crate::audit::AuditContext::system(state.clock.now());
    let tenants = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::list(&mut conn)?
    };
    let mut disabled = 0;
    for tenant in tenants {
        let scope = TenantScope::named_by_operator(tenant.id.clone());
        let all = state.db.tenant_read(&scope, |tx| Ok(store::memberships_in_tenant(tx)?))?;
        for (account_id, held) in by_account(all.clone()) {
            if held.iter().all(|m| m.disabled_at.is_some()) {
                continue;
            }
            let Some(account) = accounts::find(&mut *state.db.conn()?, &account_id)? else { continue };
            let dormant = account.last_sign_in_at.unwrap_or(account.created_at) < since;
            let last_primary = held.iter().any(|m| m.is_primary && m.disabled_at.is_none()) && !other_primary_exists(&all, &account_id);
            if !dormant || last_primary {
                continue;
            }
            state.db.tenant_tx(&scope, |tx| {
                store::set_memberships_disabled(tx, &account_id, Some(now))?;
                audit::record(tx, &ctx, Event::new(Action::MemberDisabled, "account", Some(&account_id)).detail("reason", "dormant"))?;
                for id in store::end_sessions_of(tx, &account_id, None, Some(&tenant.id), now, "account_disabled")? {
                    audit::record(tx, &ctx, Event::new(Action::SessionEnded, "session", Some(&id)).detail("reason", "account_disabled"))?;
                }
                Ok(())
            })?;
            disabled += 1;
        }
    }
    Ok(disabled)
}
