//! Downloads of signed documents: a session's attendance list and a participant's
//! certificate of attendance (staff, and the participant's own in the portal).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use super::model::DocumentQuery;
use super::service::{self, Document};
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::{problems, ApiError};
use crate::portal::principal::Participant;
use crate::state::AppState;

fn pdf(doc: Document) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/pdf")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}\"", doc.file_name)))
        .body(doc.bytes)
}

/// The session's attendance list as a signed PDF (whoever reads the list; audited). A list
/// that is not closed says so on its page.
#[utoipa::path(get, path = "/api/v1/event-sessions/{id}/attendance-list.pdf", operation_id = "session_attendance_list_pdf", tag = "attendance", params(("id" = String, Path)), responses(
    (status = 200, content_type = "application/pdf", body = Vec<u8>),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/attendance-list.pdf")]
pub async fn attendance_list(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let doc = staff(state, p, Permission::AttendanceRead, move |s, p, scope| service::attendance_list(s, p, scope, &id)).await?;
    Ok(pdf(doc))
}

/// A participant's certificate of attendance for an event, signed PDF in German or English
/// (whoever reads the event's attendance; audited). None of a person whose processing is
/// restricted (409 `restricted`; the person downloads it in the portal).
#[utoipa::path(get, path = "/api/v1/events/{id}/participants/{participant_id}/certificate.pdf", operation_id = "participant_certificate_pdf", tag = "attendance", params(("id" = String, Path), ("participant_id" = String, Path), DocumentQuery), responses(
    (status = 200, content_type = "application/pdf", body = Vec<u8>),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[get("/{id}/participants/{participant_id}/certificate.pdf")]
pub async fn certificate(
    state: web::Data<AppState>,
    p: Principal,
    path: web::Path<(String, String)>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let (event_id, participant_id) = path.into_inner();
    let doc = staff(state, p, Permission::AttendanceRead, move |s, p, scope| {
        let lang = service::lang(query.lang.as_deref())?;
        service::certificate_for_staff(s, p, scope, &event_id, &participant_id, lang)
    })
    .await?;
    Ok(pdf(doc))
}

/// The signed-in participant's own certificate of attendance for an event they are booked on.
#[utoipa::path(get, path = "/api/v1/portal/events/{id}/certificate.pdf", operation_id = "portal_certificate_pdf", tag = "participants", params(("id" = String, Path), DocumentQuery), responses(
    (status = 200, content_type = "application/pdf", body = Vec<u8>),
    problems::Unauthorized,
    problems::NotFound,
    problems::Unprocessable,
))]
#[get("/events/{id}/certificate.pdf")]
pub async fn portal_certificate(
    state: web::Data<AppState>,
    p: Participant,
    id: web::Path<String>,
    query: web::Query<DocumentQuery>,
) -> Result<HttpResponse, ApiError> {
    let doc = web::block(move || {
        let lang = service::lang(query.lang.as_deref())?;
        service::certificate_for_participant(&state, &p, &id, lang)
    })
    .await??;
    Ok(pdf(doc))
}
