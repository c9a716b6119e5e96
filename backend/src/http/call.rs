//! The one handler layer every capability's routes use. Each kind of caller has one
//! entry: it checks what that caller must pass (permission, origin and rate limit), then
//! runs the service off the async runtime. Route handlers only parse, call and answer.

use actix_web::{web, HttpRequest};

use crate::auth::policy::{authorize, Grant, Permission};
use crate::auth::principal::{self, RequestFacts};
use crate::auth::service::{Origin, Principal};
use crate::db::TenantScope;
use crate::error::AppError;
use crate::http::ApiError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::{Tenant, STATUS_ACTIVE};

/// A signed-in staff member's call: `permission` is decided once (denials audited), and
/// `f` runs in the tenant scope the grant names; a grant without a tenant answers 404.
pub async fn staff<T: Send + 'static>(
    state: web::Data<AppState>,
    p: Principal,
    permission: Permission,
    f: impl FnOnce(&AppState, &Principal, &TenantScope) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(move || -> Result<T, ApiError> {
        let grant = authorize(&state, &p, permission)?;
        let scope = grant.scope.ok_or_else(ApiError::not_found)?;
        Ok(f(&state, &p, &scope)?)
    })
    .await?
}

/// `staff` for permissions a platform admin holds outside any tenant (the platform's
/// audit chain, tenant lifecycles): `f` gets the grant, whose scope may be none.
pub async fn staff_granted<T: Send + 'static>(
    state: web::Data<AppState>,
    p: Principal,
    permission: Permission,
    f: impl FnOnce(&AppState, &Principal, Grant) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    web::block(move || -> Result<T, ApiError> {
        let grant = authorize(&state, &p, permission)?;
        Ok(f(&state, &p, grant)?)
    })
    .await?
}

/// A call without a session (public pages, token links): same-origin writes only (a
/// browser sends no `Origin` with a same-origin GET), limited per hashed client network
/// and by the ceiling of all unauthenticated work (TOM ACC-4). `f` must not write for a
/// GET: reads use `Db::tenant_read`, which takes no write lock.
pub async fn public<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    f: impl FnOnce(&AppState, &Origin) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    if principal::is_state_changing(req.method()) && !principal::origin_matches(req, state) {
        return Err(ApiError::new(ProblemCode::CsrfFailed));
    }
    public_from_any_origin(req, state, f).await
}

/// `public` for the one write another site's page makes by design: a SAML IdP's form
/// posting its response to the ACS. What that post may do is bound by the signed response
/// and the single-use relay state of a sign-in begun here; the session itself opens only
/// on the browser's next, same-site request with its binding cookie (`sso::saml`).
pub async fn public_from_any_origin<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    f: impl FnOnce(&AppState, &Origin) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    let facts = RequestFacts::of(req)?;
    let state = state.clone().into_inner();
    web::block(move || -> Result<T, ApiError> {
        let origin = facts.origin(&state)?;
        state.limits.admit_public(&origin.ip_key())?;
        Ok(f(&state, &origin)?)
    })
    .await?
}

/// `public` for the pages of one tenant, named by its slug in the path.
pub async fn public_in_tenant<T: Send + 'static>(
    req: &HttpRequest,
    state: &web::Data<AppState>,
    slug: String,
    f: impl FnOnce(&AppState, &Origin, &Tenant, &TenantScope) -> Result<T, AppError> + Send + 'static,
) -> Result<T, ApiError> {
    public(req, state, move |state, origin| {
        let (tenant, scope) = public_tenant(state, &slug)?;
        f(state, origin, &tenant, &scope)
    })
    .await
}

/// The active tenant a public URL names by its slug; any other answers 404.
pub fn public_tenant(state: &AppState, slug: &str) -> Result<(Tenant, TenantScope), AppError> {
    if slug.len() > 64 {
        return Err(AppError::NotFound);
    }
    let tenant = crate::tenants::service::find_by_slug(&state.db, slug)?.filter(|t| t.status == STATUS_ACTIVE).ok_or(AppError::NotFound)?;
    let scope = TenantScope::named_by_public_page(tenant.id.clone());
    Ok((tenant, scope))
}
