//! Sign-in, session validation and sign-out. Blocking: call from `web::block`.

use std::sync::OnceLock;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Duration, Utc};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use super::model::{Me, Membership, Role, Session, Stage, TenantMembership, TenantRef};
use super::password::{self, HashParams};
use super::policy::{decide, Permission};
use super::store;
use crate::accounts::model::Account;
use crate::accounts::store as accounts;
use crate::audit::IpHash;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::crypto::{hmac_hex, normalize_email, random_bytes};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

#[derive(Debug, thiserror::Error)]
pub enum AuthError {
    /// Wrong email or password, or a disabled account: one answer for all (TOM ACC-4).
    #[error("invalid credentials")]
    InvalidCredentials,
    #[error("not signed in")]
    Unauthenticated,
    #[error(transparent)]
    App(#[from] AppError),
}

/// Where a request comes from, as far as the audit trail may know it.
#[derive(Clone, Debug)]
pub struct Origin {
    pub at: DateTime<Utc>,
    pub request_id: String,
    pub ip: Option<IpHash>,
    pub device: String,
}

impl Origin {
    /// The rate-limit key of the client address: the keyed hash of its network (an IPv6
    /// /64 by default, `IpHash::network`), never the address.
    pub fn ip_key(&self) -> Vec<u8> {
        self.ip.as_ref().map(|i| i.network.clone()).unwrap_or_default()
    }
}

/// A signed-in staff member, rebuilt from the session on every request (TOM AUTHZ-2).
#[derive(Clone, Debug)]
pub struct Principal {
    pub account_id: String,
    pub session_id: String,
    pub is_platform_admin: bool,
    /// The tenant this session acts in; the only source of a request's tenant scope.
    pub tenant: Option<TenantScope>,
    /// Enabled memberships in that tenant.
    pub memberships: Vec<Membership>,
    /// Only `Full` sessions pass the `Principal` extractor (TOM ACC-6).
    pub stage: Stage,
    /// How the session began: a password or a provider (TOM ACC-7).
    pub method: SignInMethod,
    pub audit: AuditContext,
}

/// How a session began, kept for its lifetime (and the sessions it is replaced by).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SignInMethod {
    /// `password`, `passkey`, `oidc` or `ldap`.
    pub kind: String,
    /// The provider's label, e.g. "Microsoft Entra ID".
    pub provider: Option<String>,
    /// OpenID Connect: which provider session this one belongs to (TOM ACC-7).
    pub provider_session: Option<ProviderSession>,
}

/// The provider and keyed hashes of its `sid` and `sub`, for logout at the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ProviderSession {
    pub provider_id: String,
    pub sid_index: Option<Vec<u8>>,
    pub subject_index: Vec<u8>,
    /// SAML: the NameID and SessionIndex, encrypted with the tenant's data key.
    pub logout_ciphertext: Option<Vec<u8>>,
}

impl SignInMethod {
    pub fn password() -> Self {
        Self { kind: "password".into(), provider: None, provider_session: None }
    }

    /// A passkey alone (passwordless, TOM ACC-6).
    pub fn passkey() -> Self {
        Self { kind: "passkey".into(), provider: None, provider_session: None }
    }

    fn of(session: &Session) -> Self {
        let provider_session = match (&session.sso_provider_id, &session.sso_subject_index) {
            (Some(provider_id), Some(subject_index)) => Some(ProviderSession {
                provider_id: provider_id.clone(),
                sid_index: session.sso_sid_index.clone(),
                subject_index: subject_index.clone(),
                logout_ciphertext: session.sso_logout_ciphertext.clone(),
            }),
            _ => None,
        };
        Self { kind: session.sign_in_method.clone(), provider: session.sign_in_provider.clone(), provider_session }
    }
}

impl Principal {
    pub fn roles(&self) -> Vec<Role> {
        self.memberships.iter().filter_map(|m| Role::from_code(&m.role)).collect()
    }

    pub fn has_role(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }
}

/// A session's cookie token and its principal.
pub type NewSession = (String, Principal);

pub fn token_hash(token: &str) -> Vec<u8> {
    Sha256::digest(token.as_bytes()).to_vec()
}

