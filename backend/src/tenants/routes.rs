//! `/api/v1/tenant/security`: the tenant's sign-in requirements (tenant admins).

use actix_web::{get, put, web, HttpResponse};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::audit::{self, Action, Event};
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::http::{ApiError, Problem};
use crate::state::AppState;
use crate::AppError;

#[derive(Serialize, ToSchema)]
pub struct SecuritySettings {
    /// Admin roles must sign in with a second factor (TOM ACC-6).
    pub mfa_required_for_admins: bool,
    /// At most this many admins (set by the operator; TOM AUTHZ-4).
    pub max_admins: u32,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityUpdate {
    pub mfa_required_for_admins: bool,
}

fn settings(state: &AppState, tenant_id: &str) -> Result<SecuritySettings, ApiError> {
    let mut conn = state.db.conn()?;
    let tenant = super::store::find(&mut conn, tenant_id).map_err(AppError::from)?.ok_or_else(ApiError::not_found)?;
    Ok(SecuritySettings { mfa_required_for_admins: tenant.mfa_required_for_admins, max_admins: state.config.auth.max_admins_per_tenant })
}

#[utoipa::path(get, path = "/api/v1/tenant/security", operation_id = "tenant_security_get", tag = "members", responses(
    (status = 200, body = SecuritySettings),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("/security")]
pub async fn get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let settings = web::block(move || -> Result<SecuritySettings, ApiError> {
        let grant = authorize(&state, &p, Permission::MembersRead)?;
        settings(&state, grant.scope.ok_or_else(ApiError::not_found)?.tenant_id())
    })
    .await??;
    Ok(HttpResponse::Ok().json(settings))
}

/// Requires (or stops requiring) a second factor for admin roles. Admins without one are
/// sent to enrolment at their next sign-in.
#[utoipa::path(put, path = "/api/v1/tenant/security", operation_id = "tenant_security_set", tag = "members", request_body = SecurityUpdate, responses(
    (status = 200, body = SecuritySettings),
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[put("/security")]
pub async fn set(state: web::Data<AppState>, p: Principal, body: web::Json<SecurityUpdate>) -> Result<HttpResponse, ApiError> {
    let settings = web::block(move || -> Result<SecuritySettings, ApiError> {
        let grant = authorize(&state, &p, Permission::TenantSecurityWrite)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        let required = body.mfa_required_for_admins;
        state.db.tenant_tx(&scope, |tx| {
            super::store::set_mfa_required(tx, scope.tenant_id(), required, p.audit.at.naive_utc())?;
            audit::record(tx, &p.audit, Event::new(Action::TenantSecurityChanged, "tenant", Some(scope.tenant_id())).detail("mfa_required_for_admins", required))?;
            Ok(())
        })?;
        settings(&state, scope.tenant_id())
    })
    .await??;
    Ok(HttpResponse::Ok().json(settings))
}
