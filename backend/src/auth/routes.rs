//! `/api/v1/auth`: sign in, who am I, sign out.

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Stage;
use super::principal::{self, csrf_token, session_cookie, RequestFacts, SignInStep};
use super::service::{self, AuthError, Principal};
use crate::audit::{self, Action, Event, Outcome};
use crate::crypto::normalize_email;
use crate::http::{ApiError, Problem};
use crate::AppError;
use crate::state::AppState;
use crate::tenants;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    #[schema(max_length = 254)]
    pub email: String,
    #[schema(max_length = 128)]
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TenantRef {
    pub id: String,
    pub slug: String,
    pub name: String,
}

/// A tenant the account works in, with its roles there.
#[derive(Serialize, ToSchema)]
pub struct TenantMembership {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub roles: Vec<String>,
}

/// The signed-in account as the UI needs it.
#[derive(Serialize, ToSchema)]
pub struct Me {
    pub account_id: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub tenant: Option<TenantRef>,
    pub roles: Vec<String>,
    /// `mfa`: enter the second factor; `enrol`: set one up first; `full`: signed in.
    pub stage: Stage,
    pub mfa_enabled: bool,
    /// Every tenant the account can switch to (TOM SEP-6).
    pub tenants: Vec<TenantMembership>,
    /// Send as `X-CSRF-Token` with every state-changing request (TOM TRANS-4).
    pub csrf_token: String,
}

fn me(state: &AppState, p: &Principal) -> Result<Me, ApiError> {
    let mut conn = state.db.conn()?;
    let account = crate::accounts::store::find(&mut conn, &p.account_id).map_err(AppError::from)?.ok_or_else(principal::unauthenticated)?;
    let email = state.master.platform_keys().decrypt("accounts", "email", &account.id, &account.email_ciphertext).map_err(AppError::from)?;
    let mut tenants: Vec<TenantMembership> = Vec::new();
    for m in super::store::memberships_of(&mut conn, &p.account_id).map_err(AppError::from)?.into_iter().filter(|m| m.disabled_at.is_none()) {
        match tenants.iter_mut().find(|t| t.id == m.tenant_id) {
            Some(t) => t.roles.push(m.role),
            None => {
                if let Some(t) = tenants::store::find(&mut conn, &m.tenant_id).map_err(AppError::from)? {
                    tenants.push(TenantMembership { id: t.id, slug: t.slug, name: t.name, roles: vec![m.role] });
                }
            }
        }
    }
    let tenant = p.tenant.as_ref().and_then(|scope| tenants.iter().find(|t| t.id == scope.tenant_id())).map(|t| TenantRef {
        id: t.id.clone(),
        slug: t.slug.clone(),
        name: t.name.clone(),
    });
    Ok(Me {
        account_id: p.account_id.clone(),
        email: email.to_string(),
        is_platform_admin: p.is_platform_admin,
        tenant,
        roles: p.roles().iter().map(|r| r.code().to_owned()).collect(),
        stage: p.stage,
        mfa_enabled: account.mfa_enabled(),
        tenants,
        csrf_token: csrf_token(state, &p.session_id),
    })
}

/// A call without a session (public pages, token links): same-origin requests only,
/// limited per hashed client address (TOM ACC-4). `Ok(Err(wait))`: rate limited.
pub async fn public_call<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    f: impl FnOnce(&AppState, &service::Origin) -> Result<T, ApiError> + Send + 'static,
) -> Result<Result<T, std::time::Duration>, ApiError> {
    if !principal::origin_matches(req, state) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "The request did not come from this application"));
    }
    let facts = RequestFacts::of(req)?;
    let state = state.clone().into_inner();
    web::block(move || {
        let origin = facts.origin(&state)?;
        let ip_key = origin.ip.as_ref().map(|i| i.hash.clone()).unwrap_or_default();
        if let Err(wait) = state.limits.public_per_ip.check(&ip_key) {
            return Ok(Err(wait));
        }
        f(&state, &origin).map(Ok)
    })
    .await?
}

pub fn rate_limited(wait: std::time::Duration) -> HttpResponse {
    let seconds = wait.as_secs().max(1);
    let mut response = actix_web::ResponseError::error_response(
        &ApiError::new(StatusCode::TOO_MANY_REQUESTS, "rate_limited", "Too many attempts").detail(format!("try again in {seconds} s")),
    );
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&seconds.to_string()) {
        response.headers_mut().insert(actix_web::http::header::RETRY_AFTER, value);
    }
    response
}