/// An Argon2id hash of a random password, verified against when no account matches, so
/// unknown emails take as long as wrong passwords.
fn dummy_hash(params: HashParams) -> &'static str {
    static HASH: OnceLock<String> = OnceLock::new();
    HASH.get_or_init(|| password::hash(&URL_SAFE_NO_PAD.encode(random_bytes(24)), params).unwrap_or_default())
}

fn actor_for(account_id: &str, memberships: &[Membership], is_platform_admin: bool) -> Actor {
    let role = memberships
        .iter()
        .filter_map(|m| Role::from_code(&m.role))
        .min_by_key(|r| *r as u8)
        .map(|r| r.as_str().to_owned())
        .or_else(|| is_platform_admin.then(|| "platform_admin".to_owned()));
    Actor { kind: ActorKind::Account, id: Some(account_id.to_owned()), role }
}

/// What the roles an account holds in one tenant require at sign-in (TOM ACC-6).
#[derive(Clone, Copy, Debug, Default)]
pub struct Requirements {
    /// A second factor (TOTP or passkey).
    pub factor: bool,
    /// A passkey: the tenant accepts no TOTP from its admins.
    pub passkey: bool,
}

/// Platform admins always need a second factor; tenant admins where their tenant says so.
pub(crate) fn requirements(state: &AppState, is_platform_admin: bool, memberships: &[Membership]) -> Result<Requirements, AppError> {
    let admin = memberships.iter().any(|m| Role::from_code(&m.role).is_some_and(Role::is_admin));
    let tenant = match (admin, memberships.first()) {
        (true, Some(m)) => crate::tenants::store::find(&mut *state.db.conn()?, &m.tenant_id)?,
        _ => None,
    };
    let (factor, passkey) = tenant.map_or((false, false), |t| (t.mfa_required_for_admins, t.passkeys_required_for_admins));
    Ok(Requirements { factor: factor || passkey || is_platform_admin, passkey })
}

/// Whether the account has at least one passkey.
pub(crate) fn has_passkey(state: &AppState, account_id: &str) -> Result<bool, AppError> {
    Ok(crate::passkeys::store::count_of_account(&mut *state.db.conn()?, account_id)? > 0)
}

/// The stage a new session starts at in `tenant` (TOM ACC-6): accounts with a second
/// factor are asked for it; platform admins, and admins of a tenant that requires one,
/// must first set it up.
fn initial_stage(state: &AppState, account: &Account, memberships: &[Membership]) -> Result<Stage, AppError> {
    if account.mfa_enabled() || has_passkey(state, &account.id)? {
        return Ok(Stage::Mfa);
    }
    Ok(if requirements(state, account.is_platform_admin, memberships)?.factor { Stage::Enrol } else { Stage::Full })
}

/// The enabled memberships of an account in one tenant, or in its first tenant.
pub(crate) fn memberships_in(
    conn: &mut crate::db::DbConnection,
    account_id: &str,
    tenant_id: Option<&str>,
) -> Result<Vec<Membership>, AppError> {
    let all: Vec<Membership> = store::memberships_of(conn, account_id)?.into_iter().filter(|m| m.disabled_at.is_none()).collect();
    let tenant = tenant_id.map(str::to_owned).or_else(|| all.first().map(|m| m.tenant_id.clone()));
    Ok(all.into_iter().filter(|m| Some(&m.tenant_id) == tenant.as_ref()).collect())
}

