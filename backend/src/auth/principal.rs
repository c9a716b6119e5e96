//! The `Principal` extractor: session cookie → verified session, plus the CSRF check on
//! every state-changing request (TOM ACC-3, TRANS-4, AUTHZ-2).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::dev::Payload;
use actix_web::http::Method;
use actix_web::{web, FromRequest, HttpRequest};
use futures_util::future::LocalBoxFuture;

use super::model::Stage;
use super::service::{self, AuthError, Origin, Principal};
use crate::crypto::constant_time_eq;
use crate::http::{ApiError, RequestContext};
use crate::problem::ProblemCode;
use crate::state::AppState;

/// `__Host-` cookies need HTTPS; a dev server on plain `http://localhost` uses the same
/// cookie without the prefix and the `Secure` flag. Prod never serves plain HTTP (SEP-4).
pub fn cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") {
        "__Host-anwesend_session"
    } else {
        "anwesend_session"
    }
}

/// HttpOnly (no script reads it), SameSite=Strict (staff never arrive signed-in from
/// another site; participants' magic links carry their token in the URL fragment), no
/// Max-Age (gone with the browser session; the server ends it anyway).
pub fn session_cookie(state: &AppState, token: &str) -> Cookie<'static> {
    Cookie::build(cookie_name(state), token.to_owned())
        .path("/")
        .http_only(true)
        .secure(state.config.public_url.starts_with("https://"))
        .same_site(SameSite::Strict)
        .finish()
}

pub fn removal_cookie(state: &AppState) -> Cookie<'static> {
    let mut cookie = session_cookie(state, "");
    cookie.make_removal();
    cookie
}

pub fn unauthenticated() -> ApiError {
    ApiError::new(ProblemCode::Unauthenticated)
}

fn csrf_failed() -> ApiError {
    ApiError::new(ProblemCode::CsrfFailed)
}

pub fn is_state_changing(method: &Method) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The browser's `Origin` must be this server's public origin.
pub fn origin_matches(req: &HttpRequest, state: &AppState) -> bool {
    req.headers().get("origin").and_then(|v| v.to_str().ok()).is_some_and(|o| o == state.config.public_origin())
}

/// What the session and the audit trail may know of a request, before the IP is hashed.
pub struct RequestFacts {
    ctx: RequestContext,
    device: String,
}

impl RequestFacts {
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let ctx = RequestContext::of(req)?;
        let user_agent = req.headers().get("user-agent").and_then(|v| v.to_str().ok()).unwrap_or_default();
        Ok(Self { ctx, device: service::device_summary(user_agent) })
    }

    /// Hashes the client IP (blocking: may create the day's key).
    pub fn origin(self, state: &AppState) -> Result<Origin, ApiError> {
        let ip = self.ctx.ip_hash(state)?;
        Ok(Origin { at: self.ctx.received_at, request_id: self.ctx.request_id, ip, device: self.device })
    }
}

/// A principal at any sign-in stage: for the endpoints that complete sign-in (second
/// factor, enrolment) and for `me` and `logout`.
pub struct SignInStep(pub Principal);

fn stage_incomplete(stage: Stage) -> ApiError {
    match stage {
        Stage::Enrol => ApiError::new(ProblemCode::MfaEnrolmentRequired),
        _ => ApiError::new(ProblemCode::MfaRequired),
    }
}

/// Session cookie → principal, with the CSRF check on state-changing requests.
async fn extract(req: HttpRequest) -> Result<Principal, ApiError> {
    let state = req.app_data::<web::Data<AppState>>().cloned().ok_or_else(unauthenticated)?;
    let token = req.cookie(cookie_name(&state)).map(|c| c.value().to_owned()).filter(|t| !t.is_empty());
    let Some(token) = token else { return Err(unauthenticated()) };
    let changing = is_state_changing(req.method());
    if changing && !origin_matches(&req, &state) {
        return Err(csrf_failed());
    }
    let sent_csrf = req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()).map(str::to_owned);
    let facts = RequestFacts::of(&req)?;
    let (method, path) = (req.method().clone(), req.path().to_owned());
    web::block(move || -> Result<Principal, ApiError> {
        let origin = facts.origin(&state)?;
        let principal = service::authenticate(&state, &origin, &token).map_err(|e| match e {
            AuthError::App(e) => ApiError::from(e),
            _ => unauthenticated(),
        })?;
        if changing {
            let expected = super::service::csrf_token(&state, &principal.session_id);
            if !sent_csrf.is_some_and(|sent| constant_time_eq(sent.as_bytes(), expected.as_bytes())) {
                return Err(csrf_failed());
            }
        }
        // An offboarding tenant is read-only for every staff request (TOM DEL-1, DEL-2).
        if let Some(scope) = principal.tenant.as_ref().filter(|_| crate::offboarding::guard::is_guarded(&method, &path)) {
            crate::offboarding::guard::check(&mut *state.db.conn()?, scope.tenant_id(), &method, &path)?;
        }
        Ok(principal)
    })
    .await?
}

impl FromRequest for Principal {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    /// Only sessions that completed sign-in (TOM ACC-6).
    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = extract(req).await?;
            if principal.stage != Stage::Full {
                return Err(stage_incomplete(principal.stage).into());
            }
            Ok(principal)
        })
    }
}

impl FromRequest for SignInStep {
    type Error = actix_web::Error;
    type Future = LocalBoxFuture<'static, Result<Self, Self::Error>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { Ok(SignInStep(extract(req).await?)) })
    }
}
