//! `GET /api/v1/platform/keys`: the platform's verification keys, public (no sign-in), so
//! an auditor can fetch them to check exports and certificates offline.

use actix_web::{get, web, HttpRequest, HttpResponse};

use super::model::VerificationKeys;
use super::service;
use crate::http::call::public;
use crate::http::{problems, ApiError};
use crate::state::AppState;

/// The platform's signature verification keys, old and current, with their key ids and
/// validity: what checks a signed export, archive manifest or deletion certificate
/// offline (`anwesend audit verify-export --public-key FILE`, or openssl; docs/verify.md).
#[utoipa::path(get, path = "/api/v1/platform/keys", operation_id = "platform_keys", tag = "operations", responses(
    (status = 200, body = VerificationKeys),
    problems::TooManyRequests,
))]
#[get("")]
pub async fn list(req: HttpRequest, state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let keys = public(&req, &state, |state, _| service::list(state)).await?;
    Ok(HttpResponse::Ok().json(keys))
}
