//! The three ceremonies (register, second factor, passwordless sign-in), listing and
//! removal (TOM ACC-6). Blocking: call from `web::block`.

use chrono::{Duration, NaiveDateTime};
use serde::{Deserialize, Serialize};
use uuid::Uuid;
use webauthn_rs::prelude::{
    AuthenticationResult, DiscoverableAuthentication, Passkey, PasskeyAuthentication, PasskeyRegistration, PublicKeyCredential,
    RegisterPublicKeyCredential, Url, Webauthn, WebauthnBuilder, WebauthnError,
};

use super::model::{CeremonyKind, CeremonyRow, Challenge, PasskeyRow, PasskeyView};
use super::store;
use crate::accounts::model::Account;
use crate::accounts::store as accounts;
use crate::audit::{self, Action, AuditContext, Event, Outcome};
use crate::auth::model::Stage;
use crate::auth::password;
use crate::auth::service::{self as auth, in_principal_chain, replace_session, requirements, AuthError, NewSession, Origin, Principal};
use crate::crypto::{random_bytes, TenantKeys};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

/// How long a started ceremony may be finished (the browser's timeout is the same).
const CEREMONY_MINUTES: i64 = 5;
pub const NAME_MAX_CHARS: usize = 64;

/// The relying party: its id is the public host (no port), its origin the public origin.
fn webauthn(state: &AppState) -> Result<Webauthn, AppError> {
    let origin = Url::parse(state.config.public_origin()).map_err(|_| AppError::Config("public_url is not a URL".into()))?;
    let rp_id = origin.host_str().ok_or_else(|| AppError::Config("public_url has no host".into()))?.to_owned();
    WebauthnBuilder::new(&rp_id, &origin)
        .and_then(|b| b.rp_name("anwesend").timeout(std::time::Duration::from_secs(60 * CEREMONY_MINUTES as u64)).build())
        // A browser takes passkeys only for a host name: with an IP address in `public_url`
        // (or another address WebAuthn refuses) every ceremony is refused, never a 5xx.
        .map_err(|e| AppError::rule(ProblemCode::PasskeyRefused, format!("passkeys need public_url to name a host: {e}")))
}

fn keys(state: &AppState) -> TenantKeys {
    state.master.platform_keys()
}

/// What a registration ceremony keeps besides the library's state.
#[derive(Serialize, Deserialize)]
struct Registration {
    name: String,
    state: PasskeyRegistration,
}

fn refused() -> AuthError {
    AppError::rule(ProblemCode::PasskeyRefused, "the passkey was not accepted").into()
}

fn no_ceremony() -> AppError {
    AppError::rule(ProblemCode::NoChallenge, "start again: the ceremony is unknown, used or expired")
}

fn start_ceremony<T: Serialize>(
    state: &AppState,
    kind: CeremonyKind,
    p: Option<&Principal>,
    at: NaiveDateTime,
    ceremony_state: &T,
    options: serde_json::Value,
) -> Result<Challenge, AppError> {
    let id = base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, random_bytes(24));
    let json = serde_json::to_string(ceremony_state).map_err(|_| AppError::Internal("ceremony state not serialisable".into()))?;
    let row = CeremonyRow {
        state_ciphertext: keys(state).encrypt("webauthn_ceremonies", "state", &id, &json),
        id: id.clone(),
        kind: kind.code().to_owned(),
        account_id: p.map(|p| p.account_id.clone()),
        session_id: p.map(|p| p.session_id.clone()),
        created_at: at,
        expires_at: at + Duration::minutes(CEREMONY_MINUTES),
    };
    store::insert_ceremony(&mut *state.db.conn()?, &row)?;
    Ok(Challenge { ceremony: id, options })
}

