//! The second factor (TOM ACC-6): TOTP enrolment with recovery codes, and the check after
//! the password. Blocking: call from `web::block`.

use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::model::Stage;
use super::service::{has_passkey, in_principal_chain, replace_session, requirements, AuthError, NewSession, Origin, Principal};
use super::{password, store, totp};
use crate::accounts::model::Account;
use crate::accounts::store as accounts;
use crate::audit::{self, Action, Event, Outcome};
use crate::crypto::{constant_time_eq, hmac_hex, random_bytes};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

const ISSUER: &str = "anwesend";
const RECOVERY_CODES: usize = 10;
/// No 0/o, 1/l/i: codes are typed from paper.
const RECOVERY_ALPHABET: &[u8] = b"abcdefghjkmnpqrstuvwxyz23456789";

pub struct Enrolment {
    pub secret: String,
    pub otpauth_uri: String,
    pub qr_rows: Vec<String>,
}

fn account(state: &AppState, p: &Principal) -> Result<Account, AppError> {
    let mut conn = state.db.conn()?;
    accounts::find(&mut conn, &p.account_id)?.ok_or(AppError::NotFound)
}

fn secret_of(state: &AppState, account_id: &str, column: &str, ciphertext: &[u8]) -> Result<Vec<u8>, AppError> {
    let hex = state.master.platform_keys().decrypt("accounts", column, account_id, ciphertext)?;
    hex::decode(hex.as_bytes()).map_err(|_| AppError::Internal("stored TOTP secret is malformed".into()))
}

fn recovery_hash(state: &AppState, code: &str) -> Vec<u8> {
    let normalized: String = code.chars().filter(char::is_ascii_alphanumeric).collect::<String>().to_lowercase();
    hmac_hex(state.master.derive("recovery-code").as_ref(), normalized.as_bytes()).into_bytes()
}

fn new_recovery_code() -> String {
    let bytes = random_bytes(12);
    let chars: String = bytes.iter().map(|b| RECOVERY_ALPHABET[*b as usize % RECOVERY_ALPHABET.len()] as char).collect();
    format!("{}-{}-{}", &chars[0..4], &chars[4..8], &chars[8..12])
}

/// Starts enrolment: a new secret, kept encrypted until a code confirms it.
pub fn setup(state: &AppState, p: &Principal) -> Result<Enrolment, AppError> {
    if p.stage == Stage::Mfa {
        return Err(AppError::Forbidden);
    }
    let account = account(state, p)?;
    let keys = state.master.platform_keys();
    let email = keys.decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
    let secret = totp::new_secret();
    let ciphertext = keys.encrypt("accounts", "totp_pending", &account.id, &hex::encode(&secret));
    let mut conn = state.db.conn()?;
    store::set_totp_pending(&mut conn, &account.id, Some(&ciphertext))?;
    let uri = totp::otpauth_uri(&secret, ISSUER, &email);
    Ok(Enrolment { secret: totp::base32(&secret), qr_rows: totp::qr_rows(&uri), otpauth_uri: uri })
}

/// Confirms enrolment with a code from the app and the account's password (a session
/// alone must not replace the second factor); returns the recovery codes (shown once)
/// and, when the session was waiting for enrolment, its replacement.
pub fn confirm(
    state: &AppState,
    p: &Principal,
    origin: &Origin,
    code: &str,
    pw: &str,
) -> Result<(Vec<String>, Option<NewSession>), AuthError> {
    if p.stage == Stage::Mfa {
        return Err(AppError::Forbidden.into());
    }
    let account = account(state, p)?;
    if !password::verify(pw, &account.password_hash)? {
        return Err(AuthError::InvalidCredentials);
    }
    let pending =
        account.totp_pending_ciphertext.as_deref().ok_or_else(|| AppError::rule(ProblemCode::NoEnrolment, "start the setup first"))?;
    let secret = secret_of(state, &account.id, "totp_pending", pending)?;
    let Some(step) = totp::verify(&secret, code, origin.at.timestamp(), None) else {
        return Err(AppError::Invalid { field: "code", message: "is not the current code of the authenticator app".into() }.into());
    };
    let keys = state.master.platform_keys();
    let ciphertext = keys.encrypt("accounts", "totp_secret", &account.id, &hex::encode(&secret));
    let codes: Vec<String> = (0..RECOVERY_CODES).map(|_| new_recovery_code()).collect();
    let now = origin.at.naive_utc();
    in_principal_chain(state, p, |tx| {
        store::enable_totp(tx, &account.id, &ciphertext, now, step)?;
        store::replace_recovery_codes(
            tx,
            &account.id,
            &codes.iter().map(|c| (Uuid::now_v7().to_string(), recovery_hash(state, c))).collect::<Vec<_>>(),
            now,
        )?;
        audit::record(tx, &p.audit, Event::new(Action::TotpEnabled, "account", Some(&account.id)))?;
        Ok(())
    })?;
    // Where the tenant requires a passkey, the session waits for one even after TOTP.
    let replaced = if p.stage == Stage::Enrol && !requirements(state, p.is_platform_admin, &p.memberships)?.passkey {
        let event = Event::new(Action::MfaChallengePassed, "account", Some(&account.id)).detail("method", "enrolment");
        Some(replace_session(state, p, origin, p.tenant.as_ref().map(|t| t.tenant_id().to_owned()), Stage::Full, event)?)
    } else {
        None
    };
    Ok((codes, replaced))
}

