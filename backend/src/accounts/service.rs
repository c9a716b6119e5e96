use uuid::Uuid;

use super::model::Account;
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::model::{Membership, Role};
use crate::auth::password::{self, HashParams};
use crate::auth::store as auth_store;
use crate::crypto::{normalize_email, MasterKey};
use crate::db::{Db, TenantScope};
use crate::error::AppError;

pub fn validate_email(email: &str) -> Result<String, AppError> {
    let email = normalize_email(email);
    let valid = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid("email", "is not a valid email address"))
    }
}

/// A new account row for a validated email; the password is checked and hashed here.
pub fn new_account(
    master: &MasterKey,
    hash_params: HashParams,
    email: &str,
    pw: &str,
    at: chrono::DateTime<chrono::Utc>,
) -> Result<Account, AppError> {
    password::check_policy(pw, Some(email))?;
    Ok(Account { password_hash: password::hash(pw, hash_params)?, ..new_passwordless_account(master, email, at) })
}

/// Stands in the password column of accounts made by single sign-on: not a hash, so no
/// password ever verifies against it (TOM ACC-7).
pub const NO_PASSWORD: &str = "!sso";

/// A new account row for a validated email without a local password.
pub fn new_passwordless_account(master: &MasterKey, email: &str, at: chrono::DateTime<chrono::Utc>) -> Account {
    let keys = master.platform_keys();
    let id = Uuid::now_v7().to_string();
    let now = audit::chain::truncate_to_micros(at.naive_utc());
    Account {
        email_ciphertext: keys.encrypt("accounts", "email", &id, email),
        email_index: keys.blind_index("accounts", "email", email),
        id,
        password_hash: NO_PASSWORD.into(),
        is_platform_admin: false,
        disabled_at: None,
        created_at: now,
        updated_at: now,
        last_sign_in_at: None,
        totp_secret_ciphertext: None,
        totp_pending_ciphertext: None,
        totp_enabled_at: None,
        totp_last_step: None,
        factor_failures: 0,
        factor_locked_until: None,
    }
}

/// Creates a platform admin. Reachable only from the server's CLI (AUTHZ-3).
pub fn create_platform_admin(
    db: &Db,
    master: &MasterKey,
    hash_params: HashParams,
    ctx: &AuditContext,
    email: &str,
    pw: &str,
) -> Result<Account, AppError> {
    let email = validate_email(email)?;
    let account = Account { is_platform_admin: true, ..new_account(master, hash_params, &email, pw, ctx.at)? };
    db.platform_tx(|tx| {
        if store::find_by_email_index(tx, &account.email_index)?.is_some() {
            return Err(AppError::Conflict("an account with this email exists".into()));
        }
        store::insert(tx, &account)?;
        audit::record(tx, ctx, Event::new(Action::PlatformAdminCreated, "account", Some(&account.id)))?;
        Ok(())
    })?;
    Ok(account)
}

/// Gives `email` an admin role in the tenant in `scope` (creating the account with `pw`
/// if it does not exist): the operator's bootstrap of a tenant's primary admin (AUTHZ-3),
/// and partner admins, who act in several tenants. Later admins are granted by primary
/// admins in the web UI.
#[allow(clippy::too_many_arguments)] // one argument for each of the operator's command-line values
pub fn grant_by_operator(
    db: &Db,
    master: &MasterKey,
    hash_params: HashParams,
    ctx: &AuditContext,
    scope: &TenantScope,
    email: &str,
    pw: &str,
    role: Role,
) -> Result<Account, AppError> {
    let email = validate_email(email)?;
    let keys = master.platform_keys();
    let index = keys.blind_index("accounts", "email", &email);
    let existing = {
        let mut conn = db.conn()?;
        store::find_by_email_index(&mut conn, &index)?
    };
    let (account, is_new) = match existing {
        Some(account) => (account, false),
        None => (new_account(master, hash_params, &email, pw, ctx.at)?, true),
    };
    let membership = Membership {
        tenant_id: scope.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        account_id: account.id.clone(),
        role: role.as_str().to_owned(),
        is_primary: role == Role::TenantAdmin,
        company_id: None,
        created_at: audit::chain::truncate_to_micros(ctx.at.naive_utc()),
        course_id: None,
        disabled_at: None,
    };
    db.platform_tx(|tx| {
        if is_new {
            store::insert(tx, &account)?;
            audit::record(tx, ctx, Event::new(Action::AccountCreated, "account", Some(&account.id)))?;
        }
        let held = auth_store::memberships_of(tx, &account.id)?;
        if held.iter().any(|m| m.tenant_id == membership.tenant_id && m.role == membership.role) {
            return Err(AppError::Conflict(format!("this account already holds the role {} here", role.as_str())));
        }
        let mut tenant = tx.enter_tenant(scope)?;
        auth_store::insert_membership(&mut tenant, &membership)?;
        audit::record(
            &mut tenant,
            ctx,
            Event::new(Action::MembershipGranted, "membership", Some(&membership.id))
                .detail("account_id", account.id.as_str())
                .detail("role", role.as_str())
                .detail("primary", membership.is_primary),
        )?;
        Ok(())
    })?;
    Ok(account)
}