/// Takes the ceremony once; it must be of `kind`, unexpired, and started by the same
/// session (or by none, for passwordless sign-in).
fn take_ceremony<T: for<'de> Deserialize<'de>>(
    state: &AppState,
    kind: CeremonyKind,
    p: Option<&Principal>,
    id: &str,
    now: NaiveDateTime,
) -> Result<T, AppError> {
    let row = store::take_ceremony(&mut *state.db.conn()?, id)?.ok_or_else(no_ceremony)?;
    let session_matches = row.session_id.as_deref() == p.map(|p| p.session_id.as_str());
    if row.kind != kind.code() || !session_matches || row.expires_at <= now {
        return Err(no_ceremony());
    }
    let json = keys(state).decrypt("webauthn_ceremonies", "state", &row.id, &row.state_ciphertext)?;
    serde_json::from_str(&json).map_err(|_| AppError::Internal("stored ceremony state is malformed".into()))
}

fn credential_of<T: for<'de> Deserialize<'de>>(credential: serde_json::Value) -> Result<T, AppError> {
    serde_json::from_value(credential).map_err(|_| AppError::invalid("credential", "is not a WebAuthn credential"))
}

fn passkey_of(row: &PasskeyRow) -> Result<Passkey, AppError> {
    serde_json::from_str(&row.credential).map_err(|_| AppError::Internal("stored passkey is malformed".into()))
}

fn account(state: &AppState, account_id: &str) -> Result<Account, AppError> {
    accounts::find(&mut *state.db.conn()?, account_id)?.ok_or(AppError::NotFound)
}

fn user_handle(account: &Account) -> Result<Uuid, AppError> {
    Uuid::parse_str(&account.id).map_err(|_| AppError::Internal("account id is not a UUID".into()))
}

/// The caller's passkeys, oldest first.
pub fn list(state: &AppState, p: &Principal) -> Result<Vec<PasskeyView>, AppError> {
    let rows = store::of_account(&mut *state.db.conn()?, &p.account_id)?;
    rows.into_iter()
        .map(|row| {
            let name = keys(state).decrypt("passkeys", "name", &row.id, &row.name_ciphertext)?;
            Ok(PasskeyView { id: row.id, name: name.to_string(), created_at: row.created_at, last_used_at: row.last_used_at })
        })
        .collect()
}

/// Starts registering a passkey, after the password: a session alone must not add a way
/// to sign in. Not while the session still waits for its second factor.
pub fn start_registration(state: &AppState, p: &Principal, name: &str, pw: &str) -> Result<Challenge, AuthError> {
    if p.stage == Stage::Mfa {
        return Err(AppError::Forbidden.into());
    }
    let name = name.trim();
    if name.is_empty() || name.chars().count() > NAME_MAX_CHARS || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", format!("1 to {NAME_MAX_CHARS} characters, no control characters")).into());
    }
    let account = account(state, &p.account_id)?;
    if !password::verify(pw, &account.password_hash)? {
        return Err(AuthError::InvalidCredentials);
    }
    let email = keys(state).decrypt("accounts", "email", &account.id, &account.email_ciphertext).map_err(AppError::from)?;
    let existing = store::of_account(&mut *state.db.conn()?, &account.id)
        .map_err(AppError::from)?
        .iter()
        .map(|row| passkey_of(row).map(|k| k.cred_id().clone()))
        .collect::<Result<Vec<_>, _>>()?;
    let (options, registration) = webauthn(state)?
        .start_passkey_registration(user_handle(&account)?, &email, &email, Some(existing))
        .map_err(|e| AppError::Internal(format!("WebAuthn registration start: {e}")))?;
    let mut options = serde_json::to_value(options.public_key).map_err(|_| AppError::Internal("options".into()))?;
    // Ask for a discoverable credential where the authenticator can keep one, so the same
    // passkey also signs in without a password; security keys without room still register.
    options["authenticatorSelection"]["residentKey"] = "preferred".into();
    let kept = Registration { name: name.to_owned(), state: registration };
    Ok(start_ceremony(state, CeremonyKind::Register, Some(p), p.audit.at.naive_utc(), &kept, options)?)
}