pub(crate) fn context_of(origin: &Origin, account: &Account, memberships: &[Membership]) -> AuditContext {
    AuditContext {
        actor: actor_for(&account.id, memberships, account.is_platform_admin),
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

/// A new session row with a fresh 256-bit token (returned; only its hash is stored).
fn new_session(
    state: &AppState,
    origin: &Origin,
    account_id: &str,
    tenant_id: Option<String>,
    stage: Stage,
    method: &SignInMethod,
) -> (String, Session) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let session = Session {
        id: Uuid::now_v7().to_string(),
        token_hash: token_hash(&token),
        account_id: account_id.to_owned(),
        active_tenant_id: tenant_id,
        created_at: now,
        last_seen_at: now,
        expires_at: now + Duration::hours(i64::from(state.config.session.absolute_hours)),
        ended_at: None,
        end_reason: None,
        device: origin.device.clone(),
        ip_hash: origin.ip.as_ref().map(|i| i.hash.clone()),
        ip_key_id: origin.ip.as_ref().map(|i| i.key_id.clone()),
        stage: stage.code().to_owned(),
        sign_in_method: method.kind.clone(),
        sign_in_provider: method.provider.clone(),
        sso_provider_id: method.provider_session.as_ref().map(|s| s.provider_id.clone()),
        sso_sid_index: method.provider_session.as_ref().and_then(|s| s.sid_index.clone()),
        sso_subject_index: method.provider_session.as_ref().map(|s| s.subject_index.clone()),
        sso_logout_ciphertext: method.provider_session.as_ref().and_then(|s| s.logout_ciphertext.clone()),
    };
    (token, session)
}

/// Checks the password and opens a session. Returns the cookie token and the principal.
pub fn sign_in(state: &AppState, origin: &Origin, email: &str, pw: &str) -> Result<(String, Principal), AuthError> {
    let keys = state.master.platform_keys();
    let index = keys.blind_index("accounts", "email", &normalize_email(email));
    let account: Option<Account> = {
        let mut conn = state.db.conn()?;
        accounts::find_by_email_index(&mut conn, &index).map_err(AppError::from)?
    };
    let verified = match &account {
        Some(a) => password::verify(pw, &a.password_hash)?,
        None => {
            password::verify(pw, dummy_hash(state.config.auth.password_hash))?;
            false
        }
    };
    let account = match account {
        Some(a) if verified && a.disabled_at.is_none() => a,
        other => {
            let ctx = AuditContext {
                actor: Actor { kind: ActorKind::Account, id: other.as_ref().map(|a| a.id.clone()), role: None },
                at: origin.at,
                request_id: Some(origin.request_id.clone()),
                ip: origin.ip.clone(),
            };
            state.db.platform_tx(|tx| {
                let event = Event::new(Action::SignInFailed, "account", other.as_ref().map(|a| a.id.as_str())).outcome(Outcome::Failure);
                audit::record(tx, &ctx, event)?;
                Ok(())
            })?;
            return Err(AuthError::InvalidCredentials);
        }
    };
    let memberships = password_memberships(state, origin, &account)?;
    let stage = initial_stage(state, &account, &memberships)?;
    let tenant_id = memberships.first().map(|m| m.tenant_id.clone());
    Ok(open_session(state, origin, account, memberships, tenant_id, stage, true, SignInMethod::password(), |id| {
        Event::new(Action::SignInSucceeded, "session", Some(id)).detail("stage", stage.code())
    })?)
}

/// The memberships a password opens: those of the first tenant that does not require
/// single sign-on of this account (TOM ACC-7). Only tenants that do: `sso_required`.
fn password_memberships(state: &AppState, origin: &Origin, account: &Account) -> Result<Vec<Membership>, AuthError> {
    let all: Vec<Membership> = store::memberships_of(&mut *state.db.conn()?, &account.id)
        .map_err(AppError::from)?
        .into_iter()
        .filter(|m| m.disabled_at.is_none())
        .collect();
    let mut refused = None;
    for m in &all {
        if crate::sso::service::password_allowed(state, &m.tenant_id, &account.id)? {
            return Ok(all.iter().filter(|o| o.tenant_id == m.tenant_id).cloned().collect());
        }
        refused.get_or_insert(m.tenant_id.clone());
    }
    match refused {
        Some(tenant_id) if !account.is_platform_admin => {
            let ctx = context_of(origin, account, &[]);
            let scope = TenantScope::named_by_session(tenant_id);
            state.db.tx_in(Some(&scope), |tx| {
                let event = Event::new(Action::SignInFailed, "account", Some(&account.id))
                    .detail("reason", "sso_required")
                    .outcome(Outcome::Denied);
                audit::record(tx, &ctx, event)?;
                Ok(())
            })?;
            Err(AppError::rule(ProblemCode::SsoRequired, "this organisation signs its staff in through its identity provider").into())
        }
        _ => Ok(Vec::new()),
    }
}

/// Opens a session for an account a provider vouched for, in that provider's tenant
/// (TOM ACC-7). The second factor follows as after a password, unless the tenant's admin
/// accepts the provider's (`provider_mfa`).
pub fn sign_in_by_provider(
    state: &AppState,
    origin: &Origin,
    account_id: &str,
    tenant_id: &str,
    method: SignInMethod,
    provider_mfa: bool,
) -> Result<(String, Principal), AppError> {
    let (account, memberships) = {
        let mut conn = state.db.conn()?;
        let account = accounts::find(&mut conn, account_id)?.ok_or(AppError::NotFound)?;
        (account, memberships_in(&mut conn, account_id, Some(tenant_id))?)
    };
    if account.disabled_at.is_some() || memberships.is_empty() {
        return Err(AppError::rule(ProblemCode::SsoNotLinked, "the account may not sign in to this tenant"));
    }
    let stage = match initial_stage(state, &account, &memberships)? {
        Stage::Mfa | Stage::Enrol if provider_mfa => Stage::Full,
        other => other,
    };
    let kind = method.kind.clone();
    open_session(state, origin, account, memberships, Some(tenant_id.to_owned()), stage, true, method, |id| {
        Event::new(Action::SignInSucceeded, "session", Some(id)).detail("stage", stage.code()).detail("method", kind.as_str())
    })
}

/// Creates a session for `account` in `tenant_id` and records `event` (given the new
/// session's id) in that tenant's chain, in one transaction.
#[allow(clippy::too_many_arguments)]
pub(crate) fn open_session(
    state: &AppState,
    origin: &Origin,
    account: Account,
    memberships: Vec<Membership>,
    tenant_id: Option<String>,
    stage: Stage,
    is_sign_in: bool,
    method: SignInMethod,
    event: impl FnOnce(&str) -> Event,
) -> Result<(String, Principal), AppError> {
    let (token, session) = new_session(state, origin, &account.id, tenant_id.clone(), stage, &method);
    let ctx = context_of(origin, &account, &memberships);
    let tenant = tenant_id.map(TenantScope::named_by_session);
    state.db.platform_tx(|tx| {
        store::insert_session(tx, &session)?;
        if is_sign_in {
            accounts::set_last_sign_in(tx, &account.id, session.created_at)?;
        }
        if let Some(scope) = &tenant {
            tx.enter_tenant(scope)?;
        }
        audit::record(tx, &ctx, event(&session.id))?;
        Ok(())
    })?;
    let principal = Principal {
        account_id: account.id,
        session_id: session.id,
        is_platform_admin: account.is_platform_admin,
        tenant,
        memberships,
        stage,
        method,
        audit: ctx,
    };
    Ok((token, principal))
}

/// Rebuilds the principal from a session token, enforcing idle and absolute timeouts on
/// every request (TOM ACC-3). Memberships are read anew, so role changes apply at once.
pub fn authenticate(state: &AppState, origin: &Origin, token: &str) -> Result<Principal, AuthError> {
    let session = store::session_by_token_hash(&mut *state.db.conn()?, &token_hash(token)).map_err(AppError::from)?;
    rebuild(state, origin, session, true)
}

/// The same checks for a session that is already open, e.g. under a kiosk stream
/// (TOM ACC-3): a re-check is not activity, so it never extends the idle window.
pub fn recheck(state: &AppState, origin: &Origin, session_id: &str) -> Result<Principal, AuthError> {
    let session = store::session_by_id(&mut *state.db.conn()?, session_id).map_err(AppError::from)?;
    rebuild(state, origin, session, false)
}

fn rebuild(state: &AppState, origin: &Origin, session: Option<Session>, touch: bool) -> Result<Principal, AuthError> {
    let session = session.filter(|s| s.ended_at.is_none()).ok_or(AuthError::Unauthenticated)?;
    let mut conn = state.db.conn()?;
    let account = accounts::find(&mut conn, &session.account_id).map_err(AppError::from)?.ok_or(AuthError::Unauthenticated)?;
    let memberships = match &session.active_tenant_id {
        Some(tenant_id) => memberships_in(&mut conn, &account.id, Some(tenant_id))?,
        None => Vec::new(),
    };
    drop(conn);
    let principal = Principal {
        account_id: account.id.clone(),
        session_id: session.id.clone(),
        is_platform_admin: account.is_platform_admin,
        tenant: session.active_tenant_id.clone().map(TenantScope::named_by_session),
        audit: context_of(origin, &account, &memberships),
        stage: Stage::from_code(&session.stage),
        method: SignInMethod::of(&session),
        memberships,
    };
    let now = origin.at.naive_utc();
    let idle = Duration::minutes(i64::from(state.config.session.idle_minutes));
    let ended = if now >= session.expires_at {
        Some("absolute_timeout")
    } else if now >= session.last_seen_at + idle {
        Some("idle_timeout")
    } else if account.disabled_at.is_some() {
        Some("account_disabled")
    } else {
        None
    };
    if let Some(reason) = ended {
        end(state, &principal, reason, Action::SessionExpired)?;
        return Err(AuthError::Unauthenticated);
    }
    // One write a minute at most; the idle window is exact to that minute.
    if touch && now - session.last_seen_at >= Duration::minutes(1) {
        let mut conn = state.db.conn()?;
        store::touch_session(&mut conn, &session.id, now).map_err(AppError::from)?;
    }
    Ok(principal)
}

/// Replaces the principal's session by a new one with a new token, at `stage` in
/// `tenant_id`: every privilege change (second factor given, tenant switched) gets a
/// fresh token and CSRF token (TOM ACC-3). `event` is recorded in the new tenant's chain.
pub fn replace_session(
    state: &AppState,
    p: &Principal,
    origin: &Origin,
    tenant_id: Option<String>,
    stage: Stage,
    event: Event,
) -> Result<(String, Principal), AppError> {
    let (account, memberships) = {
        let mut conn = state.db.conn()?;
        let account = accounts::find(&mut conn, &p.account_id)?.ok_or(AppError::NotFound)?;
        let memberships = match &tenant_id {
            Some(id) => memberships_in(&mut conn, &account.id, Some(id))?,
            None => Vec::new(),
        };
        (account, memberships)
    };
    let now = p.audit.at.naive_utc();
    let reason = if p.tenant.as_ref().map(TenantScope::tenant_id) != tenant_id.as_deref() { "tenant_switched" } else { "replaced" };
    in_principal_chain(state, p, |tx| {
        store::end_session(tx, &p.session_id, now, reason)?;
        audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(&p.session_id)).detail("reason", reason))?;
        Ok(())
    })?;
    open_session(state, origin, account, memberships, tenant_id, stage, false, p.method.clone(), |id| event.detail("session_id", id))
}

