//! `/api/v1/companies`.

use actix_web::{get, post, web, HttpResponse};
use serde::Deserialize;
use utoipa::ToSchema;

use super::model::Company;
use super::service;
use crate::auth::policy::{authorize, Permission};
use crate::auth::service::Principal;
use crate::http::{ApiError, Problem};
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
    (status = 403, body = Problem, content_type = "application/problem+json"),
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let companies = web::block(move || -> Result<Vec<Company>, ApiError> {
        let grant = authorize(&state, &p, Permission::CompaniesRead)?;
        Ok(service::list(&state.db, &grant.scope.ok_or_else(ApiError::not_found)?)?)
    })
    .await??;
    Ok(HttpResponse::Ok().json(companies))
}

/// Adds a company (tenant admins).
#[utoipa::path(post, path = "/api/v1/companies", operation_id = "companies_create", tag = "members", request_body = NewCompany, responses(
    (status = 201, body = Company),
    (status = 403, body = Problem, content_type = "application/problem+json"),
    (status = 409, body = Problem, content_type = "application/problem+json"),
    (status = 422, body = Problem, content_type = "application/problem+json"),
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: web::Json<NewCompany>) -> Result<HttpResponse, ApiError> {
    let company = web::block(move || -> Result<Company, ApiError> {
        let grant = authorize(&state, &p, Permission::CompaniesWrite)?;
        Ok(service::create(&state.db, &grant.scope.ok_or_else(ApiError::not_found)?, &p.audit, &body.name)?)
    })
    .await??;
    Ok(HttpResponse::Created().json(company))
}
