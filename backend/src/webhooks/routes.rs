//! `/api/v1/webhooks`: the tenant's webhook and Teams endpoints and their deliveries
//! (tenant admins; TOM TRANS-2, TRANS-6).

use actix_web::{get, post, put, web, HttpResponse};

use super::model::{DeliveryList, EndpointInput, EndpointList, EndpointSaved, EndpointView};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// The endpoints (never a secret; Teams URLs masked) and the events they can choose.
#[utoipa::path(get, path = "/api/v1/webhooks", operation_id = "webhooks_list", tag = "webhooks", responses(
    (status = 200, body = EndpointList),
    problems::Forbidden,
))]
#[get("")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let endpoints = staff(state, p, Permission::WebhooksManage, |state, _, scope| service::list(state, scope)).await?;
    Ok(HttpResponse::Ok().json(endpoints))
}

/// Adds an endpoint (audited with its host). A standard endpoint's signing secret is in
/// this answer only.
#[utoipa::path(post, path = "/api/v1/webhooks", operation_id = "webhooks_create", tag = "webhooks", request_body = EndpointInput, responses(
    (status = 201, body = EndpointSaved),
    problems::Unprocessable,
    problems::Forbidden,
))]
#[post("")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<EndpointInput>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let saved = staff(state, p, Permission::WebhooksManage, move |state, p, scope| service::create(state, p, scope, &input)).await?;
    Ok(HttpResponse::Created().json(saved))
}

/// Changes an endpoint; an absent `url` keeps the stored one.
#[utoipa::path(put, path = "/api/v1/webhooks/{id}", operation_id = "webhooks_update", tag = "webhooks", request_body = EndpointInput, params(("id" = String, Path)), responses(
    (status = 200, body = EndpointView),
    problems::Unprocessable,
    problems::NotFound,
    problems::Forbidden,
))]
#[put("/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<EndpointInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = staff(state, p, Permission::WebhooksManage, move |state, p, scope| service::update(state, p, scope, &id, &input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Removes an endpoint and its delivery list (the audit trail keeps every delivery).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/delete", operation_id = "webhooks_delete", tag = "webhooks", params(("id" = String, Path)), responses(
    (status = 204),
    problems::NotFound,
    problems::Forbidden,
))]
#[post("/{id}/delete")]
pub async fn delete(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::WebhooksManage, move |state, p, scope| service::delete(state, p, scope, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// A new signing secret (answered once); the old one signs too for 24 hours.
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/secret", operation_id = "webhooks_rotate_secret", tag = "webhooks", params(("id" = String, Path)), responses(
    (status = 200, body = EndpointSaved),
    problems::Unprocessable,
    problems::NotFound,
    problems::Forbidden,
))]
#[post("/{id}/secret")]
pub async fn rotate_secret(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let saved = staff(state, p, Permission::WebhooksManage, move |state, p, scope| service::rotate_secret(state, p, scope, &id)).await?;
    Ok(HttpResponse::Ok().json(saved))
}

/// The endpoint's latest deliveries with their status (newest first, at most 100).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", operation_id = "webhooks_deliveries", tag = "webhooks", params(("id" = String, Path)), responses(
    (status = 200, body = DeliveryList),
    problems::NotFound,
    problems::Forbidden,
))]
#[get("/{id}/deliveries")]
pub async fn deliveries(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let found = staff(state, p, Permission::WebhooksManage, move |state, _, scope| service::deliveries(state, scope, &id)).await?;
    Ok(HttpResponse::Ok().json(found))
}