/// Moves a signed-in account to another of its tenants (partner admins; TOM SEP-6).
/// A tenant the account holds no enabled membership in is not found.
pub fn switch_tenant(state: &AppState, p: &Principal, origin: &Origin, tenant_id: &str) -> Result<(String, Principal), AppError> {
    let (account, memberships) = {
        let mut conn = state.db.conn()?;
        let account = accounts::find(&mut conn, &p.account_id)?.ok_or(AppError::NotFound)?;
        (account, memberships_in(&mut conn, &p.account_id, Some(tenant_id))?)
    };
    if memberships.is_empty() {
        return Err(AppError::NotFound);
    }
    if p.method == SignInMethod::password() && !crate::sso::service::password_allowed(state, tenant_id, &p.account_id)? {
        return Err(AppError::rule(ProblemCode::SsoRequired, "this organisation signs its staff in through its identity provider"));
    }
    let stage = match initial_stage(state, &account, &memberships)? {
        // The second factor was given at sign-in; it holds for the whole session.
        Stage::Mfa => Stage::Full,
        other => other,
    };
    let event = Event::new(Action::TenantSwitched, "tenant", Some(tenant_id));
    replace_session(state, p, origin, Some(tenant_id.to_owned()), stage, event)
}

/// Ends the principal's session and records why.
pub fn end(state: &AppState, principal: &Principal, reason: &str, action: Action) -> Result<(), AppError> {
    let now = principal.audit.at.naive_utc();
    let record = |tx: &mut crate::db::Tx<'_>| {
        if store::end_session(tx, &principal.session_id, now, reason)? > 0 {
            audit::record(tx, &principal.audit, Event::new(action, "session", Some(&principal.session_id)).detail("reason", reason))?;
        }
        Ok(())
    };
    in_principal_chain(state, principal, record)
}

