//! `/api/v1/members`: the access review and role changes (tenant admins).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{Member, SetRoles};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Every account of the tenant: roles, last sign-in, dormant and disabled flags (TOM AUTHZ-5).
#[utoipa::path(get, path = "/api/v1/members", operation_id = "members_list", tag = "members", responses(
    (status = 200, body = [Member]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let members =
        staff(state, p, Permission::MembersRead, move |state, p, scope| service::review(state, scope, p.audit.at.naive_utc())).await?;
    Ok(HttpResponse::Ok().json(members))
}

/// Replaces a member's roles. Admin roles: primary admins only (AUTHZ-3), up to the
/// tenant's limit (AUTHZ-4).
#[utoipa::path(put, path = "/api/v1/members/{id}/roles", operation_id = "members_set_roles", tag = "members", params(("id" = String, Path)), request_body = SetRoles, responses(
    (status = 200, body = Member),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
    problems::Unprocessable,
))]
#[put("/{id}/roles")]
pub async fn set_roles(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<SetRoles>,
) -> Result<HttpResponse, ApiError> {
    let member =
        staff(state, p, Permission::MembersWrite, move |state, p, scope| service::set_roles(state, p, scope, &id, &body.roles)).await?;
    Ok(match member {
        Some(member) => HttpResponse::Ok().json(member),
        // All roles taken: the account is no longer a member.
        None => HttpResponse::NoContent().finish(),
    })
}

async fn set_disabled(state: web::Data<AppState>, p: Principal, id: String, disabled: bool) -> Result<HttpResponse, ApiError> {
    let member =
        staff(state, p, Permission::MembersWrite, move |state, p, scope| service::set_disabled(state, p, scope, &id, disabled)).await?;
    Ok(HttpResponse::Ok().json(member))
}

/// Disables a member in this tenant and ends their sessions here (TOM AUTHZ-5).
#[utoipa::path(post, path = "/api/v1/members/{id}/disable", operation_id = "members_disable", tag = "members", params(("id" = String, Path)), responses(
    (status = 200, body = Member),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/disable")]
pub async fn disable(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_disabled(state, p, id.into_inner(), true).await
}

/// Enables a disabled member again.
#[utoipa::path(post, path = "/api/v1/members/{id}/enable", operation_id = "members_enable", tag = "members", params(("id" = String, Path)), responses(
    (status = 200, body = Member),
    problems::Forbidden,
    problems::NotFound,
    problems::Conflict,
))]
#[post("/{id}/enable")]
pub async fn enable(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_disabled(state, p, id.into_inner(), false).await
}
