//! `/api/v1/auth/passkeys`: register, list and remove passkeys; the passkey as second
//! factor; passwordless sign-in (TOM ACC-6).

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::Serialize;
use utoipa::ToSchema;

use super::model::{CeremonyAnswer, Challenge, PasskeyList, PasskeyRemoval, PasskeyView, RegistrationStart};
use super::service;
use crate::audit::{Action, AuditContext, Event, Outcome};
use crate::auth::model::Me;
use crate::auth::principal::{self, session_cookie, RequestFacts, SignInStep};
use crate::auth::service::{me, AuthError, Principal};
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::AppError;

/// Longer than any ceremony id the server hands out.
const CEREMONY_MAX: usize = 64;

fn check_lengths(ceremony: Option<&str>, password: Option<&str>) -> Result<(), ApiError> {
    if ceremony.is_some_and(|c| c.len() > CEREMONY_MAX) {
        return Err(AppError::invalid("ceremony", "is too long").into());
    }
    if password.is_some_and(|p| p.len() > 1024) {
        return Err(AppError::invalid("password", "is too long").into());
    }
    Ok(())
}

/// Wrong password and an answer the library refuses stay apart; everything else is the
/// service's own error.
fn answer(e: AuthError) -> ApiError {
    match e {
        AuthError::App(e) => e.into(),
        _ => ApiError::new(ProblemCode::InvalidCredentials),
    }
}

/// The caller's passkeys with their last use.
#[utoipa::path(get, path = "/api/v1/auth/passkeys", operation_id = "passkeys_list", tag = "auth", responses(
    (status = 200, body = PasskeyList),
    problems::Unauthorized,
))]
#[get("/passkeys")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let passkeys = web::block(move || service::list(&state, &p)).await??;
    Ok(HttpResponse::Ok().json(PasskeyList { passkeys }))
}

/// Starts adding a passkey (needs the password); answers the options for
/// `navigator.credentials.create()`. Also open to a session that must enrol a factor.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/start", operation_id = "passkey_register_start", tag = "auth", request_body = RegistrationStart, responses(
    (status = 200, body = Challenge),
    problems::Unauthorized,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/passkeys/register/start")]
pub async fn register_start(
    state: web::Data<AppState>,
    SignInStep(p): SignInStep,
    body: Json<RegistrationStart>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(None, Some(body.password.as_str()))?;
    // Password guesses count against the same budget as password changes.
    state.limits.per_account.admit(p.account_id.as_bytes())?;
    let challenge = web::block(move || service::start_registration(&state, &p, &body.name, &body.password).map_err(answer)).await??;
    Ok(HttpResponse::Ok().json(challenge))
}

#[derive(Serialize, ToSchema)]
pub struct PasskeyAdded {
    pub passkey: PasskeyView,
    pub me: Me,
}

/// Finishes adding a passkey with the browser's answer. A session that waited for
/// enrolment is replaced (new cookie).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/register/finish", operation_id = "passkey_register_finish", tag = "auth", request_body = CeremonyAnswer, responses(
    (status = 200, body = PasskeyAdded),
    problems::Unauthorized,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/passkeys/register/finish")]
pub async fn register_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignInStep(p): SignInStep,
    body: Json<CeremonyAnswer>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(Some(body.ceremony.as_str()), None)?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (token, added) = web::block(move || -> Result<(Option<String>, PasskeyAdded), ApiError> {
        let origin = facts.origin(&shared)?;
        let CeremonyAnswer { ceremony, credential } = body.into_inner();
        let (passkey, replaced) = service::finish_registration(&shared, &p, &origin, &ceremony, credential)?;
        Ok(match replaced {
            Some((token, principal)) => (Some(token), PasskeyAdded { passkey, me: me(&shared, &principal)? }),
            None => (None, PasskeyAdded { passkey, me: me(&shared, &p)? }),
        })
    })
    .await??;
    let mut response = HttpResponse::Ok();
    if let Some(token) = token {
        response.cookie(session_cookie(&state, &token));
    }
    Ok(response.json(added))
}

/// Removes one of the caller's passkeys (needs the password).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/{id}/remove", operation_id = "passkey_remove", tag = "auth", params(("id" = String, Path)), request_body = PasskeyRemoval, responses(
    (status = 204),
    problems::Unauthorized,
    problems::NotFound,
    problems::Conflict,
    problems::TooManyRequests,
))]
#[post("/passkeys/{id}/remove")]
pub async fn remove(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<PasskeyRemoval>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(None, Some(body.password.as_str()))?;
    state.limits.per_account.admit(p.account_id.as_bytes())?;
    web::block(move || service::remove(&state, &p, &id, &body.password).map_err(answer)).await??;
    Ok(HttpResponse::NoContent().finish())
}

