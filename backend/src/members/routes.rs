//! `/api/v1/members`: the access review and role changes (tenant admins).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{Member, SetRoles};
use super::service;
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::http::{ApiError, Problem};
use crate::state::AppState;

/// Every account of the tenant: roles, last sign-in, dormant and disabled flags (TOM AUTHZ-5).
#[utoipa::path(get, path = "/api/v1/members", operation_id = "members_list", tag = "members", responses(
    (status = 200, body = [Member]),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let members = web::block(move || -> Result<Vec<Member>, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersRead)?;
        Ok(service::review(&state, &grant.scope.ok_or_else(ApiError::not_found)?, p.audit.at.naive_utc())?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(members))
}

/// Replaces a member's roles. Admin roles: primary admins only (AUTHZ-3), up to the
/// tenant's limit (AUTHZ-4).
#[utoipa::path(put, path = "/api/v1/members/{id}/roles", operation_id = "members_set_roles", tag = "members", params(("id" = String, Path)), request_body = SetRoles, responses(
    (status = 200, body = Member),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[put("/{id}/roles")]
pub async fn set_roles(state: web::Data<AppState>, p: Principal, id: web::Path<String>, body: web::Json<SetRoles>) -> Result<HttpResponse, ApiError> {
    let member = web::block(move || -> Result<Option<Member>, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersWrite)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        if body.roles.len() > 10 {
            return Err(crate::AppError::invalid("roles", "at most 10").into());
        }
        service::set_roles(&state, &p, &scope, &id, &body.roles)?;
        match service::one(&state, &scope, &id, p.audit.at.naive_utc()) {
            Ok(member) => Ok(Some(member)),
            Err(crate::AppError::NotFound) => Ok(None),
            Err(e) => Err(e.into()),
        }
    })
    .await??;
    Ok(match member {
        Some(member) => HttpResponse::Ok().json(member),
        // All roles taken: the account is no longer a member.
        None => HttpResponse::NoContent().finish(),
    })
}

async fn set_disabled(state: web::Data<AppState>, p: Principal, id: String, disabled: bool) -> Result<HttpResponse, ApiError> {
    let member = web::block(move || -> Result<Member, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersWrite)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        service::set_disabled(&state, &p, &scope, &id, disabled)?;
        Ok(service::one(&state, &scope, &id, p.audit.at.naive_utc())?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(member))
}

/// Disables a member in this tenant and ends their sessions here (TOM AUTHZ-5).
#[utoipa::path(post, path = "/api/v1/members/{id}/disable", operation_id = "members_disable", tag = "members", params(("id" = String, Path)), responses(
    (status = 200, body = Member),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/disable")]
pub async fn disable(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_disabled(state, p, id.into_inner(), true).await
}

/// Enables a disabled member again.
#[utoipa::path(post, path = "/api/v1/members/{id}/enable", operation_id = "members_enable", tag = "members", params(("id" = String, Path)), responses(
    (status = 200, body = Member),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 404, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
))]
#[post("/{id}/enable")]
pub async fn enable(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    set_disabled(state, p, id.into_inner(), false).await
}
