//! `/api/v1/tenant/offboarding` (the tenant's admins) and
//! `/api/v1/platform/tenants/{id}/offboarding` (platform admins: start, status and the
//! certificate; never the archive, which holds the tenant's personal data).

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};

use super::model::{OffboardingStatus, StartOffboarding};
use super::service;
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::db::TenantScope;
use crate::http::{ApiError, Problem};
use crate::state::AppState;

/// The tenant's offboarding state and the end of its export window.
#[utoipa::path(get, path = "/api/v1/tenant/offboarding", operation_id = "tenant_offboarding_get", tag = "offboarding", responses(
    (status = 200, body = OffboardingStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/offboarding")]
pub async fn tenant_status(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let status = web::block(move || -> Result<OffboardingStatus, ApiError> {
        let grant = authorize(&state, &p, Permission::OffboardingRead)?;
        Ok(service::status(&state, &grant.scope.ok_or_else(ApiError::not_found)?)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(status))
}

/// Ends the tenant (primary tenant admins): it turns read-only at once, the export
/// archive can be downloaded for 30 days, then its data is deleted and its keys destroyed.
#[utoipa::path(post, path = "/api/v1/tenant/offboarding", operation_id = "tenant_offboarding_start", tag = "offboarding", request_body = StartOffboarding, responses(
    (status = 200, body = OffboardingStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Offboarding started already", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/offboarding")]
pub async fn tenant_start(state: web::Data<AppState>, p: Principal, body: web::Json<StartOffboarding>) -> Result<HttpResponse, ApiError> {
    let status = web::block(move || -> Result<OffboardingStatus, ApiError> {
        let grant = authorize(&state, &p, Permission::OffboardingStart)?;
        Ok(service::start(&state, &p.audit, &grant.scope.ok_or_else(ApiError::not_found)?, &body)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(status))
}

/// The export archive (tar): one JSON and one CSV file per table with the tenant's data
/// decrypted, and a signed manifest with every file's SHA-256 (TOM DEL-2). Only during
/// the export window; every download is audited.
#[utoipa::path(get, path = "/api/v1/tenant/offboarding/archive", operation_id = "tenant_offboarding_archive", tag = "offboarding", responses(
    (status = 200, description = "The archive", content_type = "application/x-tar"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "No offboarding in progress", body = Problem, content_type = "application/problem+json"),
))]
#[get("/offboarding/archive")]
pub async fn tenant_archive(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let (bytes, name) = web::block(move || -> Result<(Vec<u8>, String), ApiError> {
        let grant = authorize(&state, &p, Permission::OffboardingRead)?;
        Ok(service::archive(&state, &p.audit, &grant.scope.ok_or_else(ApiError::not_found)?)?)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/x-tar")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(bytes))
}

/// A tenant named in a platform route: an id of at most 64 characters.
fn platform_scope(id: String) -> Result<TenantScope, ApiError> {
    if id.is_empty() || id.len() > 64 {
        return Err(ApiError::not_found());
    }
    Ok(TenantScope::named_by_platform_admin(id))
}

/// A tenant's offboarding state (platform admins).
#[utoipa::path(get, path = "/api/v1/platform/tenants/{id}/offboarding", operation_id = "platform_offboarding_get", tag = "offboarding", params(("id" = String, Path)), responses(
    (status = 200, body = OffboardingStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
))]
#[get("/{id}/offboarding")]
pub async fn platform_status(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let status = web::block(move || -> Result<OffboardingStatus, ApiError> {
        authorize(&state, &p, Permission::PlatformOffboarding)?;
        Ok(service::status(&state, &platform_scope(id.into_inner())?)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(status))
}

/// Ends a tenant (platform admins), as its primary admin can.
#[utoipa::path(post, path = "/api/v1/platform/tenants/{id}/offboarding", operation_id = "platform_offboarding_start", tag = "offboarding", params(("id" = String, Path)), request_body = StartOffboarding, responses(
    (status = 200, body = OffboardingStatus),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, description = "Offboarding started already", body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/offboarding")]
pub async fn platform_start(state: web::Data<AppState>, p: Principal, id: web::Path<String>, body: web::Json<StartOffboarding>) -> Result<HttpResponse, ApiError> {
    let status = web::block(move || -> Result<OffboardingStatus, ApiError> {
        authorize(&state, &p, Permission::PlatformOffboarding)?;
        Ok(service::start(&state, &p.audit, &platform_scope(id.into_inner())?, &body)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(status))
}

/// The signed deletion certificate of an offboarded tenant (TOM DEL-3); check it with
/// `anwesend certificate verify FILE`.
#[utoipa::path(get, path = "/api/v1/platform/tenants/{id}/offboarding/certificate", operation_id = "platform_offboarding_certificate", tag = "offboarding", params(("id" = String, Path)), responses(
    (status = 200, description = "The certificate (JSON with its signature)", content_type = "application/json"),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such tenant, or not offboarded yet", body = Problem, content_type = "application/problem+json"),
))]
#[get("/{id}/offboarding/certificate")]
pub async fn platform_certificate(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let text = web::block(move || -> Result<String, ApiError> {
        authorize(&state, &p, Permission::PlatformOffboarding)?;
        Ok(service::certificate(&state, &p.audit, &platform_scope(id.into_inner())?)?)
    })
    .await??;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CONTENT_DISPOSITION, "attachment; filename=\"deletion-certificate.json\""))
        .body(text))
}