/// "Firefox on Linux" from a User-Agent header; the raw header is not kept.
pub fn device_summary(user_agent: &str) -> String {
    let browser = [("Edg/", "Edge"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"), ("Safari/", "Safari")]
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map_or("Browser", |(_, name)| name);
    let os = [("Android", "Android"), ("iPhone", "iOS"), ("iPad", "iOS"), ("Windows", "Windows"), ("Mac OS", "macOS"), ("Linux", "Linux")]
        .iter()
        .find(|(marker, _)| user_agent.contains(marker))
        .map_or("unknown system", |(_, name)| name);
    format!("{browser} on {os}")
}

/// Runs `f` in a transaction of the principal's chain (its tenant, or the platform).
pub(crate) fn in_principal_chain<T>(
    state: &AppState,
    p: &Principal,
    f: impl FnOnce(&mut crate::db::Tx<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    match &p.tenant {
        Some(scope) => state.db.platform_tx(|tx| {
            tx.enter_tenant(scope)?;
            f(tx)
        }),
        None => state.db.platform_tx(f),
    }
}

/// Ends the caller's sessions other than the current one, or only `only` if given
/// (TOM ACC-8). Another account's session id is simply not found.
pub fn end_own_sessions(state: &AppState, p: &Principal, only: Option<&str>) -> Result<usize, AppError> {
    let now = p.audit.at.naive_utc();
    in_principal_chain(state, p, |tx| {
        let ended = match only {
            Some(id) if id == p.session_id => return Err(AppError::invalid("session", "sign out to end the current session")),
            Some(id) => {
                let mine = store::live_sessions(tx, &p.account_id, now)?.iter().any(|s| s.id == id);
                if !mine || store::end_session(tx, id, now, "ended_by_user")? == 0 {
                    return Err(AppError::NotFound);
                }
                vec![id.to_owned()]
            }
            None => store::end_sessions_of(tx, &p.account_id, Some(&p.session_id), None, now, "ended_by_user")?,
        };
        for id in &ended {
            audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "ended_by_user"))?;
        }
        Ok(ended.len())
    })
}

/// Changes the caller's password and ends every other session of the account (TOM ACC-5).
pub fn change_password(state: &AppState, p: &Principal, current: &str, new: &str) -> Result<usize, AuthError> {
    let account = {
        let mut conn = state.db.conn()?;
        accounts::find(&mut conn, &p.account_id).map_err(AppError::from)?.ok_or(AuthError::Unauthenticated)?
    };
    if !password::verify(current, &account.password_hash)? {
        return Err(AuthError::InvalidCredentials);
    }
    let email =
        state.master.platform_keys().decrypt("accounts", "email", &account.id, &account.email_ciphertext).map_err(AppError::from)?;
    password::check_policy(new, Some(&email))?;
    if new == current {
        return Err(AppError::invalid("new_password", "must differ from the current password").into());
    }
    let hash = password::hash(new, state.config.auth.password_hash)?;
    let now = p.audit.at.naive_utc();
    Ok(in_principal_chain(state, p, |tx| {
        store::set_password_hash(tx, &p.account_id, &hash, now)?;
        audit::record(tx, &p.audit, Event::new(Action::PasswordChanged, "account", Some(&p.account_id)))?;
        let ended = store::end_sessions_of(tx, &p.account_id, Some(&p.session_id), None, now, "password_changed")?;
        for id in &ended {
            audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "password_changed"))?;
        }
        Ok(ended.len())
    })?)
}

