//! `GET /api/v1/home`: the signed-in staff member's start page.

use actix_web::{get, web, HttpResponse};

use super::model::Home;
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Today's and the next sessions, waiting lists, undelivered mails; for tenant admins also
/// open requests, silent devices and the retention job.
#[utoipa::path(get, path = "/api/v1/home", operation_id = "home_get", tag = "events", responses(
    (status = 200, body = Home),
    problems::Unauthorized,
    problems::Forbidden,
))]
#[get("/home")]
pub async fn get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let home = staff(state, p, Permission::EventsRead, service::home).await?;
    Ok(HttpResponse::Ok().json(home))
}
