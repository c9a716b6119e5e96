//! `/api/v1/platform/toms` (platform admins, after their second factor) and
//! `/api/v1/tenant/toms` (the tenant's admins): the TOM evidence report and its signed
//! export (TOM REVIEW-1).

use actix_web::http::header;
use actix_web::{get, web, HttpResponse};

use super::model::{TomQuery, TomReport};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{staff, staff_granted};
use crate::http::{problems, ApiError};
use crate::state::AppState;

fn signed(text: String, name: &str) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((header::CONTENT_DISPOSITION, format!("attachment; filename=\"{name}\"")))
        .body(text)
}

/// Every measure of the TOM map with its control, proving tests, live evidence across
/// tenants (counts only) and status.
#[utoipa::path(get, path = "/api/v1/platform/toms", operation_id = "platform_toms_get", tag = "platform", params(TomQuery), responses(
    (status = 200, body = TomReport),
    problems::BadRequest,
    problems::Forbidden,
))]
#[get("")]
pub async fn platform_get(state: web::Data<AppState>, p: Principal, query: web::Query<TomQuery>) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let report = staff_granted(state, p, Permission::PlatformToms, move |state, p, _| {
        Ok(service::filtered(service::platform_report(state, p.audit.at.naive_utc())?, &query))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The platform's report as JSON signed by the platform (ECDSA P-256); audited.
#[utoipa::path(get, path = "/api/v1/platform/toms/export", operation_id = "platform_toms_export", tag = "platform", responses(
    (status = 200, description = "The report and its signature", content_type = "application/json"),
    problems::Forbidden,
))]
#[get("/export")]
pub async fn platform_export(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let text = staff_granted(state, p, Permission::PlatformToms, move |state, p, _| service::export(state, &p.audit, None)).await?;
    Ok(signed(text, "tom-report-platform.json"))
}

/// The measures that apply to the tenant, with only its own figures.
#[utoipa::path(get, path = "/api/v1/tenant/toms", operation_id = "tenant_toms_get", tag = "members", params(TomQuery), responses(
    (status = 200, body = TomReport),
    problems::BadRequest,
    problems::Forbidden,
))]
#[get("/toms")]
pub async fn tenant_get(state: web::Data<AppState>, p: Principal, query: web::Query<TomQuery>) -> Result<HttpResponse, ApiError> {
    let query = query.into_inner();
    let report = staff(state, p, Permission::TomsRead, move |state, p, scope| {
        Ok(service::filtered(service::tenant_report(state, scope, p.audit.at.naive_utc())?, &query))
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// The tenant's report as JSON signed by the platform; audited on the tenant's chain.
#[utoipa::path(get, path = "/api/v1/tenant/toms/export", operation_id = "tenant_toms_export", tag = "members", responses(
    (status = 200, description = "The report and its signature", content_type = "application/json"),
    problems::Forbidden,
))]
#[get("/toms/export")]
pub async fn tenant_export(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let text = staff(state, p, Permission::TomsRead, move |state, p, scope| service::export(state, &p.audit, Some(scope))).await?;
    Ok(signed(text, "tom-report.json"))
}
