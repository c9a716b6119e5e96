//! Bookings: the public booking endpoint, and the organiser's lists, CSV, cancel, move,
//! participant search and the tenant's consent text.

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};

use super::import::{self, ImportPreview, ImportRequest, ImportResult};
use super::model::{
    BookingConfirmed, BookingRequested, BookingSettings, BookingSettingsChange, BookingView, ConfirmBooking, MoveBooking, NewBooking,
    ParticipantHit, SearchQuery,
};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{public_in_tenant, staff};
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Asks for a booking without an account (public). Every accepted request answers alike,
/// whoever the email belongs to (TOM PRIV-1): the mail to that address holds the link
/// that confirms the booking, or says why there is none.
#[utoipa::path(post, path = "/api/v1/public/{tenant}/events/{id}/bookings", operation_id = "public_booking_create", tag = "booking", params(("tenant" = String, Path), ("id" = String, Path)), request_body = NewBooking, responses(
    (status = 202, body = BookingRequested),
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/{tenant}/events/{id}/bookings")]
pub async fn book(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Json<NewBooking>,
) -> Result<HttpResponse, ApiError> {
    let (slug, id) = path.into_inner();
    let body = body.into_inner();
    let answer =
        public_in_tenant(&req, &state, slug, move |state, origin, _, scope| service::book(state, origin, scope, &id, &body)).await?;
    Ok(HttpResponse::Accepted().json(answer))
}

/// Confirms a booking with the token of the link mailed to its address (public, on the
/// tenant's page; single use).
#[utoipa::path(post, path = "/api/v1/public/{tenant}/bookings/confirm", operation_id = "public_booking_confirm", tag = "booking", params(("tenant" = String, Path)), request_body = ConfirmBooking, responses(
    (status = 200, body = BookingConfirmed),
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/{tenant}/bookings/confirm")]
pub async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: Json<ConfirmBooking>,
) -> Result<HttpResponse, ApiError> {
    let token = body.into_inner().token;
    let confirmed =
        public_in_tenant(&req, &state, slug.into_inner(), move |state, origin, _, scope| service::confirm(state, origin, scope, &token))
            .await?;
    Ok(HttpResponse::Ok().json(confirmed))
}

/// An event's bookings: confirmed, waiting list in order, cancelled; with mail status.
#[utoipa::path(get, path = "/api/v1/events/{id}/bookings", operation_id = "event_bookings_list", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, body = [BookingView]),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/bookings")]
pub async fn list(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::BookingsRead, move |s, p, scope| service::list_for_event(s, p, scope, &id)).await?))
}

/// The booking list as a CSV download (audited).
#[utoipa::path(get, path = "/api/v1/events/{id}/bookings.csv", operation_id = "event_bookings_csv", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, content_type = "text/csv", body = String),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/bookings.csv")]
pub async fn csv(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let id = id.into_inner();
    let name = format!(
        "attachment; filename=\"bookings-{}.csv\"",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    );
    let bytes = staff(state, p, Permission::BookingsRead, move |s, p, scope| service::csv_for_event(s, p, scope, &id)).await?;
    Ok(HttpResponse::Ok().content_type("text/csv; charset=utf-8").insert_header((header::CONTENT_DISPOSITION, name)).body(bytes))
}

/// Cancels a booking; the first on the waiting list moves up.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/cancel", operation_id = "bookings_cancel", tag = "events", params(("id" = String, Path)), responses(
    (status = 200, body = BookingView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/cancel")]
pub async fn cancel(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::BookingsWrite, move |s, p, scope| service::cancel_by_staff(s, p, scope, &id)).await?))
}

/// Moves a booking to another event.
#[utoipa::path(post, path = "/api/v1/bookings/{id}/move", operation_id = "bookings_move", tag = "events", params(("id" = String, Path)), request_body = MoveBooking, responses(
    (status = 200, body = BookingView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/move")]
pub async fn move_booking(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<MoveBooking>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        staff(state, p, Permission::BookingsWrite, move |s, p, scope| service::move_booking(s, p, scope, &id, &body.event_id)).await?,
    ))
}

/// Participants by whole email address or whole name words (blind indexes, TOM PSEUDO-1).
#[utoipa::path(get, path = "/api/v1/participants", operation_id = "participants_search", tag = "events", params(SearchQuery), responses(
    (status = 200, body = [ParticipantHit]),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[get("")]
pub async fn search(state: web::Data<AppState>, p: Principal, q: web::Query<SearchQuery>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(
        staff(state, p, Permission::ParticipantsRead, move |s, _, scope| service::search(s, scope, q.q.as_deref().unwrap_or_default()))
            .await?,
    ))
}

#[utoipa::path(get, path = "/api/v1/tenant/booking", operation_id = "booking_settings_get", tag = "events", responses(
    (status = 200, body = BookingSettings),
    problems::Forbidden,
))]
#[get("/booking")]
pub async fn settings(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::EventsRead, |s, _, scope| service::settings(s, scope)).await?))
}

/// Sets the consent text every booking page shows and the confirmation step.
#[utoipa::path(put, path = "/api/v1/tenant/booking", operation_id = "booking_settings_set", tag = "events", request_body = BookingSettingsChange, responses(
    (status = 200, body = BookingSettings),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[put("/booking")]
pub async fn set_settings(state: web::Data<AppState>, p: Principal, body: Json<BookingSettingsChange>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::BookingSettingsWrite, move |s, p, scope| service::set_settings(s, p, scope, &body)).await?))
}

/// Checks a CSV file for import into the event: the columns, the mapping used, each row
/// with its errors and what it would become. Writes nothing.
#[utoipa::path(post, path = "/api/v1/events/{id}/import/preview", operation_id = "event_import_preview", tag = "events", params(("id" = String, Path)), request_body = ImportRequest, responses(
    (status = 200, body = ImportPreview),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
pub async fn import_preview(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<ImportRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::EventsWrite, move |s, p, scope| import::preview(s, p, scope, &id, &body)).await?))
}

/// Imports a CSV file's rows as bookings (confirmed while seats are free, then the
/// waiting list). A row with an error stops the whole import unless `skip_invalid`;
/// mails only with `send_mails`. Audited with counts only.
#[utoipa::path(post, path = "/api/v1/events/{id}/import", operation_id = "event_import", tag = "events", params(("id" = String, Path)), request_body = ImportRequest, responses(
    (status = 200, body = ImportResult),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
pub async fn import_run(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<ImportRequest>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::EventsWrite, move |s, p, scope| import::import(s, p, scope, &id, &body)).await?))
}

/// The import's routes, with a body limit that takes the file (TOM PRIV-5).
pub fn import_routes(cfg: &mut web::ServiceConfig) {
    // Another method on these paths: 405 with `Allow`, as problem+json, like every route.
    cfg.service(
        web::resource("/{id}/import/preview")
            .app_data(crate::http::json_config(import::MAX_BODY_BYTES))
            .route(web::post().to(import_preview))
            .default_service(web::to(crate::http::routes::fallback)),
    )
    .service(
        web::resource("/{id}/import")
            .app_data(crate::http::json_config(import::MAX_BODY_BYTES))
            .route(web::post().to(import_run))
            .default_service(web::to(crate::http::routes::fallback)),
    );
}
