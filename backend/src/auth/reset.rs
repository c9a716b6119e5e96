//! "Passwort vergessen?" (issue 23, TOM ACC-4, ACC-5): a one-time link by mail to set a new
//! staff password. The request answers alike whether the address is known or not; the
//! lookup and the mail run after the answer. The link (256-bit token, only its SHA-256
//! stored) works once and for `LINK_MINUTES`; setting the password ends every session of
//! the account and tells the account by mail. Blocking: call from `web::block`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::Duration;
use uuid::Uuid;

use super::model::PasswordReset;
use super::password;
use super::service::{token_hash, Origin};
use super::store;
use crate::accounts::service::validate_email;
use crate::accounts::store as accounts;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::crypto::random_bytes;
use crate::db::TenantScope;
use crate::error::AppError;
use crate::notify::templates::{self, Language};
use crate::problem::ProblemCode;
use crate::state::AppState;

/// How long a reset link works.
pub const LINK_MINUTES: i64 = 30;

/// A reset request that passed the input checks and the per-email limit.
pub struct ResetJob {
    email: String,
    lang: Language,
}

fn language(code: Option<&str>) -> Result<Language, AppError> {
    Language::from_code(code.unwrap_or("de")).ok_or_else(|| AppError::invalid("language", "must be de or en"))
}

fn context(origin: &Origin, account_id: Option<&str>) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::Account, id: account_id.map(str::to_owned), role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

/// Checks a reset request and the per-email limit (keyed by the email's blind index, in
/// memory only). Nothing here depends on whether an account has the address.
pub fn admit(state: &AppState, email: &str, lang: Option<&str>) -> Result<ResetJob, AppError> {
    let email = validate_email(email)?;
    let lang = language(lang)?;
    let index = state.master.platform_keys().blind_index("accounts", "email", &email);
    state.limits.password_reset_per_email.admit(&index)?;
    Ok(ResetJob { email, lang })
}

/// Sends a reset link if an enabled account has the address; otherwise only audits the
/// request. Runs after the answer was sent (TOM ACC-4).
pub fn send_link(state: &AppState, origin: &Origin, job: &ResetJob) -> Result<(), AppError> {
    let keys = state.master.platform_keys();
    let index = keys.blind_index("accounts", "email", &job.email);
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let account = accounts::find_by_email_index(&mut *state.db.conn()?, &index)?.filter(|a| a.disabled_at.is_none());
    let Some(account) = account else {
        let event = Event::new(Action::PasswordResetRequested, "account", None).outcome(Outcome::Failure);
        return state.db.platform_tx(|tx| audit::record(tx, &context(origin, None), event).map(|_| ()));
    };
    let chain = chain_of(state, &account.id)?;
    if let Some(tenant) = sso_required(state, &account)? {
        // The same answer was sent already; the account learns by mail why no link comes.
        let link = format!("{}/#/login/{}", state.config.public_url.trim_end_matches('/'), tenant.slug);
        let message = templates::password_reset_sso_required(job.lang, &job.email, &tenant.name, &link);
        state.db.platform_tx(|tx| {
            crate::notify::enqueue(tx, &keys, None, "password_reset_sso_required", &message, now)?;
            if let Some(scope) = &chain {
                tx.enter_tenant(scope)?;
            }
            let event = Event::new(Action::PasswordResetRequested, "account", Some(&account.id))
                .outcome(Outcome::Denied)
                .detail("reason", "sso_required");
            audit::record(tx, &context(origin, Some(&account.id)), event)?;
            Ok(())
        })?;
        state.mail_wakeup.wake();
        return Ok(());
    }
    let token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let row = PasswordReset {
        id: Uuid::now_v7().to_string(),
        account_id: account.id.clone(),
        token_hash: token_hash(&token),
        created_at: now,
        expires_at: now + Duration::minutes(LINK_MINUTES),
        used_at: None,
    };
    // The token travels in the fragment, which browsers never send to a server.
    let link = format!("{}/#/reset-password?token={token}", state.config.public_url.trim_end_matches('/'));
    // The text of the tenant whose chain records the request, if it wrote one (issue 23).
    let custom = match &chain {
        Some(scope) => state.db.tenant_read(scope, |tx| {
            let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.map(|t| t.name).unwrap_or_default();
            let minutes = LINK_MINUTES.to_string();
            let values = [("tenant", tenant.as_str()), ("link", link.as_str()), ("minutes", minutes.as_str())];
            crate::notify::texts::custom(tx, crate::notify::texts::MailKind::PasswordReset, job.lang, &job.email, &values)
        })?,
        None => None,
    };
    let message = custom.unwrap_or_else(|| templates::password_reset(job.lang, &job.email, &link, LINK_MINUTES));
    state.db.platform_tx(|tx| {
        store::replace_password_reset(tx, &row)?;
        crate::notify::enqueue(tx, &keys, None, "password_reset", &message, now)?;
        if let Some(scope) = &chain {
            tx.enter_tenant(scope)?;
        }
        audit::record(tx, &context(origin, Some(&account.id)), Event::new(Action::PasswordResetRequested, "account", Some(&account.id)))?;
        Ok(())
    })?;
    state.mail_wakeup.wake();
    Ok(())
}

