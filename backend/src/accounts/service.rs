use uuid::Uuid;

use super::model::Account;
use super::store;
use crate::auth::password;
use crate::audit::{self, Action, AuditContext, Event};
use crate::crypto::{normalize_email, MasterKey};
use crate::db::Db;
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
