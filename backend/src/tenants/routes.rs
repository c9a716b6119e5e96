//! `/api/v1/tenant/security`: the tenant's sign-in requirements, and
//! `/api/v1/tenant/public-pages`: time zone, public event list and embedding (tenant admins).

use actix_web::{get, put, web, HttpResponse};

use super::model::{PublicPages, PublicPagesUpdate, SecuritySettings, SecurityUpdate};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/tenant/security", operation_id = "tenant_security_get", tag = "members", responses(
    (status = 200, body = SecuritySettings),
    problems::Forbidden,
))]
#[get("/security")]
pub async fn get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let settings = staff(state, p, Permission::MembersRead, move |state, _, scope| service::security_settings(state, scope)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Requires (or stops requiring) a second factor, or a passkey, for admin roles, and allows
/// passwordless sign-in with a passkey. Admins without the factor are sent to enrolment at
/// their next sign-in.
#[utoipa::path(put, path = "/api/v1/tenant/security", operation_id = "tenant_security_set", tag = "members", request_body = SecurityUpdate, responses(
    (status = 200, body = SecuritySettings),
    problems::Forbidden,
))]
#[put("/security")]
pub async fn set(state: web::Data<AppState>, p: Principal, body: Json<SecurityUpdate>) -> Result<HttpResponse, ApiError> {
    let update = body.into_inner();
    let settings =
        staff(state, p, Permission::TenantSecurityWrite, move |state, p, scope| service::set_security(state, p, scope, &update)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// The tenant's time zone, public event list and embedding origins.
#[utoipa::path(get, path = "/api/v1/tenant/public-pages", operation_id = "tenant_public_pages_get", tag = "booking", responses(
    (status = 200, body = PublicPages),
    problems::Forbidden,
))]
#[get("/public-pages")]
pub async fn public_pages(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let settings = staff(state, p, Permission::BookingSettingsWrite, move |state, _, scope| service::public_pages(state, scope)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Sets the time zone (an IANA name), turns the public event list on or off and sets the
/// origins that may embed the list and booking pages; audited.
#[utoipa::path(put, path = "/api/v1/tenant/public-pages", operation_id = "tenant_public_pages_set", tag = "booking", request_body = PublicPagesUpdate, responses(
    (status = 200, body = PublicPages),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[put("/public-pages")]
pub async fn set_public_pages(state: web::Data<AppState>, p: Principal, body: Json<PublicPagesUpdate>) -> Result<HttpResponse, ApiError> {
    let update = body.into_inner();
    let settings =
        staff(state, p, Permission::BookingSettingsWrite, move |state, p, scope| service::set_public_pages(state, p, scope, &update))
            .await?;
    Ok(HttpResponse::Ok().json(settings))
}
