//! `/api/v1/invitations`: invite (tenant admins), and the two public token endpoints
//! behind the link (preview, accept), rate limited per hashed address (TOM ACC-4).

use std::time::Duration;

use actix_web::http::StatusCode;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{AcceptInvitation, Accepted, InvitationPreview, InvitationView, NewInvitation, TokenRequest};
use super::service;
use crate::auth::policy::{authorize, Permission};
use crate::auth::routes::{public_call, rate_limited};
use crate::auth::service::{Origin, Principal};
use crate::http::{ApiError, Problem};
use crate::state::AppState;
use crate::AppError;

/// Invites a colleague; the mail with the link goes out through the outbox.
#[utoipa::path(post, path = "/api/v1/invitations", operation_id = "invitations_create", tag = "members", request_body = NewInvitation, responses(
    (status = 201, body = InvitationView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: web::Json<NewInvitation>) -> Result<HttpResponse, ApiError> {
    let view = web::block(move || -> Result<InvitationView, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersWrite)?;
        Ok(service::create(&state, &p, &grant.scope.ok_or_else(ApiError::not_found)?, &body)?)
    })
    .await??;
    Ok(HttpResponse::Created().json(view))
}

/// Open invitations with their mail's delivery status.
#[utoipa::path(get, path = "/api/v1/invitations", operation_id = "invitations_list", tag = "members", responses(
    (status = 200, body = [InvitationView]),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let list = web::block(move || -> Result<Vec<InvitationView>, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersRead)?;
        Ok(service::list(&state, &grant.scope.ok_or_else(ApiError::not_found)?, p.audit.at.naive_utc())?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(list))
}

/// Revokes an open invitation: its link stops working.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/revoke", operation_id = "invitations_revoke", tag = "members", params(("id" = String, Path)), responses(
    (status = 204),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/revoke")]
pub async fn revoke(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    web::block(move || -> Result<(), ApiError> {
        let grant = authorize(&state, &p, Permission::MembersWrite)?;
        Ok(service::revoke(&state, &p, &grant.scope.ok_or_else(ApiError::not_found)?, &id)?)
    })
    .await??;
    Ok(HttpResponse::NoContent().finish())
}

/// The public endpoints: a bad token answers 404 whatever the reason.
async fn public<T: Send + 'static>(req: &HttpRequest, state: &web::Data<AppState>, f: impl FnOnce(&AppState, &Origin) -> Result<T, AppError> + Send + 'static) -> Result<Result<T, Duration>, ApiError> {
    public_call(req, state, move |state, origin| {
        f(state, origin).map_err(|e| match e {
            AppError::Rule { code: "invitation_invalid", message } => ApiError::new(StatusCode::NOT_FOUND, "invitation_invalid", "Invitation not valid").detail(message),
            AppError::Rule { code: "invalid_credentials", .. } => ApiError::new(StatusCode::UNAUTHORIZED, "invalid_credentials", "The password is wrong"),
            other => other.into(),
        })
    })
    .await
}

/// Who invited whom into what, for the page behind the link (public).
#[utoipa::path(post, path = "/api/v1/invitations/preview", operation_id = "invitations_preview", tag = "members", request_body = TokenRequest, responses(
    (status = 200, body = InvitationPreview),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/preview")]
pub async fn preview(req: HttpRequest, state: web::Data<AppState>, body: web::Json<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    Ok(match public(&req, &state, move |state, origin| service::preview(state, &token, origin.at.naive_utc())).await? {
        Ok(preview) => HttpResponse::Ok().json(preview),
        Err(wait) => rate_limited(wait),
    })
}

/// Accepts an invitation with a new password (or the existing account's); then sign in (public).
#[utoipa::path(post, path = "/api/v1/invitations/accept", operation_id = "invitations_accept", tag = "members", request_body = AcceptInvitation, responses(
    (status = 200, body = Accepted),
    (status = 401, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
    (status = 429, body = Problem, content_type = "application/problem+json"),
))]
#[post("/accept")]
pub async fn accept(req: HttpRequest, state: web::Data<AppState>, body: web::Json<AcceptInvitation>) -> Result<HttpResponse, ApiError> {
    let AcceptInvitation { token, password } = body.into_inner();
    if password.len() > 1024 {
        return Err(AppError::Weak("must have at most 128 characters".into()).into());
    }
    Ok(match public(&req, &state, move |state, origin| service::accept(state, origin, &token, &password)).await? {
        Ok(email) => HttpResponse::Ok().json(Accepted { email }),
        Err(wait) => rate_limited(wait),
    })
}
