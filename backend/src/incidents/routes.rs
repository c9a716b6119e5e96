//! `/api/v1/platform/incidents` (platform admins: the register, TOM BREACH-1, BREACH-2) and
//! `/api/v1/incidents` (the tenant's admins: their notifications, "Vorfälle").

use actix_web::http::header;
use actix_web::{get, post, put, web, HttpResponse};

use super::model::{IncidentSummary, IncidentView, NewIncident, NewUpdate, NoticeEdit, ScopeInput, ScopeResult, TenantNotice};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{staff, staff_granted};
use crate::http::json::Json;
use crate::http::{problems, ApiError, Problem};
use crate::state::AppState;

/// Every incident, newest first, with its 72-hour clock and numbers.
#[utoipa::path(get, path = "/api/v1/platform/incidents", operation_id = "platform_incidents_list", tag = "incidents", responses(
    (status = 200, body = Vec<IncidentSummary>),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let list = staff_granted(state, p, Permission::PlatformIncidents, move |state, _, _| service::list(state)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// The affected tenants and the approximate numbers of persons and records of a scope,
/// computed from the data (numbers only); writes nothing.
#[utoipa::path(post, path = "/api/v1/platform/incidents/scope", operation_id = "platform_incidents_scope", tag = "incidents", request_body = ScopeInput, responses(
    (status = 200, body = ScopeResult),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("/scope")]
pub async fn scope(state: web::Data<AppState>, p: Principal, body: Json<ScopeInput>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let result = staff_granted(state, p, Permission::PlatformIncidents, move |state, _, _| service::preview(state, &input)).await?;
    Ok(HttpResponse::Ok().json(result))
}

/// Opens an incident: the Art. 33 facts and the scope; a notification draft per affected tenant.
#[utoipa::path(post, path = "/api/v1/platform/incidents", operation_id = "platform_incidents_open", tag = "incidents", request_body = NewIncident, responses(
    (status = 201, body = IncidentView),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("")]
pub async fn open(state: web::Data<AppState>, p: Principal, body: Json<NewIncident>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = staff_granted(state, p, Permission::PlatformIncidents, move |state, p, _| service::open(state, p, &input)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// The incident with its notifications, clock and timeline.
#[utoipa::path(get, path = "/api/v1/platform/incidents/{id}", operation_id = "platform_incidents_get", tag = "incidents", params(("id" = String, Path)), responses(
    (status = 200, body = IncidentView),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}")]
pub async fn get(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let view = staff_granted(state, p, Permission::PlatformIncidents, move |state, _, _| service::view(state, &id)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Edits a tenant's notification draft (German and English).
#[utoipa::path(put, path = "/api/v1/platform/incidents/{id}/notices/{tenant}", operation_id = "platform_incidents_notice_edit", tag = "incidents", params(("id" = String, Path), ("tenant" = String, Path)), request_body = NoticeEdit, responses(
    (status = 200, body = IncidentView),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "Sent already, or the incident is closed", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[put("/{id}/notices/{tenant}")]
pub async fn edit_notice(
    state: web::Data<AppState>,
    p: Principal,
    path: web::Path<(String, String)>,
    body: Json<NoticeEdit>,
) -> Result<HttpResponse, ApiError> {
    let (id, tenant) = path.into_inner();
    let edit = body.into_inner();
    let view =
        staff_granted(state, p, Permission::PlatformIncidents, move |state, p, _| service::edit_notice(state, p, &id, &tenant, &edit))
            .await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Sends a tenant's notification: a mail to its admins and its "Vorfälle" page.
#[utoipa::path(post, path = "/api/v1/platform/incidents/{id}/notices/{tenant}/send", operation_id = "platform_incidents_notice_send", tag = "incidents", params(("id" = String, Path), ("tenant" = String, Path)), responses(
    (status = 200, body = IncidentView),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "Sent already, or the incident is closed", body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/notices/{tenant}/send")]
pub async fn send_notice(state: web::Data<AppState>, p: Principal, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (id, tenant) = path.into_inner();
    let view =
        staff_granted(state, p, Permission::PlatformIncidents, move |state, p, _| service::send_notice(state, p, &id, &tenant)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Follow-up information in phases (Art. 33(4)) to every tenant notified; `close` ends it.
#[utoipa::path(post, path = "/api/v1/platform/incidents/{id}/updates", operation_id = "platform_incidents_update", tag = "incidents", params(("id" = String, Path)), request_body = NewUpdate, responses(
    (status = 200, body = IncidentView),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "The incident is closed", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[post("/{id}/updates")]
pub async fn add_update(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<NewUpdate>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view =
        staff_granted(state, p, Permission::PlatformIncidents, move |state, p, _| service::add_update(state, p, &id, &input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// The incident with its timeline as JSON signed by the platform (ECDSA P-256); audited.
#[utoipa::path(get, path = "/api/v1/platform/incidents/{id}/export", operation_id = "platform_incidents_export", tag = "incidents", params(("id" = String, Path)), responses(
    (status = 200, description = "The incident and its signature", content_type = "application/json"),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/export")]
pub async fn export(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let text = staff_granted(state, p, Permission::PlatformIncidents, move |state, p, _| service::export(state, p, &id)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"incident.json\""))
        .body(text))
}

/// The tenant's breach notifications with their follow-ups (tenant and partner admins).
#[utoipa::path(get, path = "/api/v1/incidents", operation_id = "incidents_list", tag = "incidents", responses(
    (status = 200, body = Vec<TenantNotice>),
    problems::Forbidden,
))]
#[get("")]
pub async fn tenant_list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let notices = staff(state, p, Permission::IncidentsRead, move |state, _, tenant| service::tenant_notices(state, tenant)).await?;
    Ok(HttpResponse::Ok().json(notices))
}

/// Acknowledges receipt of a notification (once; on the tenant's and the platform's chain).
#[utoipa::path(post, path = "/api/v1/incidents/{id}/acknowledge", operation_id = "incidents_acknowledge", tag = "incidents", params(("id" = String, Path)), responses(
    (status = 200, body = Vec<TenantNotice>),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "Acknowledged already", body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/acknowledge")]
pub async fn acknowledge(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let notices = staff(state, p, Permission::IncidentsRead, move |state, p, tenant| service::acknowledge(state, p, tenant, &id)).await?;
    Ok(HttpResponse::Ok().json(notices))
}