/// A tenant admin ends every session of a member in their tenant (TOM ACC-8): sessions
/// acting in other tenants or on the platform stay. Accounts outside the caller's tenant
/// are not found; an admin's sessions need the right to grant admin roles (AUTHZ-3).
pub fn end_member_sessions(state: &AppState, p: &Principal, scope: &TenantScope, account_id: &str) -> Result<usize, AppError> {
    let now = p.audit.at.naive_utc();
    let held: Vec<Membership> =
        store::memberships_of(&mut *state.db.conn()?, account_id)?.into_iter().filter(|m| m.tenant_id == scope.tenant_id()).collect();
    if held.is_empty() {
        return Err(AppError::NotFound);
    }
    if held.iter().any(|m| Role::from_code(&m.role).is_some_and(Role::is_admin)) {
        super::policy::authorize(state, p, Permission::AdminRolesGrant)?;
    }
    state.db.platform_tx(|tx| {
        tx.enter_tenant(scope)?;
        let ended = store::end_sessions_of(tx, account_id, None, Some(scope.tenant_id()), now, "ended_by_admin")?;
        for id in &ended {
            audit::record(tx, &p.audit, Event::new(Action::SessionEnded, "session", Some(id)).detail("reason", "ended_by_admin"))?;
        }
        Ok(ended.len())
    })
}

