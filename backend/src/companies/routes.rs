//! `/api/v1/companies`.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::Company;
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCompany {
    #[schema(max_length = 200)]
    pub name: String,
}

/// The tenant's companies.
#[utoipa::path(get, path = "/api/v1/companies", operation_id = "companies_list", tag = "members", responses(
    (status = 200, body = [Company]),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let companies = staff(state, p, Permission::CompaniesRead, move |state, _, scope| service::list(&state.db, scope)).await?;
    Ok(HttpResponse::Ok().json(companies))
}

/// Adds a company (tenant admins).
#[utoipa::path(post, path = "/api/v1/companies", operation_id = "companies_create", tag = "members", request_body = NewCompany, responses(
    (status = 201, body = Company),
    problems::Forbidden,
    problems::Conflict,
    problems::Unprocessable,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<NewCompany>) -> Result<HttpResponse, ApiError> {
    let company =
        staff(state, p, Permission::CompaniesWrite, move |state, p, scope| service::create(&state.db, scope, &p.audit, &body.name)).await?;
    Ok(HttpResponse::Created().json(company))
}
