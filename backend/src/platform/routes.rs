//! `/api/v1/platform/tenants` (list, create) and `/api/v1/platform/status`: the platform
//! console (platform admins, after their second factor).

use actix_web::{get, post, web, HttpResponse};

use super::model::{NewPlatformTenant, PlatformStatus, PlatformTenant};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff_granted;
use crate::http::json::Json;
use crate::http::{problems, ApiError, Problem};
use crate::state::AppState;

/// Every tenant with its status and counts (members, admins, open invitations); no
/// personal data (TOM AUTHZ-3).
#[utoipa::path(get, path = "/api/v1/platform/tenants", operation_id = "platform_tenants_list", tag = "platform", responses(
    (status = 200, body = Vec<PlatformTenant>),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let tenants = staff_granted(state, p, Permission::PlatformTenants, move |state, _, _| service::tenants(state)).await?;
    Ok(HttpResponse::Ok().json(tenants))
}

/// Creates a tenant and invites its first primary admin by mail; audited on the platform
/// chain and the new tenant's.
#[utoipa::path(post, path = "/api/v1/platform/tenants", operation_id = "platform_tenants_create", tag = "platform", request_body = NewPlatformTenant, responses(
    (status = 201, body = PlatformTenant),
    problems::Forbidden,
    (status = 409, description = "A tenant with this slug exists", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<NewPlatformTenant>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let tenant = staff_granted(state, p, Permission::PlatformTenants, move |state, p, _| service::create_tenant(state, p, &input)).await?;
    Ok(HttpResponse::Created().json(tenant))
}

/// Versions, database, scheduled jobs' last runs, silent devices, the mail outbox,
/// backups and the last audit verification.
#[utoipa::path(get, path = "/api/v1/platform/status", operation_id = "platform_status_get", tag = "platform", responses(
    (status = 200, body = PlatformStatus),
    problems::Forbidden,
))]
#[get("")]
pub async fn status(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let status = staff_granted(state, p, Permission::PlatformStatus, move |state, _, _| service::status(state)).await?;
    Ok(HttpResponse::Ok().json(status))
}
