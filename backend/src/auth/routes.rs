//! `/api/v1/auth`: sign in, who am I, sign out.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Me;
use super::policy::Permission;
use super::principal::{self, session_cookie, RequestFacts, SignInStep};
use super::reset;
use super::service::{self, me, AuthError, Principal};
use crate::audit::{Action, Event, Outcome};
use crate::crypto::normalize_email;
use crate::http::call::{public, staff};
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::AppError;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 128)]
    pub password: String,
}

/// Sign in with email and password. Wrong email, wrong password and disabled account
/// get the same answer (TOM ACC-1, ACC-4).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Me, description = "Signed in; the session cookie is set"),
    problems::Unauthorized,
    problems::TooManyRequests,
))]
#[post("/login")]
pub async fn login(req: HttpRequest, state: web::Data<AppState>, body: Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    if !principal::origin_matches(&req, &state) {
        return Err(ApiError::new(ProblemCode::CsrfFailed));
    }
    let LoginRequest { email, password } = body.into_inner();
    if email.len() > 254 || password.len() > 1024 {
        return Err(ApiError::new(ProblemCode::InvalidField).detail("a field is too long"));
    }
    let shared = state.clone().into_inner();
    let facts = RequestFacts::of(&req)?;
    let (token, me) = web::block(move || -> Result<(String, Me), ApiError> {
        let state = shared;
        let origin = facts.origin(&state)?;
        let ip_key = origin.ip_key();
        let account_key = state.master.platform_keys().blind_index("accounts", "email", &normalize_email(&email));
        let limited = state.limits.per_ip.check(&ip_key).and_then(|()| state.limits.per_account.check(&account_key));
        if let Err(wait) = limited.and_then(|()| state.limits.ceiling()) {
            let ctx = crate::audit::AuditContext::system(origin.at);
            let ctx = crate::audit::AuditContext { request_id: Some(origin.request_id.clone()), ip: origin.ip.clone(), ..ctx };
            // Once per window, then counted: a flood of refusals must not queue on the write lock.
            let event = Event::new(Action::RateLimited, "endpoint", Some("auth.login")).outcome(Outcome::Denied);
            state.limits.refusals.record(&state.db, None, &ctx, event)?;
            return Err(ApiError::rate_limited(wait));
        }
        match service::sign_in(&state, &origin, &email, &password) {
            Ok((token, principal)) => Ok((token, me(&state, &principal)?)),
            Err(AuthError::App(e)) => Err(e.into()),
            Err(_) => Err(ApiError::new(ProblemCode::InvalidCredentials)),
        }
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}

/// The signed-in account, with a fresh CSRF token.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses(
    (status = 200, body = Me),
    problems::Unauthorized,
))]
#[get("/me")]
pub async fn whoami(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    let me = web::block(move || me(&state, &p)).await??;
    Ok(HttpResponse::Ok().json(me))
}

/// Signed out of a session begun at an OpenID provider that offers RP-initiated logout.
#[derive(Serialize, ToSchema)]
pub struct SignedOut {
    /// The provider's end-session URL: the browser goes there to end the provider's
    /// session too, and comes back to anwesend's start page (TOM ACC-7).
    pub provider_logout_url: String,
}

