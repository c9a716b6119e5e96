//! `/api/v1/subject-requests` (the tenant's queue of requests about personal data),
//! `/api/v1/participants/{id}/restriction`, `/api/v1/retention` and
//! `/api/v1/processing-record`. Tenant admins only (TOM RIGHTS-2, PRIV-6, RIGHTS-3).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{
    NewSubjectRequest, ParticipantCorrection, ParticipantCorrectionView, RestrictionChange, RestrictionView, SubjectRequestView,
};
use super::record::{self, ProcessingRecord, RecordQuery};
use super::retention::{self, RetentionChange, RetentionView};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Requests about personal data: open ones first, by due date (one month, Art. 12(3)).
#[utoipa::path(get, path = "/api/v1/subject-requests", operation_id = "subject_requests_list", tag = "privacy", responses(
    (status = 200, body = [SubjectRequestView]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::SubjectRequestsManage, service::list).await?))
}

/// Records a request received by phone, letter, mail or in person.
#[utoipa::path(post, path = "/api/v1/subject-requests", operation_id = "subject_requests_create", tag = "privacy", request_body = NewSubjectRequest, responses(
    (status = 201, body = SubjectRequestView),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<NewSubjectRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created()
        .json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::create(s, p, scope, &body)).await?))
}

/// Carries the request out (erasure erases, restriction restricts; the others are marked
/// answered) and tells the person by mail.
#[utoipa::path(post, path = "/api/v1/subject-requests/{id}/execute", operation_id = "subject_requests_execute", tag = "privacy", params(("id" = String, Path)), responses(
    (status = 200, body = SubjectRequestView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/execute")]
pub async fn execute(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::execute(s, p, scope, &id)).await?))
}

/// Restricts a person's data (kept, but no bookings, check-ins or mails) or lifts it.
#[utoipa::path(put, path = "/api/v1/participants/{id}/restriction", operation_id = "participants_restriction", tag = "privacy", params(("id" = String, Path)), request_body = RestrictionChange, responses(
    (status = 200, body = RestrictionView),
    problems::Forbidden,
    problems::NotFound,
))]
#[put("/{id}/restriction")]
pub async fn restriction(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<RestrictionChange>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::restrict(s, p, scope, &id, &body)).await?))
}

/// Everything stored about one person as JSON, to answer an access request (RIGHTS-1).
#[utoipa::path(get, path = "/api/v1/participants/{id}/export", operation_id = "participants_export", tag = "privacy", params(("id" = String, Path)), responses(
    (status = 200, content_type = "application/json", body = Object),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[get("/{id}/export")]
pub async fn export(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let name = format!(
        "attachment; filename=\"participant-{}.json\"",
        id.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect::<String>()
    );
    let data = staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::export(s, p, scope, &id)).await?;
    Ok(HttpResponse::Ok().insert_header((actix_web::http::header::CONTENT_DISPOSITION, name)).json(data))
}

/// The tenant's retention periods, who becomes due next and how many are due now (TOM PRIV-6).
#[utoipa::path(get, path = "/api/v1/retention", operation_id = "retention_get", tag = "privacy", responses(
    (status = 200, body = RetentionView),
    problems::Forbidden,
))]
#[get("")]
pub async fn retention_get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::RetentionManage, retention::get).await?))
}

/// Changes the retention periods (participants 1–120 months after their last event;
/// audit entries 12–120 months). The next daily run applies them.
#[utoipa::path(put, path = "/api/v1/retention", operation_id = "retention_set", tag = "privacy", request_body = RetentionChange, responses(
    (status = 200, body = RetentionView),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[put("")]
pub async fn retention_set(state: web::Data<AppState>, p: Principal, body: Json<RetentionChange>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::RetentionManage, move |s, p, scope| retention::set(s, p, scope, &body)).await?))
}

/// The tenant's processing record (TOM RIGHTS-3): activities, purposes, legal bases, data
/// categories as stored, recipients, the current retention settings, the measures in
/// place and counts; no personal data. For the tenant's own record (Art. 30 GDPR).
/// Every read is audited (`processing_record.viewed`).
#[utoipa::path(get, path = "/api/v1/processing-record", operation_id = "processing_record_get", tag = "privacy", params(RecordQuery), responses(
    (status = 200, body = ProcessingRecord),
    problems::Forbidden,
))]
#[get("/processing-record")]
pub async fn processing_record(state: web::Data<AppState>, p: Principal, query: web::Query<RecordQuery>) -> Result<HttpResponse, ApiError> {
    let lang = query.into_inner().lang.unwrap_or_default();
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::ProcessingRecordRead, move |s, p, scope| record::get(s, p, scope, lang)).await?))
}

/// Corrects a person's name, email and phone (Art. 16 GDPR), e.g. for a correction request.
#[utoipa::path(put, path = "/api/v1/participants/{id}", operation_id = "participants_correct", tag = "privacy", params(("id" = String, Path)), request_body = ParticipantCorrection, responses(
    (status = 200, body = ParticipantCorrectionView),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[put("/{id}")]
pub async fn correct(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<ParticipantCorrection>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::correct(s, p, scope, &id, &body)).await?))
}