/// Finishes registration: the credential is stored and the addition audited in one
/// transaction. A session that waited for enrolment is replaced by a full one.
pub fn finish_registration(
    state: &AppState,
    p: &Principal,
    origin: &Origin,
    ceremony: &str,
    credential: serde_json::Value,
) -> Result<(PasskeyView, Option<NewSession>), AppError> {
    let now = origin.at.naive_utc();
    let kept: Registration = take_ceremony(state, CeremonyKind::Register, Some(p), ceremony, now)?;
    let credential: RegisterPublicKeyCredential = credential_of(credential)?;
    let passkey = webauthn(state)?
        .finish_passkey_registration(&credential, &kept.state)
        .map_err(|_| AppError::invalid("credential", "was not accepted: start again"))?;
    let row = PasskeyRow {
        id: Uuid::now_v7().to_string(),
        account_id: p.account_id.clone(),
        credential_id: passkey.cred_id().to_vec(),
        name_ciphertext: Vec::new(),
        credential: serde_json::to_string(&passkey).map_err(|_| AppError::Internal("passkey not serialisable".into()))?,
        sign_count: 0,
        created_at: audit::chain::truncate_to_micros(now),
        last_used_at: None,
    };
    let row = PasskeyRow { name_ciphertext: keys(state).encrypt("passkeys", "name", &row.id, &kept.name), ..row };
    in_principal_chain(state, p, |tx| {
        if store::by_credential_id(tx, &row.credential_id)?.is_some() {
            return Err(AppError::rule(ProblemCode::Conflict, "this passkey is registered already"));
        }
        store::insert(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::PasskeyAdded, "passkey", Some(&row.id)).detail("account_id", p.account_id.as_str()),
        )?;
        Ok(())
    })?;
    let replaced = if p.stage == Stage::Enrol {
        let event = Event::new(Action::MfaChallengePassed, "account", Some(&p.account_id)).detail("method", "passkey_enrolment");
        Some(replace_session(state, p, origin, p.tenant.as_ref().map(|t| t.tenant_id().to_owned()), Stage::Full, event)?)
    } else {
        None
    };
    let view = PasskeyView { id: row.id, name: kept.name, created_at: row.created_at, last_used_at: None };
    Ok((view, replaced))
}

/// Removes one of the caller's passkeys after the password; not the last factor where
/// the tenant requires one.
pub fn remove(state: &AppState, p: &Principal, id: &str, pw: &str) -> Result<(), AuthError> {
    let account = account(state, &p.account_id)?;
    if !password::verify(pw, &account.password_hash)? {
        return Err(AuthError::InvalidCredentials);
    }
    let left = store::of_account(&mut *state.db.conn()?, &account.id).map_err(AppError::from)?.iter().filter(|row| row.id != id).count();
    let required = requirements(state, p.is_platform_admin, &p.memberships)?;
    if left == 0 && required.passkey {
        return Err(AppError::rule(ProblemCode::PasskeyRequiredByTenant, "your role requires a passkey: add another first").into());
    }
    if left == 0 && required.factor && !account.mfa_enabled() {
        return Err(AppError::rule(ProblemCode::MfaRequiredByTenant, "a second factor is required for your role").into());
    }
    Ok(in_principal_chain(state, p, |tx| {
        if store::delete(tx, &account.id, id)? == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(tx, &p.audit, Event::new(Action::PasskeyRemoved, "passkey", Some(id)).detail("account_id", account.id.as_str()))?;
        Ok(())
    })?)
}

