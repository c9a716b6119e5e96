//! The read-only rule of an offboarding tenant (TOM DEL-1, DEL-2): from the start of the
//! offboarding, no request changes the tenant's data. One rule, asked by each gate that
//! turns a request into a tenant: the staff session (`auth::principal`), the participant
//! session (`portal::principal`) and signed device requests (`devices::signed`); public
//! pages and invitation links serve active tenants only (`http::call::public_tenant`,
//! `invitations::service`).

use actix_web::http::Method;

use super::store;
use crate::db::DbConnection;
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::tenants::model::STATUS_ACTIVE;

/// Requests that stay open in a read-only tenant: the caller's own account and session
/// (sign-out, password, second factor, switching tenant), and the offboarding itself
/// (which answers a second start with its own 409).
const OPEN_WHILE_READ_ONLY: &[&str] = &["/api/v1/auth/", "/api/v1/portal/logout", "/api/v1/tenant/offboarding"];

pub fn tenant_read_only() -> AppError {
    AppError::rule(ProblemCode::TenantReadOnly, "its data can be read and exported until the deletion; nothing can be changed")
}

/// Whether `method path` would change data, and so is refused in a read-only tenant.
pub fn is_guarded(method: &Method, path: &str) -> bool {
    !matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) && !OPEN_WHILE_READ_ONLY.iter().any(|p| path.starts_with(p))
}

/// Refuses a state-changing request in a tenant that is not active. Blocking.
pub fn check(conn: &mut DbConnection, tenant_id: &str, method: &Method, path: &str) -> Result<(), AppError> {
    if !is_guarded(method, path) {
        return Ok(());
    }
    check_status(store::status(conn, tenant_id)?.as_deref(), method, path)
}

/// `check` with the tenant's status already read (`None`: no such tenant).
pub fn check_status(status: Option<&str>, method: &Method, path: &str) -> Result<(), AppError> {
    match status {
        _ if !is_guarded(method, path) => Ok(()),
        Some(status) if status == STATUS_ACTIVE => Ok(()),
        _ => Err(tenant_read_only()),
    }
}