/// Sign in with email and password. Wrong email, wrong password and disabled account
/// get the same answer (TOM ACC-1, ACC-4).
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest, responses(
    (status = 200, body = Me, description = "Signed in; the session cookie is set"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/login")]
pub async fn login(req: HttpRequest, state: web::Data<AppState>, body: web::Json<LoginRequest>) -> Result<HttpResponse, ApiError> {
    if !principal::origin_matches(&req, &state) {
        return Err(ApiError::new(StatusCode::FORBIDDEN, "csrf_failed", "The request did not come from this application"));
    }
    let LoginRequest { email, password } = body.into_inner();
    if email.len() > 254 || password.len() > 1024 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", "A field is too long"));
    }
    let shared = state.clone().into_inner();
    let facts = RequestFacts::of(&req)?;
    let result = web::block(move || -> Result<Result<(String, Me), std::time::Duration>, ApiError> {
        let state = shared;
        let origin = facts.origin(&state)?;
        let ip_key = origin.ip.as_ref().map(|i| i.hash.clone()).unwrap_or_default();
        let account_key = state.master.platform_keys().blind_index("accounts", "email", &normalize_email(&email));
        let limited = state.limits.per_ip.check(&ip_key).and_then(|()| state.limits.per_account.check(&account_key));
        if let Err(wait) = limited {
            let ctx = crate::audit::AuditContext::system(origin.at);
            let ctx = crate::audit::AuditContext { request_id: Some(origin.request_id.clone()), ip: origin.ip.clone(), ..ctx };
            state.db.platform_tx(|tx| {
                audit::record(tx, &ctx, Event::new(Action::RateLimited, "endpoint", Some("auth.login")).outcome(Outcome::Denied))?;
                Ok(())
            })?;
            return Ok(Err(wait));
        }
        match service::sign_in(&state, &origin, &email, &password) {
            Ok((token, principal)) => Ok(Ok((token, me(&state, &principal)?))),
            Err(AuthError::App(e)) => Err(e.into()),
            Err(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "Email or password is wrong")),
        }
    })
    .await??;
    match result {
        Ok((token, me)) => Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me)),
        Err(wait) => Ok(rate_limited(wait)),
    }
}

/// The signed-in account, with a fresh CSRF token.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/me")]
pub async fn whoami(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    let me = web::block(move || me(&state, &p)).await??;
    Ok(HttpResponse::Ok().json(me))
}

/// Ends this session (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses(
    (status = 204, description = "Signed out; the cookie is removed"),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[post("/logout")]
pub async fn logout(state: web::Data<AppState>, SignInStep(p): SignInStep) -> Result<HttpResponse, ApiError> {
    let shared = state.clone().into_inner();
    web::block(move || service::end(&shared, &p, "sign_out", Action::SessionEnded)).await??;
    Ok(HttpResponse::NoContent().cookie(principal::removal_cookie(&state)).finish())
}

#[derive(Serialize, ToSchema)]
pub struct SessionView {
    pub id: String,
    /// Browser and system, e.g. "Firefox on Linux".
    pub device: String,
    pub created_at: chrono::NaiveDateTime,
    pub last_seen_at: chrono::NaiveDateTime,
    /// The day key the client address was hashed under (the address itself is never kept).
    pub ip_key_id: Option<String>,
    pub current: bool,
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
    (status = 401, body = Problem, content_type = "application/problem+json"),
))]
#[get("/sessions")]
pub async fn sessions(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let list = web::block(move || -> Result<SessionList, ApiError> {
        let mut conn = state.db.conn()?;
        let sessions = super::store::live_sessions(&mut conn, &p.account_id, p.audit.at.naive_utc()).map_err(AppError::from)?;
        Ok(SessionList {
            sessions: sessions
                .into_iter()
                .map(|s| SessionView {
                    current: s.id == p.session_id,
                    id: s.id,
                    device: s.device,
                    created_at: s.created_at,
                    last_seen_at: s.last_seen_at,
                    ip_key_id: s.ip_key_id,
                })
                .collect(),
        })
    })
    .await??;
    Ok(HttpResponse::Ok().json(list))
}

