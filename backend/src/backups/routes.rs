//! `/api/v1/platform/backups`: the last backup and verification (platform admins).

use actix_web::{get, web, HttpResponse};

use super::model::BackupStatus;
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff_granted;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// The last successful backup and verification, and the latest runs with failures
/// (TOM AVAIL-1, AVAIL-2).
#[utoipa::path(get, path = "/api/v1/platform/backups", operation_id = "platform_backups_get", tag = "operations", responses(
    (status = 200, body = BackupStatus),
    problems::Forbidden,
))]
#[get("")]
pub async fn status(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let status = staff_granted(state, p, Permission::PlatformBackups, move |state, _, _| service::status(state)).await?;
    Ok(HttpResponse::Ok().json(status))
}