/// Starts the second step of sign-in with one of the account's passkeys.
pub fn start_second_factor(state: &AppState, p: &Principal) -> Result<Challenge, AppError> {
    if p.stage != Stage::Mfa {
        return Err(AppError::rule(ProblemCode::NoChallenge, "this session is not waiting for a second factor"));
    }
    let passkeys = store::of_account(&mut *state.db.conn()?, &p.account_id)?.iter().map(passkey_of).collect::<Result<Vec<_>, _>>()?;
    if passkeys.is_empty() {
        return Err(AppError::rule(ProblemCode::NoChallenge, "the account has no passkey"));
    }
    let (options, authentication) =
        webauthn(state)?.start_passkey_authentication(&passkeys).map_err(|e| AppError::Internal(format!("WebAuthn start: {e}")))?;
    let options = serde_json::to_value(options.public_key).map_err(|_| AppError::Internal("options".into()))?;
    start_ceremony(state, CeremonyKind::SecondFactor, Some(p), p.audit.at.naive_utc(), &authentication, options)
}

/// Finishes the second step: the passkey must be one of this account's. On success the
/// session is replaced by a full one with a new token.
pub fn finish_second_factor(
    state: &AppState,
    p: &Principal,
    origin: &Origin,
    ceremony: &str,
    credential: serde_json::Value,
) -> Result<NewSession, AuthError> {
    let now = origin.at.naive_utc();
    let authentication: PasskeyAuthentication = take_ceremony(state, CeremonyKind::SecondFactor, Some(p), ceremony, now)?;
    let credential: PublicKeyCredential = credential_of(credential)?;
    let row = store::by_credential_id(&mut *state.db.conn()?, credential.get_credential_id()).map_err(AppError::from)?;
    let Some(row) = row.filter(|row| row.account_id == p.account_id) else {
        return Err(failed(state, &p.tenant, &p.audit, Action::MfaChallengeFailed, &p.account_id)?);
    };
    let result = webauthn(state)?.finish_passkey_authentication(&credential, &authentication);
    used(state, &p.tenant, &p.audit, &row, result, now, Action::MfaChallengeFailed)?;
    let event =
        Event::new(Action::MfaChallengePassed, "account", Some(&p.account_id)).detail("method", "passkey").detail("passkey_id", row.id);
    Ok(replace_session(state, p, origin, p.tenant.as_ref().map(|t| t.tenant_id().to_owned()), Stage::Full, event)?)
}

/// Starts passwordless sign-in: no account is named, the browser offers the discoverable
/// credentials it has for this site.
pub fn start_sign_in(state: &AppState, origin: &Origin) -> Result<Challenge, AppError> {
    let (options, authentication) =
        webauthn(state)?.start_discoverable_authentication().map_err(|e| AppError::Internal(format!("WebAuthn start: {e}")))?;
    let options = serde_json::to_value(options.public_key).map_err(|_| AppError::Internal("options".into()))?;
    start_ceremony(state, CeremonyKind::SignIn, None, origin.at.naive_utc(), &authentication, options)
}

