//! `/api/v1/tenant/offboarding` (the tenant's admins) and
//! `/api/v1/platform/tenants/{id}/offboarding` (platform admins: start, status and the
//! certificate; never the archive, which holds the tenant's personal data).

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::model::{OffboardingStatus, StartOffboarding};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::db::TenantScope;
use crate::error::AppError;
use crate::http::call::{staff, staff_granted};
use crate::http::json::Json;
use crate::http::{problems, ApiError, Problem};
use crate::state::AppState;

/// The tenant's offboarding state and the end of its export window.
#[utoipa::path(get, path = "/api/v1/tenant/offboarding", operation_id = "tenant_offboarding_get", tag = "offboarding", responses(
    (status = 200, body = OffboardingStatus),
    problems::Forbidden,
))]
#[get("/offboarding")]
pub async fn tenant_status(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let status = staff(state, p, Permission::OffboardingRead, move |state, _, scope| service::status(state, scope)).await?;
    Ok(HttpResponse::Ok().json(status))
}

/// Ends the tenant (primary tenant admins): it turns read-only at once, the export
/// archive can be downloaded for 30 days, then its data is deleted and its keys destroyed.
#[utoipa::path(post, path = "/api/v1/tenant/offboarding", operation_id = "tenant_offboarding_start", tag = "offboarding", request_body = StartOffboarding, responses(
    (status = 200, body = OffboardingStatus),
    problems::Forbidden,
    (status = 409, description = "Offboarding started already", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[post("/offboarding")]
pub async fn tenant_start(state: web::Data<AppState>, p: Principal, body: Json<StartOffboarding>) -> Result<HttpResponse, ApiError> {
    let status =
        staff(state, p, Permission::OffboardingStart, move |state, p, scope| service::start(state, &p.audit, scope, &body)).await?;
    Ok(HttpResponse::Ok().json(status))
}

/// The export archive (tar): one JSON and one CSV file per table with the tenant's data
/// decrypted, and a signed manifest with every file's SHA-256 (TOM DEL-2). Only during
/// the export window; every download is audited.
#[utoipa::path(get, path = "/api/v1/tenant/offboarding/archive", operation_id = "tenant_offboarding_archive", tag = "offboarding", responses(
    (status = 200, description = "The archive", content_type = "application/x-tar"),
    problems::Forbidden,
    (status = 409, description = "No offboarding in progress", body = Problem, content_type = "application/problem+json"),
))]
#[get("/offboarding/archive")]
pub async fn tenant_archive(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let (bytes, name) =
        staff(state, p, Permission::OffboardingRead, move |state, p, scope| service::archive(state, &p.audit, scope)).await?;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

/// A tenant named in a platform route: an id of at most 64 characters.
fn platform_scope(id: String) -> Result<TenantScope, AppError> {
    if id.is_empty() || id.len() > 64 {
        return Err(AppError::NotFound);
    }
    Ok(TenantScope::named_by_platform_admin(id))
}

/// A tenant's offboarding state (platform admins).
#[utoipa::path(get, path = "/api/v1/platform/tenants/{id}/offboarding", operation_id = "platform_offboarding_get", tag = "offboarding", params(("id" = String, Path)), responses(
    (status = 200, body = OffboardingStatus),
    problems::Forbidden,
    problems::NotFound,
))]
#[get("/{id}/offboarding")]
pub async fn platform_status(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let status = staff_granted(state, p, Permission::PlatformOffboarding, move |state, _, _| {
        service::status(state, &platform_scope(id.into_inner())?)
    })
    .await?;
    Ok(HttpResponse::Ok().json(status))
}

/// Ends a tenant (platform admins), as its primary admin can.
#[utoipa::path(post, path = "/api/v1/platform/tenants/{id}/offboarding", operation_id = "platform_offboarding_start", tag = "offboarding", params(("id" = String, Path)), request_body = StartOffboarding, responses(
    (status = 200, body = OffboardingStatus),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "Offboarding started already", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[post("/{id}/offboarding")]
pub async fn platform_start(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<StartOffboarding>,
) -> Result<HttpResponse, ApiError> {
    let status = staff_granted(state, p, Permission::PlatformOffboarding, move |state, p, _| {
        service::start(state, &p.audit, &platform_scope(id.into_inner())?, &body)
    })
    .await?;
    Ok(HttpResponse::Ok().json(status))
}

/// The signed deletion certificate of an offboarded tenant (TOM DEL-3); check it with
/// `anwesend certificate verify FILE`.
#[utoipa::path(get, path = "/api/v1/platform/tenants/{id}/offboarding/certificate", operation_id = "platform_offboarding_certificate", tag = "offboarding", params(("id" = String, Path)), responses(
    (status = 200, description = "The certificate (JSON with its signature)", content_type = "application/json"),
    problems::Forbidden,
    (status = 404, description = "No such tenant, or not offboarded yet", body = Problem, content_type = "application/problem+json"),
))]
#[get("/{id}/offboarding/certificate")]
pub async fn platform_certificate(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let text = staff_granted(state, p, Permission::PlatformOffboarding, move |state, p, _| {
        service::certificate(state, &p.audit, &platform_scope(id.into_inner())?)
    })
    .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"deletion-certificate.json\""))
        .body(text))
}
