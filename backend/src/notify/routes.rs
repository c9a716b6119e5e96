//! `/api/v1/tenant/mail-templates`: the tenant's mail texts (tenant admins; issue 23).

use actix_web::{get, post, put, web, HttpResponse};

use super::texts::{self, MailPreview, MailTemplateInput, MailTemplateView};
use crate::auth::policy::Permission;
use crate::auth::service::Principal;
use crate::http::call::staff;
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// Every mail text of the tenant, per kind and language: its own or the default.
#[utoipa::path(get, path = "/api/v1/tenant/mail-templates", operation_id = "mail_templates_list", tag = "tenant", responses(
    (status = 200, body = [MailTemplateView]),
    problems::Forbidden,
))]
#[get("/mail-templates")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    Ok(HttpResponse::Ok().json(staff(state, p, Permission::BookingSettingsWrite, |s, _, scope| texts::list(s, scope)).await?))
}

/// Saves the tenant's text of a mail (audited). Only the kind's placeholders; the kinds
/// with a link must keep `{{link}}`.
#[utoipa::path(put, path = "/api/v1/tenant/mail-templates/{kind}/{language}", operation_id = "mail_template_set", tag = "tenant", params(("kind" = String, Path), ("language" = String, Path)), request_body = MailTemplateInput, responses(
    (status = 200, body = MailTemplateView),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[put("/mail-templates/{kind}/{language}")]
pub async fn set(
    state: web::Data<AppState>,
    p: Principal,
    path: web::Path<(String, String)>,
    body: Json<MailTemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let (kind, language) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        staff(state, p, Permission::BookingSettingsWrite, move |s, p, scope| texts::set(s, p, scope, &kind, &language, &body)).await?,
    ))
}

/// Back to the default text (audited when there was the tenant's own).
#[utoipa::path(post, path = "/api/v1/tenant/mail-templates/{kind}/{language}/reset", operation_id = "mail_template_reset", tag = "tenant", params(("kind" = String, Path), ("language" = String, Path)), responses(
    (status = 200, body = MailTemplateView),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[post("/mail-templates/{kind}/{language}/reset")]
pub async fn reset(state: web::Data<AppState>, p: Principal, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (kind, language) = path.into_inner();
    Ok(HttpResponse::Ok()
        .json(staff(state, p, Permission::BookingSettingsWrite, move |s, p, scope| texts::reset(s, p, scope, &kind, &language)).await?))
}

/// A text filled with sample values, checked as saving would; writes nothing.
#[utoipa::path(post, path = "/api/v1/tenant/mail-templates/{kind}/{language}/preview", operation_id = "mail_template_preview", tag = "tenant", params(("kind" = String, Path), ("language" = String, Path)), request_body = MailTemplateInput, responses(
    (status = 200, body = MailPreview),
    problems::Forbidden,
    problems::NotFound,
    problems::Unprocessable,
))]
#[post("/mail-templates/{kind}/{language}/preview")]
pub async fn preview(
    state: web::Data<AppState>,
    p: Principal,
    path: web::Path<(String, String)>,
    body: Json<MailTemplateInput>,
) -> Result<HttpResponse, ApiError> {
    let (kind, language) = path.into_inner();
    Ok(HttpResponse::Ok().json(
        staff(state, p, Permission::BookingSettingsWrite, move |s, _, scope| texts::preview(s, scope, &kind, &language, &body)).await?,
    ))
}