/// Turns the second factor off, after the password; not where the tenant requires it.
pub fn disable(state: &AppState, p: &Principal, pw: &str) -> Result<(), AuthError> {
    let account = account(state, p)?;
    if !password::verify(pw, &account.password_hash)? {
        return Err(AuthError::InvalidCredentials);
    }
    if requirements(state, p.is_platform_admin, &p.memberships)?.factor && !has_passkey(state, &account.id)? {
        return Err(AppError::rule(ProblemCode::MfaRequiredByTenant, "a second factor is required for your role").into());
    }
    Ok(in_principal_chain(state, p, |tx| {
        store::disable_totp(tx, &account.id)?;
        audit::record(tx, &p.audit, Event::new(Action::TotpDisabled, "account", Some(&account.id)))?;
        Ok(())
    })?)
}

/// The check after the password: a current TOTP code or an unused recovery code. On
/// success the session is replaced by a full one with a new token.
pub fn verify(state: &AppState, p: &Principal, origin: &Origin, code: &str) -> Result<(String, Principal), AuthError> {
    if p.stage != Stage::Mfa {
        return Err(AppError::rule(ProblemCode::NoChallenge, "this session is not waiting for a second factor").into());
    }
    let account = account(state, p)?;
    let secret = match &account.totp_secret_ciphertext {
        Some(c) => secret_of(state, &account.id, "totp_secret", c)?,
        None => return Err(AuthError::InvalidCredentials),
    };
    let now = origin.at.naive_utc();
    if let Some(until) = account.factor_locked_until.filter(|until| *until > now) {
        return Err(AppError::RateLimited((until - now).to_std().unwrap_or_default()).into());
    }
    let code = code.trim();
    let method = if let Some(step) = totp::verify(&secret, code, origin.at.timestamp(), account.totp_last_step) {
        // The conditional update makes a code single-use even under concurrent requests.
        let mut conn = state.db.conn()?;
        (store::advance_totp_step(&mut conn, &account.id, step).map_err(AppError::from)? == 1).then_some("totp")
    } else {
        let hash = recovery_hash(state, code);
        let mut conn = state.db.conn()?;
        let unused = store::unused_recovery_codes(&mut conn, &account.id).map_err(AppError::from)?;
        let matching = unused.iter().filter(|(_, h)| constant_time_eq(h, &hash)).map(|(id, _)| id.clone()).next();
        match matching {
            Some(id) if store::use_recovery_code(&mut conn, &id, now).map_err(AppError::from)? == 1 => Some("recovery_code"),
            _ => None,
        }
    };
    let Some(method) = method else {
        return Err(match failed(state, p, &account, now)? {
            Some(wait) => AppError::RateLimited(wait).into(),
            None => AuthError::InvalidCredentials,
        });
    };
    store::reset_factor_failures(&mut *state.db.conn()?, &account.id).map_err(AppError::from)?;
    // A tenant that requires passkeys takes TOTP only until the account has one; recovery
    // codes keep working (the passkey may be lost).
    let mut stage = Stage::Full;
    if requirements(state, p.is_platform_admin, &p.memberships)?.passkey {
        let passkey = has_passkey(state, &account.id)?;
        if passkey && method == "totp" {
            return Err(AppError::rule(ProblemCode::PasskeyRequiredByTenant, "sign in with your passkey").into());
        }
        if !passkey {
            stage = Stage::Enrol;
        }
    }
    if method == "recovery_code" {
        in_principal_chain(state, p, |tx| {
            audit::record(tx, &p.audit, Event::new(Action::RecoveryCodeUsed, "account", Some(&account.id)))?;
            Ok(())
        })?;
    }
    let event = Event::new(Action::MfaChallengePassed, "account", Some(&account.id)).detail("method", method);
    Ok(replace_session(state, p, origin, p.tenant.as_ref().map(|t| t.tenant_id().to_owned()), stage, event)?)
}