/// Ends one of the caller's other sessions (needs `X-CSRF-Token`).
#[utoipa::path(post, path = "/api/v1/auth/sessions/{id}/end", operation_id = "sessions_end", tag = "auth", params(("id" = String, Path)), responses(
    (status = 200, body = Ended),
    (status = 404, body = Problem, content_type = "application/problem+json"),
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
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/password")]
pub async fn change_password(state: web::Data<AppState>, p: Principal, body: web::Json<ChangePassword>) -> Result<HttpResponse, ApiError> {
    let ChangePassword { current_password, new_password } = body.into_inner();
    if current_password.len() > 1024 || new_password.len() > 1024 {
        return Err(ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_field", "A field is too long"));
    }
    if let Err(wait) = state.limits.per_account.check(p.account_id.as_bytes()) {
        return Ok(rate_limited(wait));
    }
    let ended = web::block(move || match service::change_password(&state, &p, &current_password, &new_password) {
        Ok(n) => Ok(n),
        Err(AuthError::App(e)) => Err(ApiError::from(e)),
        Err(_) => Err(ApiError::from(AppError::invalid("current_password", "is not correct"))),
    })
    .await??;
    Ok(HttpResponse::Ok().json(Ended { ended }))
}

/// A tenant admin ends every session of a member of the tenant (TOM ACC-8).
#[utoipa::path(post, path = "/api/v1/accounts/{id}/sessions/end-all", operation_id = "member_sessions_end_all", tag = "auth", params(("id" = String, Path)), responses(
    (status = 200, body = Ended),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/sessions/end-all")]
pub async fn end_member_sessions(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let ended = web::block(move || -> Result<usize, ApiError> {
        let grant = crate::auth::policy::authorize(&state, &p, crate::auth::policy::Permission::MemberSessionsEnd)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        Ok(service::end_member_sessions(&state, &p, &scope, &id)?)
    })
    .await??;
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
    ApiError::new(StatusCode::UNAUTHORIZED, "invalid_code", "The code is wrong or was already used")
}

/// The second step of sign-in: a TOTP or recovery code (TOM ACC-6). On success the
/// session is replaced: new cookie, new CSRF token.
#[utoipa::path(post, path = "/api/v1/auth/mfa", operation_id = "mfa_verify", tag = "auth", request_body = CodeRequest, responses(
    (status = 200, body = Me),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/mfa")]
pub async fn mfa(req: HttpRequest, state: web::Data<AppState>, SignInStep(p): SignInStep, body: web::Json<CodeRequest>) -> Result<HttpResponse, ApiError> {
    if body.code.len() > 32 {
        return Err(invalid_code());
    }
    if let Err(wait) = state.limits.second_factor.check(p.account_id.as_bytes()) {
        return Ok(rate_limited(wait));
    }
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
    (status = 401, body = Problem, content_type = "application/problem+json"),
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

/// Confirms enrolment with a current code; returns the recovery codes. A session that
/// waited for enrolment is replaced by a full one.
#[utoipa::path(post, path = "/api/v1/auth/totp/confirm", operation_id = "totp_confirm", tag = "auth", request_body = CodeRequest, responses(
    (status = 200, body = TotpEnabled),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/totp/confirm")]
pub async fn totp_confirm(req: HttpRequest, state: web::Data<AppState>, SignInStep(p): SignInStep, body: web::Json<CodeRequest>) -> Result<HttpResponse, ApiError> {
    if body.code.len() > 32 {
        return Err(AppError::invalid("code", "is too long").into());
    }
    if let Err(wait) = state.limits.second_factor.check(p.account_id.as_bytes()) {
        return Ok(rate_limited(wait));
    }
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (codes, token, me) = web::block(move || -> Result<(Vec<String>, Option<String>, Me), ApiError> {
        let origin = facts.origin(&shared)?;
        let (codes, replaced) = super::mfa::confirm(&shared, &p, &origin, &body.code)?;
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
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/totp/disable")]
pub async fn totp_disable(state: web::Data<AppState>, p: Principal, body: web::Json<PasswordConfirmation>) -> Result<HttpResponse, ApiError> {
    if body.password.len() > 1024 {
        return Err(AppError::invalid("password", "is too long").into());
    }
    if let Err(wait) = state.limits.per_account.check(p.account_id.as_bytes()) {
        return Ok(rate_limited(wait));
    }
    web::block(move || match super::mfa::disable(&state, &p, &body.password) {
        Ok(()) => Ok(()),
        Err(AuthError::App(e)) => Err(ApiError::from(e)),
        Err(_) => Err(ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "The password is wrong")),
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
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/switch-tenant")]
pub async fn switch_tenant(req: HttpRequest, state: web::Data<AppState>, p: Principal, body: web::Json<SwitchTenant>) -> Result<HttpResponse, ApiError> {
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
