//! `/api/v1/events` (staff) and the public event view `/api/v1/public/{tenant}/events/{id}`.

use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use super::model::{EventInput, EventView, PublicEvent, PublicEventList, PublicListQuery};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{public_in_tenant, staff};
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Events and courses the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/events", operation_id = "events_list", tag = "events", responses(
    (status = 200, body = [EventView]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::EventsRead, service::list).await?))
}

/// Creates a draft event or course.
#[utoipa::path(post, path = "/api/v1/events", operation_id = "events_create", tag = "events", request_body = EventInput, responses(
    (status = 201, body = EventView),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<EventInput>) -> Result<HttpResponse, ApiError> {
    let view = staff(state, p, Permission::EventsWrite, move |s, p, scope| service::create(s, p, scope, &body)).await?;
    Ok(HttpResponse::Created().json(view))
}

#[utoipa::path(get, path = "/api/v1/events/{id}", operation_id = "events_get", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, body = EventView),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}")]
pub async fn get(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::EventsRead, move |s, p, scope| service::get(s, p, scope, &id)).await?))
}

/// Changes an event; more seats let the waiting list move up.
#[utoipa::path(put, path = "/api/v1/events/{id}", operation_id = "events_update", tag = "events", params(("id" = String, Path)), request_body = EventInput, responses(
    (status = 200, body = EventView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<EventInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::EventsWrite, move |s, p, scope| service::update(s, p, scope, &id, &body)).await?))
}

/// Publishes a draft: its booking page opens (within the booking window).
#[utoipa::path(post, path = "/api/v1/events/{id}/publish", operation_id = "events_publish", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, body = EventView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/publish")]
pub async fn publish(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::EventsWrite, move |s, p, scope| service::publish(s, p, scope, &id)).await?))
}

#[derive(serde::Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LanguageQuery {
    /// Language of the default consent text: `de` (default) or `en`.
    pub language: Option<String>,
}

/// A published event's booking page (public).
#[utoipa::path(get, path = "/api/v1/public/{tenant}/events/{id}", operation_id = "public_event_get", tag = "booking", params(("tenant" = String, Path), ("id" = String, Path), LanguageQuery), responses(
    (status = 200, body = PublicEvent),
    problems::NotFound,
    problems::TooManyRequests,
))]
#[get("/{tenant}/events/{id}")]
pub async fn public_get(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<LanguageQuery>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let lang = crate::notify::templates::Language::from_code(q.language.as_deref().unwrap_or("de"))
        .unwrap_or(crate::notify::templates::Language::De);
    let view: PublicEvent = public_in_tenant(&req, &state, slug, move |state, origin, tenant, scope| {
        let consent = crate::bookings::service::consent_text(tenant, lang);
        service::public_view(state, scope, tenant, &id, consent, origin.at.naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The tenant's public event list (public; 404 unless the tenant turned it on): published
/// events that take bookings and have a free seat, by location and month. No personal data.
#[utoipa::path(get, path = "/api/v1/public/{tenant}/events", operation_id = "public_events_list", tag = "booking", params(("tenant" = String, Path), PublicListQuery), responses(
    (status = 200, body = PublicEventList),
    problems::NotFound,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[get("/{tenant}/events")]
pub async fn public_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    q: web::Query<PublicListQuery>,
) -> Result<HttpResponse, ApiError> {
    let q = q.into_inner();
    let events: PublicEventList = public_in_tenant(&req, &state, slug.into_inner(), move |state, origin, tenant, scope| {
        service::public_list(state, scope, tenant, &q, origin.at.naive_utc())
    })
    .await?;
    Ok(HttpResponse::Ok().json(events))
}
