//! `/api/v1/calendar-feed` and `…/revoke` (the signed-in staff member's own feed) and the feed itself,
//! `/api/v1/public/{tenant}/calendar/{token}` (read by calendar apps, no session).

use actix_web::http::header;
use actix_web::{get, post, web, HttpRequest, HttpResponse};

use super::model::{FeedCreated, FeedStatus};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{public_in_tenant, staff};
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Whether the signed-in staff member has a calendar feed.
#[utoipa::path(get, path = "/api/v1/calendar-feed", operation_id = "calendar_feed_get", tag = "events", responses(
    (status = 200, body = FeedStatus),
    problems::Forbidden,
))]
#[get("")]
pub async fn get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let status = staff(state, p, Permission::EventsRead, service::status).await?;
    Ok(HttpResponse::Ok().json(status))
}

/// A new secret feed URL of the sessions the caller teaches, shown once; the old URL
/// stops working. Audited.
#[utoipa::path(post, path = "/api/v1/calendar-feed", operation_id = "calendar_feed_create", tag = "events", responses(
    (status = 201, body = FeedCreated),
    problems::Forbidden,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let created = staff(state, p, Permission::EventsRead, service::create).await?;
    Ok(HttpResponse::Created().json(created))
}

/// Ends the caller's feed: its URL answers 404 from now on. Audited.
#[utoipa::path(post, path = "/api/v1/calendar-feed/revoke", operation_id = "calendar_feed_revoke", tag = "events", responses(
    (status = 204),
    problems::Forbidden,
))]
#[post("/revoke")]
pub async fn revoke(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::EventsRead, service::revoke).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// An instructor's calendar feed (iCalendar): the sessions they teach, no participants.
/// The token is the secret of the URL; unknown or revoked: 404.
#[utoipa::path(get, path = "/api/v1/public/{tenant}/calendar/{token}", operation_id = "public_calendar_feed", tag = "booking", params(("tenant" = String, Path), ("token" = String, Path)), responses(
    (status = 200, content_type = "text/calendar", body = String),
    problems::NotFound,
    problems::TooManyRequests,
))]
#[get("/{tenant}/calendar/{token}")]
pub async fn feed(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (slug, token) = path.into_inner();
    let ics = public_in_tenant(&req, &state, slug, move |state, origin, tenant, scope| {
        service::feed(state, scope, tenant, &token, origin.at.naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("text/calendar; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .body(ics))
}