/// Ends this session (needs `X-CSRF-Token`). A session begun at an OpenID provider with
/// an `end_session_endpoint` answers 200 with the URL the browser goes to next.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses(
    (status = 200, body = SignedOut, description = "Signed out here; go on to the provider to end its session"),
    (status = 204, description = "Signed out; the cookie is removed"),
    problems::Unauthorized,
    problems::Forbidden,
))]
#[post("/logout")]
pub async fn logout(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    let shared = state.clone().into_inner();
    let provider_logout_url = web::block(move || -> Result<Option<String>, AppError> {
        service::end(&shared, &p, "sign_out", Action::SessionEnded)?;
        Ok(crate::sso::logout::end_session_url(&shared, &p))
    })
    .await??;
    Ok(match provider_logout_url {
        Some(url) => HttpResponse::Ok().cookie(principal::removal_cookie(&state)).json(SignedOut { provider_logout_url: url }),
        None => HttpResponse::NoContent().cookie(principal::removal_cookie(&state)).finish(),
    })
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    /// Browser and system, e.g. "Firefox on Linux".
    pub device: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: chrono::NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub last_seen_at: chrono::NaiveDateTime,
    /// The day key the client address was hashed under (the address itself is never kept).
    pub ip_key_id: Option<String>,
    pub current: bool,
    /// How the session began: `password`, `oidc` or `ldap`.
    pub sign_in_method: String,
    /// The provider's label, e.g. "Microsoft Entra ID".
    pub sign_in_provider: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SessionList {
    pub sessions: Vec<SessionView>,
}

#[derive(Serialize, ToSchema)]
pub struct Ended {
    /// How many sessions were ended.
    pub ended: usize,
}

/// The caller's active sessions (TOM ACC-8).
#[utoipa::path(get, path = "/api/v1/auth/sessions", operation_id = "sessions_list", tag = "auth", responses(
    (status = 200, body = SessionList),
    problems::Unauthorized,
))]
#[get("/sessions")]
pub async fn sessions(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let current = p.session_id.clone();
    let sessions = web::block(move || service::live_sessions(&state, &p)).await??;
    let list = SessionList {
        sessions: sessions
            .into_iter()
            .map(|s| SessionView {
                current: s.id == current,
                id: s.id,
                device: s.device,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                ip_key_id: s.ip_key_id,
                sign_in_method: s.sign_in_method,
                sign_in_provider: s.sign_in_provider,
            })
            .collect(),
    };
    Ok(HttpResponse::Ok().json(list))
}

