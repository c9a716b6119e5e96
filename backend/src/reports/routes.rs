use actix_web::{get, web, HttpResponse};

use super::model::{Report, ReportQuery};
use super::service;
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Attendance figures of the sessions that ended in the last `days` days, of the events
/// the caller may see; device health for staff who may see devices. Numbers only.
#[utoipa::path(get, path = "/api/v1/reports", operation_id = "reports_get", tag = "attendance", params(ReportQuery), responses(
    (status = 200, body = Report),
    problems::Forbidden,
    problems::Unprocessable,
))]
#[get("/reports")]
pub async fn get(state: web::Data<AppState>, p: Principal, q: web::Query<ReportQuery>) -> Result<HttpResponse, ApiError> {
    let days = q.into_inner().days;
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::ReportsRead, move |s, p, scope| service::report(s, p, scope, days)).await?))
}
