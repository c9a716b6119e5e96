//! `/api/v1/tenant/secure-cards` (admins: turn secure cards on, refuse UID-only taps).
//! The device's key request is signed and lives with the other device routes
//! (`devices::routes::card_keys`).

use actix_web::{get, put, web, HttpResponse};

use super::model::{SecureCardSettings, SecureCardSettingsChange};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

#[utoipa::path(get, path = "/api/v1/tenant/secure-cards", operation_id = "secure_cards_get", tag = "devices", responses(
    (status = 200, body = SecureCardSettings),
    problems::Forbidden,
))]
#[get("/secure-cards")]
pub async fn settings(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::DevicesRead, |s, _, scope| service::settings(s, scope)).await?))
}

/// Turns secure cards on (the tenant's card keys are made at the first save) and sets
/// whether taps by card UID alone are refused.
#[utoipa::path(put, path = "/api/v1/tenant/secure-cards", operation_id = "secure_cards_set", tag = "devices", request_body = SecureCardSettingsChange, responses(
    (status = 200, body = SecureCardSettings),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[put("/secure-cards")]
pub async fn set_settings(
    state: web::Data<AppState>,
    p: Principal,
    body: Json<SecureCardSettingsChange>,
) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::DevicesManage, move |s, p, scope| service::set_settings(s, p, scope, &body)).await?))
}
