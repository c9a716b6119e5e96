//! Absences: staff mark them per session, read rates and set the threshold per course;
//! participants report ahead in the portal.

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{AbsenceInput, AbsenceReport, AbsenceSettings, AbsenceView, EventAbsences, PortalAbsence};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::portal::principal::Participant;
use crate::state::AppState;

/// Marks a booked person's absence from the session: excused (reason `ill` or `other`, a
/// short note kept encrypted) or unexcused. Replaces what was recorded before.
#[utoipa::path(put, path = "/api/v1/event-sessions/{id}/absences", operation_id = "absence_set", tag = "attendance", params(("id" = String, Path)), request_body = AbsenceInput, responses(
    (status = 200, body = AbsenceView),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[put("/{id}/absences")]
pub async fn set(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<AbsenceInput>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::AttendanceWrite, move |s, p, scope| service::set(s, p, scope, &id, &body)).await?))
}

/// Absence rates per person over the course's ended sessions, and its threshold.
#[utoipa::path(get, path = "/api/v1/events/{id}/absences", operation_id = "event_absences", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, body = EventAbsences),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/absences")]
pub async fn of_event(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::of_event(s, p, scope, &id)).await?))
}

/// The course's absence threshold and whether its organiser is mailed once per person above it.
#[utoipa::path(put, path = "/api/v1/events/{id}/absence-settings", operation_id = "event_absence_settings", tag = "attendance", params(("id" = String, Path)), request_body = AbsenceSettings, responses(
    (status = 200, body = AbsenceSettings),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[put("/{id}/absence-settings")]
pub async fn set_settings(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<AbsenceSettings>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::EventsWrite, move |s, p, scope| service::set_settings(s, p, scope, &id, &body)).await?))
}

/// Reports ahead that the participant will miss a session of one of their bookings.
#[utoipa::path(post, path = "/api/v1/portal/absences", operation_id = "portal_absence_report", tag = "participants", request_body = AbsenceReport, responses(
    (status = 201, body = PortalAbsence),
    problems::Unauthorized,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("/absences")]
pub async fn report(state: web::Data<AppState>, p: Participant, body: Json<AbsenceReport>) -> Result<HttpResponse, ApiError> {
    let out = web::block(move || service::report(&state, &p, &body)).await??;
    Ok(HttpResponse::Created().json(out))
}

/// The participant's recorded absences.
#[utoipa::path(get, path = "/api/v1/portal/absences", operation_id = "portal_absences", tag = "participants", responses(
    (status = 200, body = [PortalAbsence]),
    problems::Unauthorized,
))]
#[get("/absences")]
pub async fn mine(state: web::Data<AppState>, p: Participant) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(web::block(move || service::mine(&state, &p)).await??))
}