/// The audit chain of an account's own events without a session: the tenant of its first
/// enabled membership, as for its sign-ins, so the tenant's admins see them; the platform
/// chain for accounts without one.
fn chain_of(state: &AppState, account_id: &str) -> Result<Option<TenantScope>, AppError> {
    let memberships = store::memberships_of(&mut *state.db.conn()?, account_id)?;
    Ok(memberships.into_iter().find(|m| m.disabled_at.is_none()).map(|m| TenantScope::named_by_membership(m.tenant_id)))
}

/// The tenant that requires single sign-on of this account, where a local password opens
/// none of its memberships (TOM ACC-7): every enabled membership is in a tenant with "Nur
/// SSO" of which it is not the break-glass admin. `None`: the password is of use somewhere
/// (and always for platform admins and accounts without a membership).
fn sso_required(state: &AppState, account: &crate::accounts::model::Account) -> Result<Option<crate::tenants::model::Tenant>, AppError> {
    if account.is_platform_admin {
        return Ok(None);
    }
    let memberships = store::memberships_of(&mut *state.db.conn()?, &account.id)?;
    let mut first = None;
    for m in memberships.iter().filter(|m| m.disabled_at.is_none()) {
        if crate::sso::service::password_allowed(state, &m.tenant_id, &account.id)? {
            return Ok(None);
        }
        first.get_or_insert_with(|| m.tenant_id.clone());
    }
    match first {
        Some(tenant_id) => Ok(crate::tenants::store::find(&mut *state.db.conn()?, &tenant_id)?),
        None => Ok(None),
    }
}

fn link_invalid() -> AppError {
    AppError::rule(ProblemCode::LinkInvalid, "the link is invalid, used or expired")
}

/// Sets a new password with a reset link: the link must be unused and unexpired, and its
/// account enabled. Every session of the account ends (TOM ACC-5); the change is audited
/// and mailed to the account. Returns how many sessions were ended.
pub fn complete(state: &AppState, origin: &Origin, token: &str, new_password: &str, lang: Option<&str>) -> Result<usize, AppError> {
    let lang = language(lang)?;
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let refuse = |reason: &'static str, account_id: Option<&str>| -> Result<usize, AppError> {
        let chain = match account_id {
            Some(id) => chain_of(state, id)?,
            None => None,
        };
        let event = Event::new(Action::PasswordReset, "account", account_id).outcome(Outcome::Failure).detail("reason", reason);
        state.db.tx_in(chain.as_ref(), |tx| audit::record(tx, &context(origin, account_id), event).map(|_| ()))?;
        Err(link_invalid())
    };
    if token.is_empty() || token.len() > 128 {
        return refuse("malformed", None);
    }
    let (link, account) = {
        let mut conn = state.db.conn()?;
        let link = store::password_reset_by_token_hash(&mut conn, &token_hash(token))?;
        let account = match &link {
            Some(l) => accounts::find(&mut conn, &l.account_id)?,
            None => None,
        };
        (link, account)
    };
    let Some(link) = link else { return refuse("unknown", None) };
    if link.used_at.is_some() {
        return refuse("used", Some(&link.account_id));
    }
    if link.expires_at <= now {
        return refuse("expired", Some(&link.account_id));
    }
    let Some(account) = account.filter(|a| a.disabled_at.is_none()) else { return refuse("account_disabled", Some(&link.account_id)) };
    if sso_required(state, &account)?.is_some() {
        // The tenant switched to "Nur SSO" after the link was sent: no password to set.
        let chain = chain_of(state, &account.id)?;
        let event =
            Event::new(Action::PasswordReset, "account", Some(&account.id)).outcome(Outcome::Denied).detail("reason", "sso_required");
        state.db.tx_in(chain.as_ref(), |tx| audit::record(tx, &context(origin, Some(&account.id)), event).map(|_| ()))?;
        return Err(AppError::rule(ProblemCode::SsoRequired, "this organisation signs its staff in through its identity provider"));
    }
    let keys = state.master.platform_keys();
    let email = keys.decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
    // A weak password leaves the link usable: the person may try another one.
    password::check_policy(new_password, Some(&email))?;
    let hash = password::hash(new_password, state.config.auth.password_hash)?;
    let ctx = context(origin, Some(&account.id));
    let chain = chain_of(state, &account.id)?;
    let message = templates::password_changed(lang, &email);
    let ended = state.db.platform_tx(|tx| {
        if store::use_password_reset(tx, &link.id, now)? == 0 {
            return Err(link_invalid());
        }
        store::set_password_hash(tx, &account.id, &hash, now)?;
        let ended = store::end_sessions_of(tx, &account.id, None, None, now, "password_reset")?;
        crate::notify::enqueue(tx, &keys, None, "password_changed", &message, now)?;
        if let Some(scope) = &chain {
            tx.enter_tenant(scope)?;
        }
        audit::record(tx, &ctx, Event::new(Action::PasswordReset, "account", Some(&account.id)))?;
        for id in &ended {
            audit::record(tx, &ctx, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "password_reset"))?;
        }
        Ok(ended.len())
    })?;
    state.mail_wakeup.wake();
    Ok(ended)
}