/// Starts the second step of sign-in with a passkey: the options for
/// `navigator.credentials.get()`, limited to the account's passkeys.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/mfa/start", operation_id = "passkey_mfa_start", tag = "auth", responses(
    (status = 200, body = Challenge),
    problems::Unauthorized,
    problems::TooManyRequests,
))]
#[post("/passkeys/mfa/start")]
pub async fn mfa_start(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    state.limits.second_factor.admit(p.account_id.as_bytes())?;
    let challenge = web::block(move || service::start_second_factor(&state, &p)).await??;
    Ok(HttpResponse::Ok().json(challenge))
}

/// Finishes the second step with the browser's answer; on success the session is
/// replaced: new cookie, new CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/passkeys/mfa/finish", operation_id = "passkey_mfa_finish", tag = "auth", request_body = CeremonyAnswer, responses(
    (status = 200, body = Me),
    problems::Unauthorized,
    problems::TooManyRequests,
))]
#[post("/passkeys/mfa/finish")]
pub async fn mfa_finish(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignInStep(p): SignInStep,
    body: Json<CeremonyAnswer>,
) -> Result<HttpResponse, ApiError> {
    check_lengths(Some(body.ceremony.as_str()), None)?;
    state.limits.second_factor.admit(p.account_id.as_bytes())?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (token, me) = web::block(move || -> Result<(String, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        let CeremonyAnswer { ceremony, credential } = body.into_inner();
        let (token, principal) = service::finish_second_factor(&shared, &p, &origin, &ceremony, credential).map_err(answer)?;
        Ok((token, me(&shared, &principal)?))
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}

/// Sign-in without a session is limited like the password sign-in: per client network,
/// then by the ceiling of all unauthenticated work; the first refusal per window audited.
fn admit_sign_in(state: &AppState, origin: &crate::auth::service::Origin) -> Result<(), ApiError> {
    let limited = state.limits.per_ip.check(&origin.ip_key()).and_then(|()| state.limits.ceiling());
    if let Err(wait) = limited {
        let ctx = AuditContext { request_id: Some(origin.request_id.clone()), ip: origin.ip.clone(), ..AuditContext::system(origin.at) };
        let event = Event::new(Action::RateLimited, "endpoint", Some("auth.passkey_sign_in")).outcome(Outcome::Denied);
        state.limits.refusals.record(&state.db, None, &ctx, event)?;
        return Err(ApiError::rate_limited(wait));
    }
    Ok(())
}

/// Starts passwordless sign-in: the options for `navigator.credentials.get()` without
/// an account (the browser offers its discoverable passkeys for this site).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/sign-in/start", operation_id = "passkey_sign_in_start", tag = "auth", responses(
    (status = 200, body = Challenge),
    problems::Forbidden,
    problems::TooManyRequests,
))]
#[post("/passkeys/sign-in/start")]
pub async fn sign_in_start(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    if !principal::origin_matches(&req, &state) {
        return Err(ApiError::new(ProblemCode::CsrfFailed));
    }
    let facts = RequestFacts::of(&req)?;
    let challenge = web::block(move || -> Result<Challenge, ApiError> {
        let origin = facts.origin(&state)?;
        admit_sign_in(&state, &origin)?;
        Ok(service::start_sign_in(&state, &origin)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(challenge))
}

/// Finishes passwordless sign-in (user verification required; the tenant must allow it).
#[utoipa::path(post, path = "/api/v1/auth/passkeys/sign-in/finish", operation_id = "passkey_sign_in_finish", tag = "auth", request_body = CeremonyAnswer, responses(
    (status = 200, body = Me, description = "Signed in; the session cookie is set"),
    problems::Unauthorized,
    problems::Forbidden,
    problems::Conflict,
    problems::TooManyRequests,
))]
#[post("/passkeys/sign-in/finish")]
pub async fn sign_in_finish(req: HttpRequest, state: web::Data<AppState>, body: Json<CeremonyAnswer>) -> Result<HttpResponse, ApiError> {
    if !principal::origin_matches(&req, &state) {
        return Err(ApiError::new(ProblemCode::CsrfFailed));
    }
    check_lengths(Some(body.ceremony.as_str()), None)?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (token, me) = web::block(move || -> Result<(String, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        admit_sign_in(&shared, &origin)?;
        let CeremonyAnswer { ceremony, credential } = body.into_inner();
        let (token, principal) = service::finish_sign_in(&shared, &origin, &ceremony, credential).map_err(answer)?;
        Ok((token, me(&shared, &principal)?))
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}
