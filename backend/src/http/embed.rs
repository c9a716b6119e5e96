//! `/embed/{tenant}`: the UI as a club's own website embeds it in an iframe (issue 23).
//! Only this page may be framed, and only by the origins the tenant listed: its answer
//! carries `frame-ancestors` with them (`'none'` while the list is empty); every other
//! answer keeps `frame-ancestors 'none'` and `X-Frame-Options: DENY` (`context`). The page
//! is the same `index.html`; the UI shows only the public list and booking pages under it.

use actix_files::NamedFile;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{web, HttpRequest, HttpResponse};

use super::call::public_in_tenant;
use super::context::CONTENT_SECURITY_POLICY;
use super::ApiError;
use crate::state::AppState;

/// The path prefix of embeddable pages.
pub const PREFIX: &str = "/embed/";

/// The page's CSP: ours, with the tenant's origins as the frame ancestors. The origins
/// were checked when they were set (scheme, host, port only), so they go in as they are.
pub fn policy(origins: &[String]) -> String {
    let ancestors = if origins.is_empty() { "'none'".to_owned() } else { origins.join(" ") };
    CONTENT_SECURITY_POLICY.replace("frame-ancestors 'none'", &format!("frame-ancestors {ancestors}"))
}

pub async fn page(req: HttpRequest, state: web::Data<AppState>, slug: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let origins = public_in_tenant(&req, &state, slug.into_inner(), |_, _, tenant, _| Ok(tenant.embed_origins())).await?;
    let index = state.config.frontend_dir.join("index.html");
    let file = NamedFile::open_async(&index).await.map_err(|_| ApiError::not_found())?;
    let mut response = file.into_response(&req);
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    if let Ok(value) = HeaderValue::from_str(&policy(&origins)) {
        headers.insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}