/// Counts a wrong code; the last one allowed in a row locks the step for a while, audited
/// and mailed to the account, so its owner learns that someone has the password
/// (TOM ACC-6). Returns how long the step is now locked, if it is.
fn failed(state: &AppState, p: &Principal, account: &Account, now: NaiveDateTime) -> Result<Option<std::time::Duration>, AppError> {
    let config = &state.config.auth;
    let keys = state.master.platform_keys();
    in_principal_chain(state, p, |tx| {
        audit::record(tx, &p.audit, Event::new(Action::MfaChallengeFailed, "account", Some(&account.id)).outcome(Outcome::Failure))?;
        if store::count_factor_failure(tx, &account.id)? < i64::from(config.factor_lock_after_failures) {
            return Ok(None);
        }
        let lock = Duration::minutes(i64::from(config.factor_lock_minutes));
        store::lock_factor(tx, &account.id, now + lock)?;
        let event = Event::new(Action::MfaLocked, "account", Some(&account.id))
            .outcome(Outcome::Denied)
            .detail("minutes", config.factor_lock_minutes);
        audit::record(tx, &p.audit, event)?;
        let email = keys.decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
        let message = crate::notify::templates::second_factor_locked(&email, config.factor_lock_minutes);
        crate::notify::enqueue(tx, &keys, None, "second_factor_locked", &message, now)?;
        Ok(Some(lock.to_std().unwrap_or_default()))
    })
    .inspect(|locked| {
        if locked.is_some() {
            state.mail_wakeup.wake();
        }
    })
}

/// A primary admin resets a member's second factors (TOTP, recovery codes, passkeys) when
/// they are lost: the member's sessions end, the reset is audited in the tenant's chain and
/// mailed to the member. Not one's own, and not an account that also works elsewhere
/// (platform admin, other tenants), whose factors this tenant does not own.
pub fn reset_member_factors(state: &AppState, p: &Principal, scope: &crate::db::TenantScope, account_id: &str) -> Result<(), AppError> {
    if account_id == p.account_id {
        return Err(AppError::rule(ProblemCode::Conflict, "reset your own factors under \"Mein Konto\""));
    }
    let (target, held) = {
        let mut conn = state.db.conn()?;
        let target = accounts::find(&mut conn, account_id)?.ok_or(AppError::NotFound)?;
        (target, store::memberships_of(&mut conn, account_id)?)
    };
    if !held.iter().any(|m| m.tenant_id == scope.tenant_id()) {
        return Err(AppError::NotFound);
    }
    if target.is_platform_admin || held.iter().any(|m| m.tenant_id != scope.tenant_id()) {
        return Err(AppError::rule(ProblemCode::Conflict, "the account works outside this tenant: the operator resets it"));
    }
    let keys = state.master.platform_keys();
    let email = keys.decrypt("accounts", "email", &target.id, &target.email_ciphertext)?;
    let tenant_name = crate::tenants::store::find(&mut *state.db.conn()?, scope.tenant_id())?.map(|t| t.name).unwrap_or_default();
    let now = p.audit.at.naive_utc();
    state.db.platform_tx(|tx| {
        tx.enter_tenant(scope)?;
        store::disable_totp(tx, &target.id)?;
        let passkeys = crate::passkeys::store::delete_all_of(tx, &target.id)?;
        let ended = store::end_sessions_of(tx, &target.id, None, None, now, "factors_reset")?;
        let event = Event::new(Action::FactorsReset, "account", Some(&target.id))
            .detail("passkeys", passkeys)
            .detail("sessions_ended", ended.len());
        audit::record(tx, &p.audit, event)?;
        let message = crate::notify::templates::second_factor_reset(&email, &tenant_name);
        crate::notify::enqueue(tx, &keys, None, "second_factor_reset", &message, now)?;
        Ok(())
    })?;
    state.mail_wakeup.wake();
    Ok(())
}
