//! `/api/v1/invitations`: invite (tenant admins), and the two public token endpoints
//! behind the link (preview, accept), rate limited per hashed address (TOM ACC-4).

use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{AcceptInvitation, Accepted, InvitationPreview, InvitationView, NewInvitation, TokenRequest};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::public;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;
use crate::AppError;

/// Invites a colleague; the mail with the link goes out through the outbox.
#[utoipa::path(post, path = "/api/v1/invitations", operation_id = "invitations_create", tag = "members", request_body = NewInvitation, responses(
    (status = 201, body = InvitationView),
    problems::Forbidden,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<NewInvitation>) -> Result<HttpResponse, ApiError> {
    let view = staff(state, p, Permission::MembersWrite, move |state, p, scope| service::create(state, p, scope, &body)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Open invitations with their mail's delivery status.
#[utoipa::path(get, path = "/api/v1/invitations", operation_id = "invitations_list", tag = "members", responses(
    (status = 200, body = [InvitationView]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let list = staff(state, p, Permission::MembersRead, move |state, p, scope| service::list(state, scope, p.audit.at.naive_utc())).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Revokes an open invitation: its link stops working.
#[utoipa::path(post, path = "/api/v1/invitations/{id}/revoke", operation_id = "invitations_revoke", tag = "members", params(("id" = String, Path)), responses(
    (status = 204),
    problems::Forbidden,
    problems::NotFound,
))]
#[post("/{id}/revoke")]
pub async fn revoke(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::MembersWrite, move |state, p, scope| service::revoke(state, p, scope, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// Who invited whom into what, for the page behind the link (public).
#[utoipa::path(post, path = "/api/v1/invitations/preview", operation_id = "invitations_preview", tag = "members", request_body = TokenRequest, responses(
    (status = 200, body = InvitationPreview),
    problems::NotFound,
    problems::TooManyRequests,
))]
#[post("/preview")]
pub async fn preview(req: HttpRequest, state: web::Data<AppState>, body: Json<TokenRequest>) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let preview = public(&req, &state, move |state, origin| service::preview(state, &token, origin.at.naive_utc())).await?;
    Ok(HttpResponse::Ok().json(preview))
}

/// Accepts an invitation with a new password (or the existing account's); then sign in (public).
#[utoipa::path(post, path = "/api/v1/invitations/accept", operation_id = "invitations_accept", tag = "members", request_body = AcceptInvitation, responses(
    (status = 200, body = Accepted),
    problems::Unauthorized,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/accept")]
pub async fn accept(req: HttpRequest, state: web::Data<AppState>, body: Json<AcceptInvitation>) -> Result<HttpResponse, ApiError> {
    let AcceptInvitation { token, password } = body.into_inner();
    if password.len() > 1024 {
        return Err(AppError::Weak("must have at most 128 characters".into()).into());
    }
    let email = public(&req, &state, move |state, origin| service::accept(state, origin, &token, &password)).await?;
    Ok(HttpResponse::Ok().json(Accepted { email }))
}
