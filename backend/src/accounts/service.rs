use uuid::Uuid;

use super::model::Account;
use super::store;
use crate::auth::model::{Membership, Role};
use crate::auth::password;
use crate::auth::store as auth_store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::crypto::{normalize_email, MasterKey};
use crate::db::{Db, TenantScope};
use crate::error::AppError;

pub fn validate_email(email: &str) -> Result<String, AppError> {
    let email = normalize_email(email);
    let valid = email.len() <= 254
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.')
        })
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if valid {
        Ok(email)
    } else {
        Err(AppError::invalid("email", "is not a valid email address"))
    }
}

/// Creates a platform admin. Reachable only from the server's CLI (AUTHZ-3).
pub fn create_platform_admin(db: &Db, master: &MasterKey, ctx: &AuditContext, email: &str, pw: &str) -> Result<Account, AppError> {
    let email = validate_email(email)?;
    password::check_policy(pw)?;
    let keys = master.platform_keys();
    let id = Uuid::now_v7().to_string();
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let account = Account {
        email_ciphertext: keys.encrypt("accounts", "email", &id, &email),
        email_index: keys.blind_index("accounts", "email", &email),
        id,
        password_hash: password::hash(pw)?,
        is_platform_admin: true,
        disabled_at: None,
        created_at: now,
        updated_at: now,
        last_sign_in_at: None,
    };
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

/// Makes `email` a primary tenant admin of the tenant in `scope` (creating the account
/// with `pw` if it does not exist). The operator's bootstrap for a new tenant (AUTHZ-3);
/// later admins are granted by primary admins in the web UI.
pub fn create_tenant_admin(db: &Db, master: &MasterKey, ctx: &AuditContext, scope: &TenantScope, email: &str, pw: &str) -> Result<Account, AppError> {
    let email = validate_email(email)?;
    let keys = master.platform_keys();
    let index = keys.blind_index("accounts", "email", &email);
    let existing = {
        let mut conn = db.conn()?;
        store::find_by_email_index(&mut conn, &index)?
    };
    let (account, is_new) = match existing {
        Some(account) => (account, false),
        None => {
            password::check_policy(pw)?;
            let id = Uuid::now_v7().to_string();
            let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
            let account = Account {
                email_ciphertext: keys.encrypt("accounts", "email", &id, &email),
                email_index: index,
                id,
                password_hash: password::hash(pw)?,
                is_platform_admin: false,
                disabled_at: None,
                created_at: now,
                updated_at: now,
                last_sign_in_at: None,
            };
            (account, true)
        }
    };
    let membership = Membership {
        tenant_id: scope.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        account_id: account.id.clone(),
        role: Role::TenantAdmin.code().to_owned(),
        is_primary: true,
        company_id: None,
        created_at: audit::chain::truncate_to_micros(ctx.at.naive_utc()),
    };
    db.platform_tx(|tx| {
        if is_new {
            store::insert(tx, &account)?;
            audit::record(tx, ctx, Event::new(Action::AccountCreated, "account", Some(&account.id)))?;
        }
        let held = auth_store::memberships_of(tx, &account.id)?;
        if held.iter().any(|m| m.tenant_id == membership.tenant_id && m.role == membership.role) {
            return Err(AppError::Conflict("this account is already a tenant admin here".into()));
        }
        auth_store::insert_membership(tx, &membership)?;
        tx.enter_tenant(scope)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::MembershipGranted, "membership", Some(&membership.id)).detail("account_id", account.id.as_str()).detail("role", "tenant_admin").detail("primary", true),
        )?;
        Ok(())
    })?;
    Ok(account)
}
