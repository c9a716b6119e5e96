//! `/api/v1/subject-requests` (the tenant's queue of requests about personal data) and
//! `/api/v1/participants/{id}/restriction`. Tenant admins only (TOM RIGHTS-2).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{NewSubjectRequest, RestrictionChange, RestrictionView, SubjectRequestView};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::events::routes::staff;
use crate::http::{ApiError, Problem};
use crate::state::AppState;

/// Requests about personal data: open ones first, by due date (one month, Art. 12(3)).
#[utoipa::path(get, path = "/api/v1/subject-requests", operation_id = "subject_requests_list", tag = "privacy", responses(
    (status = 200, body = [SubjectRequestView]),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::SubjectRequestsManage, service::list).await?))
}

/// Records a request received by phone, letter, mail or in person.
#[utoipa::path(post, path = "/api/v1/subject-requests", operation_id = "subject_requests_create", tag = "privacy", request_body = NewSubjectRequest, responses(
    (status = 201, body = SubjectRequestView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: web::Json<NewSubjectRequest>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Created().json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::create(s, p, scope, &body)).await?))
}

/// Carries the request out (erasure erases, restriction restricts; the others are marked
/// answered) and tells the person by mail.
#[utoipa::path(post, path = "/api/v1/subject-requests/{id}/execute", operation_id = "subject_requests_execute", tag = "privacy", params(("id" = String, Path)), responses(
    (status = 200, body = SubjectRequestView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/execute")]
pub async fn execute(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::execute(s, p, scope, &id)).await?))
}

/// Restricts a person's data (kept, but no bookings, check-ins or mails) or lifts it.
#[utoipa::path(put, path = "/api/v1/participants/{id}/restriction", operation_id = "participants_restriction", tag = "privacy", params(("id" = String, Path)), request_body = RestrictionChange, responses(
    (status = 200, body = RestrictionView),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[put("/{id}/restriction")]
pub async fn restriction(state: web::Data<AppState>, p: Principal, id: web::Path<String>, body: web::Json<RestrictionChange>) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::SubjectRequestsManage, move |s, p, scope| service::restrict(s, p, scope, &id, &body)).await?))
}