/// Ends one of the caller's other sessions (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/sessions/{id}/end", operation_id = "sessions_end", tag = "auth", params(("id" = String, Path)), responses(
    (status = 200, body = Ended),
    problems::NotFound,
    problems::Unprocessable,
))]
#[post("/sessions/{id}/end")]
pub async fn end_session(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let ended = web::block(move || service::end_own_sessions(&state, &p, Some(&id))).await??;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

/// Ends all of the caller's sessions except this one (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/sessions/end-others", operation_id = "sessions_end_others", tag = "auth", responses(
    (status = 200, body = Ended),
))]
#[post("/sessions/end-others")]
pub async fn end_other_sessions(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let ended = web::block(move || service::end_own_sessions(&state, &p, None)).await??;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePassword {
    pub current_password: String,
    /// At least 12 characters.
    pub new_password: String,
}

/// Changes the password; every other session of the account ends (TOM ACC-5).
#[utoipa::path(post, path = "/api/v1/auth/password", operation_id = "password_change", tag = "auth", request_body = ChangePassword, responses(
    (status = 200, body = Ended, description = "Changed; `ended` other sessions"),
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/password")]
pub async fn change_password(state: web::Data<AppState>, p: Principal, body: Json<ChangePassword>) -> Result<HttpResponse, ApiError> {
    let ChangePassword { current_password, new_password } = body.into_inner();
    if current_password.len() > 1024 || new_password.len() > 1024 {
        return Err(ApiError::new(ProblemCode::InvalidField).detail("a field is too long"));
    }
    state.limits.per_account.admit(p.account_id.as_bytes())?;
    let ended = web::block(move || match service::change_password(&state, &p, &current_password, &new_password) {
        Ok(n) => Ok(n),
        Err(AuthError::App(e)) => Err(ApiError::from(e)),
        Err(_) => Err(ApiError::from(AppError::invalid("current_password", "is not correct"))),
    })
    .await??;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetRequest {
    #[schema(max_length = 254)]
    pub email: String,
    /// Language of the mail: `de` (default) or `en`.
    #[schema(max_length = 2)]
    pub language: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct PasswordResetRequested {}

/// "Forgot password?": mails a one-time link to set a new password if an account has the
/// address; the same answer either way (public; TOM ACC-4).
#[utoipa::path(post, path = "/api/v1/auth/password-reset", operation_id = "password_reset_request", tag = "auth", request_body = PasswordResetRequest, responses(
    (status = 202, body = PasswordResetRequested),
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/password-reset")]
pub async fn request_password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<PasswordResetRequest>,
) -> Result<HttpResponse, ApiError> {
    let PasswordResetRequest { email, language } = body.into_inner();
    let (job, origin) =
        public(&req, &state, move |state, origin| Ok((reset::admit(state, &email, language.as_deref())?, origin.clone()))).await?;
    // The lookup and the mail happen after the answer: known and unknown addresses get the
    // same answer at the same time.
    let state = state.into_inner();
    let work = web::block(move || reset::send_link(&state, &origin, &job));
    actix_web::rt::spawn(async move {
        match work.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(cause = %e, "password reset link not sent"),
            Err(_) => tracing::error!("password reset task failed"),
        }
    });
    Ok(HttpResponse::Accepted().json(PasswordResetRequested {}))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordResetCompletion {
    /// The token from the link's fragment.
    #[schema(max_length = 128)]
    pub token: String,
    /// At least 12 characters.
    #[schema(max_length = 128)]
    pub new_password: String,
    /// Language of the mail that confirms the change: `de` (default) or `en`.
    #[schema(max_length = 2)]
    pub language: Option<String>,
}

/// Sets a new password with a reset link (public): the link works once; every session of
/// the account ends (TOM ACC-5) and a mail tells the account.
#[utoipa::path(post, path = "/api/v1/auth/password-reset/complete", operation_id = "password_reset_complete", tag = "auth", request_body = PasswordResetCompletion, responses(
    (status = 200, body = Ended, description = "Set; `ended` sessions"),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/password-reset/complete")]
pub async fn complete_password_reset(
    req: HttpRequest,
    state: web::Data<AppState>,
    body: Json<PasswordResetCompletion>,
) -> Result<HttpResponse, ApiError> {
    let PasswordResetCompletion { token, new_password, language } = body.into_inner();
    if new_password.len() > 1024 {
        return Err(AppError::Weak("must have at most 128 characters".into()).into());
    }
    let ended =
        public(&req, &state, move |state, origin| reset::complete(state, origin, &token, &new_password, language.as_deref())).await?;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

/// A tenant admin ends every session of a member of the tenant (TOM ACC-8).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sessions/end-all", operation_id = "member_sessions_end_all", tag = "auth", params(("id" = String, Path)), responses(
    (status = 200, body = Ended),
    problems::Forbidden,
    problems::NotFound,
))]
#[post("/{id}/sessions/end-all")]
pub async fn end_member_sessions(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let ended =
        staff(state, p, Permission::MemberSessionsEnd, move |state, p, scope| service::end_member_sessions(state, p, scope, &id)).await?;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CodeRequest {
    /// A 6-digit code from the authenticator app, or a recovery code.
    #[schema(max_length = 32)]
    pub code: String,
}

fn invalid_code() -> ApiError {
    ApiError::new(ProblemCode::InvalidCode)
}

/// The second step of sign-in: a TOTP or recovery code (TOM ACC-6). On success the
/// session is replaced: new cookie, new CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/mfa", operation_id = "mfa_verify", tag = "auth", request_body = CodeRequest, responses(
    (status = 200, body = Me),
    problems::Unauthorized,
    problems::TooManyRequests,
))]
#[post("/mfa")]
pub async fn mfa(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignInStep(p): SignInStep,
    body: Json<CodeRequest>,
) -> Result<HttpResponse, ApiError> {
    if body.code.len() > 32 {
        return Err(invalid_code());
    }
    state.limits.second_factor.admit(p.account_id.as_bytes())?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (token, me) = web::block(move || -> Result<(String, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        match super::mfa::verify(&shared, &p, &origin, &body.code) {
            Ok((token, principal)) => Ok((token, me(&shared, &principal)?)),
            Err(AuthError::App(e)) => Err(e.into()),
            Err(_) => Err(invalid_code()),
        }
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}

#[derive(Serialize, ToSchema)]
pub struct QrCode {
    pub size: usize,
    /// `size` strings of `size` characters: `1` dark, `0` light.
    pub rows: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct TotpSetup {
    /// Base32, for typing into the app by hand.
    pub secret: String,
    pub otpauth_uri: String,
    pub qr: QrCode,
}

/// Starts TOTP enrolment: a new secret and its QR code (TOM ACC-6).
#[utoipa::path(post, path = "/api/v1/auth/totp/setup", operation_id = "totp_setup", tag = "auth", responses(
    (status = 200, body = TotpSetup),
    problems::Unauthorized,
))]
#[post("/totp/setup")]
pub async fn totp_setup(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    let setup = web::block(move || super::mfa::setup(&state, &p)).await??;
    Ok(HttpResponse::Ok().json(TotpSetup {
        secret: setup.secret,
        otpauth_uri: setup.otpauth_uri,
        qr: QrCode { size: setup.qr_rows.len(), rows: setup.qr_rows },
    }))
}