/// Finishes passwordless sign-in: the credential names its account (user handle), must be
/// registered to that account, verified by the user (PIN or biometrics: two factors in
/// one), and the account's tenant must allow it. Opens a full session.
pub fn finish_sign_in(state: &AppState, origin: &Origin, ceremony: &str, credential: serde_json::Value) -> Result<NewSession, AuthError> {
    let now = origin.at.naive_utc();
    let authentication: DiscoverableAuthentication = take_ceremony(state, CeremonyKind::SignIn, None, ceremony, now)?;
    let credential: PublicKeyCredential = credential_of(credential)?;
    let webauthn = webauthn(state)?;
    let anonymous = AuditContext { request_id: Some(origin.request_id.clone()), ip: origin.ip.clone(), ..AuditContext::system(origin.at) };
    let Ok((handle, credential_id)) = webauthn.identify_discoverable_authentication(&credential) else {
        return Err(failed(state, &None, &anonymous, Action::SignInFailed, "")?);
    };
    // Refusals go to the chain of the account the credential claims, where its admins look.
    let claimed = handle.to_string();
    let memberships = auth::memberships_in(&mut *state.db.conn()?, &claimed, None)?;
    let tenant_id = memberships.first().map(|m| m.tenant_id.clone());
    let scope = tenant_id.clone().map(TenantScope::named_by_session);
    let row = store::by_credential_id(&mut *state.db.conn()?, credential_id).map_err(AppError::from)?;
    let Some(row) = row.filter(|row| row.account_id == claimed) else {
        return Err(failed(state, &scope, &anonymous, Action::SignInFailed, &claimed)?);
    };
    let account = account(state, &row.account_id)?;
    let ctx = auth::context_of(origin, &account, &memberships);
    if account.disabled_at.is_some() {
        return Err(failed(state, &scope, &ctx, Action::SignInFailed, &account.id)?);
    }
    let allowed = match &tenant_id {
        Some(id) => {
            crate::tenants::store::find(&mut *state.db.conn()?, id).map_err(AppError::from)?.is_some_and(|t| t.passkey_sign_in_allowed)
        }
        None => false,
    };
    if !allowed {
        return Err(AppError::rule(ProblemCode::PasskeySignInOff, "sign in with your password; then use your passkey").into());
    }
    let passkey = passkey_of(&row)?;
    let result = webauthn.finish_discoverable_authentication_v2(&credential, authentication, &passkey);
    used(state, &scope, &ctx, &row, result, now, Action::SignInFailed)?;
    let passkey_id = row.id.clone();
    Ok(auth::open_session(state, origin, account, memberships, tenant_id, Stage::Full, true, auth::SignInMethod::passkey(), move |id| {
        Event::new(Action::SignInSucceeded, "session", Some(id))
            .detail("stage", Stage::Full.code())
            .detail("method", "passkey")
            .detail("passkey_id", passkey_id)
    })?)
}

/// Records a refused passkey in `scope`'s chain and answers the refusal.
fn failed(
    state: &AppState,
    scope: &Option<TenantScope>,
    ctx: &AuditContext,
    action: Action,
    account_id: &str,
) -> Result<AuthError, AppError> {
    state.db.platform_tx(|tx| {
        if let Some(scope) = scope {
            tx.enter_tenant(scope)?;
        }
        let target = (!account_id.is_empty()).then_some(account_id);
        audit::record(tx, ctx, Event::new(action, "account", target).outcome(Outcome::Failure).detail("method", "passkey"))?;
        Ok(())
    })?;
    Ok(refused())
}

/// Checks the verification's result: a signature counter that did not move forward means
/// the credential may have been copied, which is refused and audited as a clone warning
/// in the account's chain (its admins see it in the audit trail and, until the passkey
/// is removed, in the access review: `Member::passkey_clone_suspected_at`). Otherwise the new
/// counter and the time of use are stored.
fn used(
    state: &AppState,
    scope: &Option<TenantScope>,
    ctx: &AuditContext,
    row: &PasskeyRow,
    result: Result<AuthenticationResult, WebauthnError>,
    now: NaiveDateTime,
    failure: Action,
) -> Result<(), AuthError> {
    let result = match result {
        Ok(result) => result,
        Err(WebauthnError::CredentialPossibleCompromise) => {
            state.db.platform_tx(|tx| {
                if let Some(scope) = scope {
                    tx.enter_tenant(scope)?;
                }
                let event = Event::new(Action::PasskeyCloneSuspected, "passkey", Some(&row.id))
                    .outcome(Outcome::Denied)
                    .detail("account_id", row.account_id.as_str())
                    .detail("stored_counter", row.sign_count);
                audit::record(tx, ctx, event)?;
                Ok(())
            })?;
            return Err(refused());
        }
        Err(_) => return Err(failed(state, scope, ctx, failure, &row.account_id)?),
    };
    let mut passkey = passkey_of(row)?;
    passkey.update_credential(&result);
    let credential = serde_json::to_string(&passkey).map_err(|_| AppError::Internal("passkey not serialisable".into()))?;
    let updated = store::record_use(&mut *state.db.conn()?, &row.id, row.sign_count, &credential, i64::from(result.counter()), now)
        .map_err(AppError::from)?;
    if updated == 0 {
        // Another use of the same credential came in between: one of them is a copy.
        return Err(refused());
    }
    Ok(())
}
