//! `/api/v1/public/{tenant}/magic-link…` (public) and `/api/v1/portal/*` (participant
//! sessions, `Authorization: Bearer`).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{
    LinkRequest, LinkRequested, MailPreference, NewRequest, ParticipantSession, PortalBooking, PortalMe, RedeemLink, RequestView,
    Unsubscribe,
};
use super::principal::Participant;
use super::service;
use crate::http::call::public_in_tenant;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;
use crate::AppError;

/// Sends a sign-in link to a known participant; answers alike for unknown emails (public).
#[utoipa::path(post, path = "/api/v1/public/{tenant}/magic-link", operation_id = "magic_link_request", tag = "participants", params(("tenant" = String, Path)), request_body = LinkRequest, responses(
    (status = 202, body = LinkRequested),
    problems::NotFound,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/{tenant}/magic-link")]
pub async fn request_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: Json<LinkRequest>,
) -> Result<HttpResponse, ApiError> {
    let body = body.into_inner();
    let (job, origin, tenant, scope) = public_in_tenant(&req, &state, slug.into_inner(), move |state, origin, tenant, scope| {
        Ok((service::admit_link_request(state, tenant, &body)?, origin.clone(), tenant.clone(), scope.clone()))
    })
    .await?;
    // The lookup and the mail happen after the answer: known and unknown emails get the
    // same answer at the same time (TOM ACC-4).
    let state = state.into_inner();
    let work = web::block(move || service::send_link(&state, &origin, &tenant, &scope, &job));
    actix_web::rt::spawn(async move {
        match work.await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => tracing::error!(cause = %e, "sign-in link not sent"),
            Err(_) => tracing::error!("sign-in link task failed"),
        }
    });
    Ok(HttpResponse::Accepted().json(LinkRequested {}))
}

/// Exchanges a sign-in link's token for a participant session (public).
#[utoipa::path(post, path = "/api/v1/public/{tenant}/magic-link/redeem", operation_id = "magic_link_redeem", tag = "participants", params(("tenant" = String, Path)), request_body = RedeemLink, responses(
    (status = 200, body = ParticipantSession),
    problems::NotFound,
    problems::TooManyRequests,
))]
#[post("/{tenant}/magic-link/redeem")]
pub async fn redeem(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: Json<RedeemLink>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let session =
        public_in_tenant(&req, &state, slug.into_inner(), move |state, origin, _, scope| service::redeem(state, origin, scope, &token))
            .await?;
    Ok(HttpResponse::Ok().json(session))
}

async fn run<T: Send + 'static>(
    state: web::Data<AppState>,
    p: Participant,
    f: impl FnOnce(&AppState, &Participant) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    Ok(web::block(move || f(&state, &p)).await??)
}

#[utoipa::path(get, path = "/api/v1/portal/me", operation_id = "portal_me", tag = "participants", responses(
    (status = 200, body = PortalMe),
    problems::Unauthorized,
))]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, service::me).await?))
}

#[utoipa::path(get, path = "/api/v1/portal/bookings", operation_id = "portal_bookings", tag = "participants", responses(
    (status = 200, body = [PortalBooking]),
    problems::Unauthorized,
))]
#[get("/bookings")]
pub async fn bookings(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, service::bookings).await?))
}

/// Cancels one of the participant's bookings.
#[utoipa::path(post, path = "/api/v1/portal/bookings/{id}/cancel", operation_id = "portal_booking_cancel", tag = "participants", params(("id" = String, Path)), responses(
    (status = 200, body = PortalBooking),
    problems::Unauthorized,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/bookings/{id}/cancel")]
pub async fn cancel(state: web::Data<AppState>, p: Participant, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, move |s, p| service::cancel(s, p, &id)).await?))
}

/// Everything stored about the participant, as a JSON download (TOM RIGHTS-1).
#[utoipa::path(get, path = "/api/v1/portal/export", operation_id = "portal_export", tag = "participants", responses(
    (status = 200, content_type = "application/json", body = Object),
    problems::Unauthorized,
))]
#[get("/export")]
pub async fn export(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    let data = run(state, p, service::export).await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"my-data.json\""))
        .content_type("application/json")
        .body(serde_json::to_string_pretty(&data).unwrap_or_default()))
}

/// A request about the participant's data (correction, erasure, …) for the tenant's queue.
#[utoipa::path(post, path = "/api/v1/portal/requests", operation_id = "portal_request_create", tag = "participants", request_body = NewRequest, responses(
    (status = 201, body = RequestView),
    problems::Unauthorized,
    problems::Unprocessable,
))]
#[post("/requests")]
pub async fn create_request(state: web::Data<AppState>, p: Participant, body: Json<NewRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(run(state, p, move |s, p| service::create_request(s, p, &body)).await?))
}

#[utoipa::path(get, path = "/api/v1/portal/requests", operation_id = "portal_requests", tag = "participants", responses(
    (status = 200, body = [RequestView]),
    problems::Unauthorized,
))]
#[get("/requests")]
pub async fn requests(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, service::requests).await?))
}

/// No more optional mails; the reason is recorded (TOM INPUT-6).
#[utoipa::path(post, path = "/api/v1/portal/unsubscribe", operation_id = "portal_unsubscribe", tag = "participants", request_body = Unsubscribe, responses(
    (status = 200, body = MailPreference),
    problems::Unauthorized,
    problems::Unprocessable,
))]
#[post("/unsubscribe")]
pub async fn unsubscribe(state: web::Data<AppState>, p: Participant, body: Json<Unsubscribe>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, move |s, p| service::set_opt_out(s, p, Some(&body))).await?))
}

#[utoipa::path(post, path = "/api/v1/portal/resubscribe", operation_id = "portal_resubscribe", tag = "participants", responses(
    (status = 200, body = MailPreference),
    problems::Unauthorized,
))]
#[post("/resubscribe")]
pub async fn resubscribe(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(run(state, p, |s, p| service::set_opt_out(s, p, None)).await?))
}

#[utoipa::path(post, path = "/api/v1/portal/logout", operation_id = "portal_logout", tag = "participants", responses(
    (status = 204),
    problems::Unauthorized,
))]
#[post("/logout")]
pub async fn logout(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    run(state, p, service::logout).await?;
    Ok(HttpResponse::NoContent().finish())
}
