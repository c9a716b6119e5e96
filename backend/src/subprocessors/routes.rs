//! `/api/v1/platform/subprocessors` (platform admins: the register, planned changes,
//! objections, notice periods; TOM SUB-1, TRANS-5) and `/api/v1/tenant/subprocessors`
//! (the tenant's admins: read and object, "Unterauftragsverarbeiter").

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{AtQuery, NewChange, NewObjection, NoticePeriod, NoticePeriodInput, PlatformChange, RegisterView, TenantRegister};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::{staff, staff_granted};
use crate::http::json::Json;
use crate::http::{problems, ApiError, Problem};
use crate::state::AppState;

/// The register as it was (or will be) on a date (`?at=YYYY-MM-DD`, default today), and
/// every change with the tenants' objections.
#[utoipa::path(get, path = "/api/v1/platform/subprocessors", operation_id = "platform_subprocessors_get", tag = "subprocessors", params(AtQuery), responses(
    (status = 200, body = RegisterView),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[get("")]
pub async fn register(state: web::Data<AppState>, p: Principal, query: web::Query<AtQuery>) -> Result<HttpResponse, ApiError> {
    let at = query.into_inner().at;
    let view =
        staff_granted(state, p, Permission::PlatformSubprocessors, move |state, p, _| service::register(state, p, at.as_deref())).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Plans a change (add, replace, change location, remove) with an effective date at least
/// every tenant's notice period ahead; every tenant's admins are notified by mail.
#[utoipa::path(post, path = "/api/v1/platform/subprocessors/changes", operation_id = "platform_subprocessors_plan", tag = "subprocessors", request_body = NewChange, responses(
    (status = 201, body = PlatformChange),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[post("/changes")]
pub async fn plan(state: web::Data<AppState>, p: Principal, body: Json<NewChange>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let change = staff_granted(state, p, Permission::PlatformSubprocessors, move |state, p, _| service::plan(state, p, &input)).await?;
    Ok(HttpResponse::Created().json(change))
}

/// Every tenant's notice period for changes (14 or 30 days; default 30).
#[utoipa::path(get, path = "/api/v1/platform/subprocessors/notice-periods", operation_id = "platform_subprocessors_notice_periods", tag = "subprocessors", responses(
    (status = 200, body = Vec<NoticePeriod>),
    problems::Forbidden,
))]
#[get("/notice-periods")]
pub async fn notice_periods(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let list = staff_granted(state, p, Permission::PlatformSubprocessors, move |state, _, _| service::notice_periods(state)).await?;
    Ok(HttpResponse::Ok().json(list))
}

/// Sets a tenant's notice period (per its contract: 14 or 30 days).
#[utoipa::path(put, path = "/api/v1/platform/subprocessors/notice-periods/{id}", operation_id = "platform_subprocessors_notice_period_set", tag = "subprocessors", params(("id" = String, Path, description = "The tenant")), request_body = NoticePeriodInput, responses(
    (status = 200, body = NoticePeriod),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[put("/notice-periods/{id}")]
pub async fn set_notice_period(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<NoticePeriodInput>,
) -> Result<HttpResponse, ApiError> {
    let days = body.into_inner().notice_days;
    let period =
        staff_granted(state, p, Permission::PlatformSubprocessors, move |state, p, _| service::set_notice_period(state, p, &id, days))
            .await?;
    Ok(HttpResponse::Ok().json(period))
}

/// The tenant's view: the register in force, planned changes with their deadline and the
/// tenant's own objections (tenant and partner admins).
#[utoipa::path(get, path = "/api/v1/tenant/subprocessors", operation_id = "tenant_subprocessors_get", tag = "subprocessors", responses(
    (status = 200, body = TenantRegister),
    problems::Forbidden,
))]
#[get("")]
pub async fn tenant_register(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let view = staff(state, p, Permission::SubprocessorsRead, service::tenant_register).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Objects to a planned change with a reason, before it takes effect; once per tenant.
#[utoipa::path(post, path = "/api/v1/tenant/subprocessors/changes/{id}/objection", operation_id = "tenant_subprocessors_object", tag = "subprocessors", params(("id" = String, Path)), request_body = NewObjection, responses(
    (status = 200, body = TenantRegister),
    problems::Forbidden,
    problems::NotFound,
    (status = 409, description = "The change has taken effect, or the tenant objected already", body = Problem, content_type = "application/problem+json"),
    problems::Unprocessable,
))]
#[post("/changes/{id}/objection")]
pub async fn object(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<NewObjection>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view =
        staff(state, p, Permission::SubprocessorsObject, move |state, p, scope| service::object(state, p, scope, &id, &input)).await?;
    Ok(HttpResponse::Ok().json(view))
}