#[derive(Serialize, ToSchema)]
pub struct TotpEnabled {
    /// Shown once; each works once instead of a code.
    pub recovery_codes: Vec<String>,
    pub me: Me,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TotpConfirmation {
    /// A 6-digit code from the authenticator app.
    #[schema(max_length = 32)]
    pub code: String,
    /// The account's current password: a session alone cannot replace the second factor.
    #[schema(max_length = 128)]
    pub password: String,
}

/// Confirms enrolment with a current code and the password; returns new recovery codes
/// (the old ones stop working). A session that waited for enrolment is replaced by a full one.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", operation_id = "totp_confirm", tag = "auth", request_body = TotpConfirmation, responses(
    (status = 200, body = TotpEnabled),
    problems::Unauthorized,
    problems::Conflict,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/totp/confirm")]
pub async fn totp_confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    SignInStep(p): SignInStep,
    body: Json<TotpConfirmation>,
) -> Result<HttpResponse, ApiError> {
    if body.code.len() > 32 {
        return Err(AppError::invalid("code", "is too long").into());
    }
    if body.password.len() > 1024 {
        return Err(AppError::invalid("password", "is too long").into());
    }
    state.limits.second_factor.admit(p.account_id.as_bytes())?;
    // Password guesses count against the same budget as password changes.
    state.limits.per_account.admit(p.account_id.as_bytes())?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (codes, token, me) = web::block(move || -> Result<(Vec<String>, Option<String>, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        let (codes, replaced) = match super::mfa::confirm(&shared, &p, &origin, &body.code, &body.password) {
            Ok(done) => done,
            Err(AuthError::App(e)) => return Err(e.into()),
            Err(_) => return Err(ApiError::new(ProblemCode::InvalidCredentials)),
        };
        Ok(match replaced {
            Some((token, principal)) => (codes, Some(token), me(&shared, &principal)?),
            None => (codes, None, me(&shared, &p)?),
        })
    })
    .await??;
    let mut response = HttpResponse::Ok();
    if let Some(token) = token {
        response.cookie(session_cookie(&state, &token));
    }
    Ok(response.json(TotpEnabled { recovery_codes: codes, me }))
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordConfirmation {
    #[schema(max_length = 128)]
    pub password: String,
}

/// Turns TOTP off (password required); refused where the tenant requires it.
#[utoipa::path(post, path = "/api/v1/auth/totp/disable", operation_id = "totp_disable", tag = "auth", request_body = PasswordConfirmation, responses(
    (status = 204),
    problems::Unauthorized,
    problems::Conflict,
    problems::TooManyRequests,
))]
#[post("/totp/disable")]
pub async fn totp_disable(state: web::Data<AppState>, p: Principal, body: Json<PasswordConfirmation>) -> Result<HttpResponse, ApiError> {
    if body.password.len() > 1024 {
        return Err(AppError::invalid("password", "is too long").into());
    }
    state.limits.per_account.admit(p.account_id.as_bytes())?;
    web::block(move || match super::mfa::disable(&state, &p, &body.password) {
        Ok(()) => Ok(()),
        Err(AuthError::App(e)) => Err(ApiError::from(e)),
        Err(_) => Err(ApiError::new(ProblemCode::InvalidCredentials)),
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SwitchTenant {
    #[schema(max_length = 64)]
    pub tenant_id: String,
}

/// Moves the session to another of the account's tenants: new cookie, new CSRF token.
/// The UI then clears all its client-side state (TOM SEP-6).
#[utoipa::path(post, path = "/api/v1/auth/switch-tenant", operation_id = "tenant_switch", tag = "auth", request_body = SwitchTenant, responses(
    (status = 200, body = Me),
    problems::NotFound,
))]
#[post("/switch-tenant")]
pub async fn switch_tenant(
    req: HttpRequest,
    state: web::Data<AppState>,
    p: Principal,
    body: Json<SwitchTenant>,
) -> Result<HttpResponse, ApiError> {
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (token, me) = web::block(move || -> Result<(String, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        let (token, principal) = service::switch_tenant(&shared, &p, &origin, &body.tenant_id)?;
        Ok((token, me(&shared, &principal)?))
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}

/// A primary admin resets a member's second factors (TOTP, recovery codes, passkeys) when
/// they are lost; the member's sessions end and the member gets a mail (TOM ACC-6).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/factors/reset", operation_id = "member_factors_reset", tag = "auth", params(("id" = String, Path)), responses(
    (status = 204),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/factors/reset")]
pub async fn reset_member_factors(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::AdminRolesGrant, move |state, p, scope| super::mfa::reset_member_factors(state, p, scope, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}