/// The signed-in account as the UI needs it, with a fresh CSRF token.
pub fn me(state: &AppState, p: &Principal) -> Result<Me, AppError> {
    let mut conn = state.db.conn()?;
    let account = crate::accounts::store::find(&mut conn, &p.account_id)?
        .ok_or_else(|| AppError::rule(ProblemCode::Unauthenticated, "the account is gone"))?;
    let email = state.master.platform_keys().decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
    let mut tenants: Vec<TenantMembership> = Vec::new();
    for m in super::store::memberships_of(&mut conn, &p.account_id)?.into_iter().filter(|m| m.disabled_at.is_none()) {
        match tenants.iter_mut().find(|t| t.id == m.tenant_id) {
            Some(t) => t.roles.push(Role::from_stored(&m.role)?),
            None => {
                if let Some(t) = crate::tenants::store::find(&mut conn, &m.tenant_id)? {
                    tenants.push(TenantMembership {
                        id: t.id,
                        slug: t.slug,
                        name: t.name,
                        roles: vec![Role::from_stored(&m.role)?],
                        time_zone: t.time_zone,
                    });
                }
            }
        }
    }
    let tenant = p.tenant.as_ref().and_then(|scope| tenants.iter().find(|t| t.id == scope.tenant_id())).map(|t| TenantRef {
        id: t.id.clone(),
        slug: t.slug.clone(),
        name: t.name.clone(),
        time_zone: t.time_zone.clone(),
    });
    Ok(Me {
        account_id: p.account_id.clone(),
        email: email.to_string(),
        is_platform_admin: p.is_platform_admin,
        tenant,
        roles: p.roles().to_vec(),
        permissions: granted(p),
        stage: p.stage,
        mfa_enabled: account.mfa_enabled(),
        passkey_enabled: has_passkey(state, &account.id)?,
        passkey_required: requirements(state, p.is_platform_admin, &p.memberships)?.passkey,
        tenants,
        csrf_token: csrf_token(state, &p.session_id),
    })
}

/// Every permission `decide` grants the session; none before the second factor.
pub fn granted(p: &Principal) -> Vec<Permission> {
    if p.stage != Stage::Full {
        return Vec::new();
    }
    Permission::ALL.iter().copied().filter(|&permission| decide(p, permission).is_some()).collect()
}

/// The CSRF token of a session: derived, so nothing more to store (TOM TRANS-4).
pub fn csrf_token(state: &AppState, session_id: &str) -> String {
    hmac_hex(state.master.derive("csrf-token").as_ref(), session_id.as_bytes())
}

/// The caller's sessions that are still alive (TOM ACC-8).
pub fn live_sessions(state: &AppState, p: &Principal) -> Result<Vec<Session>, AppError> {
    let mut conn = state.db.conn()?;
    Ok(store::live_sessions(&mut conn, &p.account_id, p.audit.at.naive_utc())?)
}
