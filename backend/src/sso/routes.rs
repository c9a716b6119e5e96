//! `/api/v1/sso` (primary tenant admins: providers, role mappings, "SSO only") and the
//! tenant's public sign-in routes under `/api/v1/public/{tenant}/sso` (TOM ACC-7).

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::header;
use actix_web::{get, post, put, web, HttpRequest, HttpResponse};
use serde::Deserialize;

use super::model::{
    DomainLookup, DomainProviders, InvitationSignIn, LdapSignIn, ProviderInput, ProviderKind, ProviderList, ProviderView, PublicProviders,
    SignInStart, SsoSettings, TestReport,
};
use super::oidc::CallbackQuery;
use super::{ldap, logout, oidc, saml, saml_slo, service};
use crate::auth::model::Me;
use crate::auth::policy::Permission;
use crate::auth::principal::{session_cookie, RequestFacts};
use crate::auth::service::{me, Principal};
use crate::http::call::{public, public_from_any_origin, public_in_tenant, public_tenant, staff};
use crate::http::json::Json;
use crate::http::{problems, ApiError};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::AppError;

/// The cookie that binds a begun sign-in to the browser that began it. `Lax`: the
/// provider sends the browser back with a top-level GET from its own site.
fn binding_cookie_name(state: &AppState) -> &'static str {
    if state.config.public_url.starts_with("https://") {
        "__Host-anwesend_sso"
    } else {
        "anwesend_sso"
    }
}

fn binding_cookie(state: &AppState, value: &str) -> Cookie<'static> {
    Cookie::build(binding_cookie_name(state), value.to_owned())
        .path("/")
        .http_only(true)
        .secure(state.config.public_url.starts_with("https://"))
        .same_site(SameSite::Lax)
        .max_age(actix_web::cookie::time::Duration::minutes(service::LOGIN_TTL_MINUTES))
        .finish()
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LangQuery {
    /// `de` (default) or `en`: the language of the test's messages.
    pub lang: Option<String>,
}

/// The tenant's identity providers; secrets only as `secret_set`.
#[utoipa::path(get, path = "/api/v1/sso/providers", operation_id = "sso_providers_list", tag = "sso", responses(
    (status = 200, body = ProviderList),
))]
#[get("/providers")]
pub async fn list(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let providers = staff(state, p, Permission::SsoManage, |state, _, scope| service::list(state, scope)).await?;
    Ok(HttpResponse::Ok().json(ProviderList { providers }))
}

/// Adds an identity provider (audited; the secret is encrypted and never answered).
#[utoipa::path(post, path = "/api/v1/sso/providers", operation_id = "sso_providers_create", tag = "sso", request_body = ProviderInput, responses(
    (status = 201, body = ProviderView),
))]
#[post("/providers")]
pub async fn create(state: web::Data<AppState>, p: Principal, body: Json<ProviderInput>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = staff(state, p, Permission::SsoManage, move |state, p, scope| service::save(state, p, scope, None, &input)).await?;
    Ok(HttpResponse::Created().json(view))
}

/// Replaces a provider's settings; an absent `secret` keeps the stored one.
#[utoipa::path(put, path = "/api/v1/sso/providers/{id}", operation_id = "sso_providers_update", tag = "sso", request_body = ProviderInput, params(("id" = String, Path)), responses(
    (status = 200, body = ProviderView),
))]
#[put("/providers/{id}")]
pub async fn update(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    body: Json<ProviderInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let view = staff(state, p, Permission::SsoManage, move |state, p, scope| service::save(state, p, scope, Some(&id), &input)).await?;
    Ok(HttpResponse::Ok().json(view))
}

/// Removes a provider with the identities linked through it (the accounts stay).
#[utoipa::path(post, path = "/api/v1/sso/providers/{id}/delete", operation_id = "sso_providers_delete", tag = "sso", params(("id" = String, Path)), responses(
    (status = 204),
))]
#[post("/providers/{id}/delete")]
pub async fn delete(state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::SsoManage, move |state, p, scope| service::delete(state, p, scope, &id)).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// "Verbindung testen": discovery, JWKS, redirect URI and client (OIDC); TLS, service bind
/// and user search (LDAP). Each step says in German or English what it found.
#[utoipa::path(post, path = "/api/v1/sso/providers/{id}/test", operation_id = "sso_providers_test", tag = "sso", params(("id" = String, Path), LangQuery), responses(
    (status = 200, body = TestReport),
))]
#[post("/providers/{id}/test")]
pub async fn test(
    state: web::Data<AppState>,
    p: Principal,
    id: web::Path<String>,
    q: web::Query<LangQuery>,
) -> Result<HttpResponse, ApiError> {
    let lang = if q.lang.as_deref() == Some("en") { "en" } else { "de" };
    let report = staff(state, p, Permission::SsoManage, move |state, _, scope| {
        let provider = service::one(state, scope, &id)?;
        match ProviderKind::from_stored(&provider.kind)? {
            ProviderKind::Oidc => {
                let slug = crate::tenants::store::find(&mut *state.db.conn()?, scope.tenant_id())?.ok_or(AppError::NotFound)?.slug;
                oidc::test(state, scope, &provider, &service::redirect_uri(state, &slug), lang)
            }
            ProviderKind::Ldap => ldap::test(state, scope, &provider, lang),
            ProviderKind::Saml => saml::test(state, &provider, lang),
        }
    })
    .await?;
    Ok(HttpResponse::Ok().json(report))
}

/// "Nur SSO" and the break-glass admin.
#[utoipa::path(get, path = "/api/v1/sso/settings", operation_id = "sso_settings_get", tag = "sso", responses(
    (status = 200, body = SsoSettings),
))]
#[get("/settings")]
pub async fn settings_get(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    let settings = staff(state, p, Permission::SsoManage, |state, _, scope| service::settings(state, scope)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// Requires SSO for the tenant's staff (one primary admin keeps the password); audited.
#[utoipa::path(put, path = "/api/v1/sso/settings", operation_id = "sso_settings_set", tag = "sso", request_body = SsoSettings, responses(
    (status = 200, body = SsoSettings),
))]
#[put("/settings")]
pub async fn settings_set(state: web::Data<AppState>, p: Principal, body: Json<SsoSettings>) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let settings = staff(state, p, Permission::SsoManage, move |state, p, scope| service::set_settings(state, p, scope, &input)).await?;
    Ok(HttpResponse::Ok().json(settings))
}

/// A signed-in member links their account to a provider of their tenant: the provider's
/// flow starts, and its identity is theirs once it completes.
#[utoipa::path(post, path = "/api/v1/sso/providers/{id}/link", operation_id = "sso_link_start", tag = "sso", params(("id" = String, Path)), responses(
    (status = 200, body = SignInStart),
    problems::FailedDependency,
))]
#[post("/providers/{id}/link")]
pub async fn link(req: HttpRequest, state: web::Data<AppState>, p: Principal, id: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let (url, browser) = web::block(move || -> Result<(String, String), ApiError> {
        let scope = p.tenant.clone().ok_or_else(ApiError::not_found)?;
        let slug = crate::tenants::store::find(&mut *shared.db.conn()?, scope.tenant_id())
            .map_err(AppError::from)?
            .ok_or(AppError::NotFound)?
            .slug;
        let origin = facts.origin(&shared)?;
        Ok(oidc::start(&shared, &origin, &scope, &id, &service::redirect_uri(&shared, &slug), Some(&p.account_id), None)?)
    })
    .await??;
    Ok(HttpResponse::Ok().cookie(binding_cookie(&state, &browser)).json(SignInStart { authorize_url: url }))
}

/// The tenant's enabled providers, for its sign-in page.
#[utoipa::path(get, path = "/api/v1/public/{tenant}/sso", operation_id = "sso_public_list", tag = "sso", params(("tenant" = String, Path)), responses(
    (status = 200, body = PublicProviders),
))]
#[get("/{tenant}/sso")]
pub async fn public_list(req: HttpRequest, state: web::Data<AppState>, tenant: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let providers =
        public_in_tenant(&req, &state, tenant.into_inner(), |state, _, tenant, scope| service::public_list(state, tenant, scope)).await?;
    Ok(HttpResponse::Ok().json(providers))
}

/// The email-first sign-in page: the identity providers (of every active tenant) that
/// serve the address's domain. Only the domain is read, never an account, so the answer
/// has the same shape for any address (an empty list when none serves it); limited like
/// every public request. A POST, so the address stays out of URLs and logs.
#[utoipa::path(post, path = "/api/v1/public/sso/lookup", operation_id = "sso_domain_lookup", tag = "sso", request_body = DomainLookup, responses(
    (status = 200, body = DomainProviders),
    problems::Unprocessable,
    problems::TooManyRequests,
))]
#[post("/sso/lookup")]
pub async fn domain_lookup(req: HttpRequest, state: web::Data<AppState>, body: Json<DomainLookup>) -> Result<HttpResponse, ApiError> {
    let email = body.into_inner().email;
    let providers = public(&req, &state, move |state, _| service::providers_for_email(state, &email)).await?;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).json(DomainProviders { providers }))
}

/// Begins sign-in at an OpenID or SAML provider: answers where the browser goes (for SAML
/// the IdP's URL with the `AuthnRequest`), and sets the cookie that binds the sign-in to
/// this browser.
#[utoipa::path(post, path = "/api/v1/public/{tenant}/sso/{provider}/start", operation_id = "sso_start", tag = "sso", params(("tenant" = String, Path), ("provider" = String, Path)), responses(
    (status = 200, body = SignInStart),
    problems::FailedDependency,
))]
#[post("/{tenant}/sso/{provider}/start")]
pub async fn start(req: HttpRequest, state: web::Data<AppState>, path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (slug, provider) = path.into_inner();
    let (url, browser) = public_in_tenant(&req, &state, slug, move |state, origin, tenant, scope| {
        match ProviderKind::from_stored(&service::one(state, scope, &provider)?.kind)? {
            ProviderKind::Saml => saml::start(state, origin, scope, &provider, &tenant.slug),
            _ => oidc::start(state, origin, scope, &provider, &service::redirect_uri(state, &tenant.slug), None, None),
        }
    })
    .await?;
    Ok(HttpResponse::Ok().cookie(binding_cookie(&state, &browser)).json(SignInStart { authorize_url: url }))
}

/// An invited person accepts the invitation by signing in at an OpenID provider of the
/// tenant: the provider's identity is linked to the account the invitation makes (once,
/// when the flow completes). The invitation must be open and of this tenant.
#[utoipa::path(post, path = "/api/v1/public/{tenant}/sso/{provider}/invitation", operation_id = "sso_invitation_start", tag = "sso", params(("tenant" = String, Path), ("provider" = String, Path)), request_body = InvitationSignIn, responses(
    (status = 200, body = SignInStart),
    problems::NotFound,
    problems::Unprocessable,
    problems::FailedDependency,
))]
#[post("/{tenant}/sso/{provider}/invitation")]
pub async fn invitation_start(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Json<InvitationSignIn>,
) -> Result<HttpResponse, ApiError> {
    let (slug, provider) = path.into_inner();
    let token = body.into_inner().token;
    let (url, browser) = public_in_tenant(&req, &state, slug, move |state, origin, tenant, scope| {
        let now = crate::audit::chain::truncate_to_micros(origin.at.naive_utc());
        let invitation_id = crate::invitations::service::open_in(state, scope, &token, now)?;
        oidc::start(state, origin, scope, &provider, &service::redirect_uri(state, &tenant.slug), None, Some(&invitation_id))
    })
    .await?;
    Ok(HttpResponse::Ok().cookie(binding_cookie(&state, &browser)).json(SignInStart { authorize_url: url }))
}

/// Where the OpenID provider sends the browser back (the redirect URI to register). A GET
/// that writes, as the protocol wants: it is bound to the pending sign-in by `state` (once,
/// ten minutes) and to the browser by its cookie. Answers with a redirect into the UI: the
/// start page signed in, or the tenant's sign-in page with the problem code.
#[utoipa::path(get, path = "/api/v1/public/{tenant}/sso/callback", operation_id = "sso_callback", tag = "sso", params(("tenant" = String, Path), CallbackQuery), responses(
    (status = 303, description = "To the UI: signed in (the session cookie is set), or `#/login/{tenant}?sso_error=<code>`"),
))]
#[get("/{tenant}/sso/callback")]
pub async fn callback(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    query: web::Query<CallbackQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = tenant.into_inner();
    let browser = req.cookie(binding_cookie_name(&state)).map(|c| c.value().to_owned());
    let query = query.into_inner();
    let outcome = public_in_tenant(&req, &state, slug.clone(), move |state, origin, tenant, scope| {
        oidc::finish(state, origin, scope, &service::redirect_uri(state, &tenant.slug), &query, browser.as_deref())
    })
    .await;
    landing(&state, &slug, outcome)
}

/// Where a provider's answer sends the browser: the start page signed in, or the tenant's
/// sign-in page with the problem code.
fn landing(
    state: &AppState,
    slug: &str,
    outcome: Result<(String, crate::auth::service::Principal), ApiError>,
) -> Result<HttpResponse, ApiError> {
    let mut removal = binding_cookie(state, "");
    removal.make_removal();
    let mut response = HttpResponse::SeeOther();
    response.cookie(removal);
    match outcome {
        Ok((token, _)) => Ok(response.cookie(session_cookie(state, &token)).insert_header((header::LOCATION, "/#/")).finish()),
        Err(e) if e.code() == ProblemCode::NotFound => Err(e),
        Err(e) => {
            let slug: String = slug.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let location = format!("/#/login/{slug}?sso_error={}", e.code().as_str());
            Ok(response.insert_header((header::LOCATION, location)).finish())
        }
    }
}

/// The tenant's SAML service-provider metadata, to import at the identity provider: the
/// entity id, the ACS, the SLO endpoint and the certificate of the tenant's SP signing key
/// (made on first use).
#[utoipa::path(get, path = "/api/v1/public/{tenant}/saml/metadata", operation_id = "saml_metadata", tag = "sso", params(("tenant" = String, Path)), responses(
    (status = 200, content_type = "application/samlmetadata+xml", body = String),
))]
#[get("/{tenant}/saml/metadata")]
pub async fn saml_metadata(req: HttpRequest, state: web::Data<AppState>, tenant: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let xml = public_in_tenant(&req, &state, tenant.into_inner(), |state, origin, tenant, scope| {
        let now = crate::audit::chain::truncate_to_micros(origin.at.naive_utc());
        let key = saml_slo::sp_key(state, scope, &tenant.slug, now)?;
        Ok(saml::sp_metadata(&saml::service_provider(state, &tenant.slug), &key.certificate_base64()?))
    })
    .await?;
    Ok(HttpResponse::Ok().content_type("application/samlmetadata+xml").body(xml))
}

/// Single logout (HTTP-Redirect binding, TOM ACC-7): the IdP's signed `LogoutRequest`
/// (`SAMLRequest`) ends the sessions of its NameID begun there and answers with a signed
/// `LogoutResponse` (303 to the IdP); the IdP's `LogoutResponse` (`SAMLResponse`) to a
/// sign-out here sends the browser to the start page.
#[utoipa::path(get, path = "/api/v1/public/{tenant}/saml/slo", operation_id = "saml_slo", tag = "sso", params(("tenant" = String, Path)), responses(
    (status = 303, description = "To the IdP with the signed `LogoutResponse`, or to the UI"),
    problems::BadRequest,
    problems::NotFound,
))]
#[get("/{tenant}/saml/slo")]
pub async fn saml_single_logout(req: HttpRequest, state: web::Data<AppState>, tenant: web::Path<String>) -> Result<HttpResponse, ApiError> {
    let slug = tenant.into_inner();
    let query = req.query_string().to_owned();
    let answers_ours = query.split('&').any(|p| p.starts_with("SAMLResponse="));
    let outcome = public_in_tenant(&req, &state, slug.clone(), move |state, origin, tenant, scope| {
        saml_slo::single_logout(state, origin, scope, &tenant.slug, &query)
    })
    .await;
    match outcome {
        Ok(location) => Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()),
        // The IdP's answer to a sign-out here: the browser lands on the sign-in page.
        Err(e) if answers_ours && e.code() != ProblemCode::NotFound => {
            let slug: String = slug.chars().filter(|c| c.is_ascii_alphanumeric() || *c == '-').collect();
            let location = format!("/#/login/{slug}?sso_error={}", e.code().as_str());
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        Err(e) => Err(e),
    }
}

/// Replaces the tenant's SAML SP signing key pair (audited). Every SAML IdP of the tenant
/// must then import the SP metadata again: requests are signed with the new key at once.
#[utoipa::path(post, path = "/api/v1/sso/saml/sp-key/rotate", operation_id = "saml_sp_key_rotate", tag = "sso", responses(
    (status = 204),
))]
#[post("/saml/sp-key/rotate")]
pub async fn saml_rotate_sp_key(state: web::Data<AppState>, p: Principal) -> Result<HttpResponse, ApiError> {
    staff(state, p, Permission::SsoManage, |state, p, scope| {
        let slug = crate::tenants::store::find(&mut *state.db.conn()?, scope.tenant_id())?.ok_or(AppError::NotFound)?.slug;
        saml_slo::rotate_sp_key(state, scope, &slug, &p.audit)
    })
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// The fields of the IdP's POST, read from a body of at most `saml::MAX_XML` base64 bytes.
async fn acs_form(mut payload: web::Payload) -> Result<saml::AcsForm, ApiError> {
    use futures_util::StreamExt;
    let limit = saml::MAX_XML * 4 / 3 + 4096;
    let mut body = web::BytesMut::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|_| ApiError::new(ProblemCode::BadRequest).detail("the request body could not be read"))?;
        if body.len() + chunk.len() > limit {
            return Err(ApiError::new(ProblemCode::BodyTooLarge).detail("a SAML response is at most 256 KiB"));
        }
        body.extend_from_slice(&chunk);
    }
    let mut form = saml::AcsForm { saml_response: String::new(), relay_state: String::new() };
    for (key, value) in url::form_urlencoded::parse(&body) {
        match key.as_ref() {
            "SAMLResponse" => form.saml_response = value.into_owned(),
            "RelayState" => form.relay_state = value.into_owned(),
            _ => {}
        }
    }
    if form.saml_response.is_empty() {
        return Err(ApiError::new(ProblemCode::InvalidBody).detail("SAMLResponse is missing"));
    }
    Ok(form)
}

/// The assertion consumer service (HTTP-POST binding): the IdP's signed response to a
/// sign-in begun here. Checked here; the browser then completes the sign-in with a
/// same-site redirect (`saml_complete`), which can carry and set its cookies.
#[utoipa::path(post, path = "/api/v1/public/{tenant}/saml/acs", operation_id = "saml_acs", tag = "sso", params(("tenant" = String, Path)),
    request_body(content_type = "application/x-www-form-urlencoded", content = String, description = "`SAMLResponse` (base64) and `RelayState`"),
    responses(
        (status = 303, description = "To `saml/complete` (checked), or to the UI: `#/login/{tenant}?sso_error=<code>`"),
        problems::BadRequest,
        problems::PayloadTooLarge,
))]
#[post("/{tenant}/saml/acs")]
pub async fn saml_acs(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    payload: web::Payload,
) -> Result<HttpResponse, ApiError> {
    let slug = tenant.into_inner();
    let slug_of_request = slug.clone();
    let form = acs_form(payload).await?;
    let outcome = public_from_any_origin(&req, &state, move |state, origin| {
        let (tenant, scope) = public_tenant(state, &slug_of_request)?;
        saml::accept(state, origin, &scope, &tenant.slug, &form).map(|token| (tenant.slug, token))
    })
    .await;
    match outcome {
        Ok((slug, token)) => {
            let location = format!("/api/v1/public/{slug}/saml/complete?token={token}");
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish())
        }
        Err(e) => landing(&state, &slug, Err(e)),
    }
}

#[derive(Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CompleteQuery {
    /// The single-use token the ACS answered, for two minutes.
    pub token: Option<String>,
}

/// Completes a checked SAML sign-in in the browser that began it (its binding cookie).
#[utoipa::path(get, path = "/api/v1/public/{tenant}/saml/complete", operation_id = "saml_complete", tag = "sso", params(("tenant" = String, Path), CompleteQuery), responses(
    (status = 303, description = "To the UI: signed in (the session cookie is set), or `#/login/{tenant}?sso_error=<code>`"),
))]
#[get("/{tenant}/saml/complete")]
pub async fn saml_complete(
    req: HttpRequest,
    state: web::Data<AppState>,
    tenant: web::Path<String>,
    query: web::Query<CompleteQuery>,
) -> Result<HttpResponse, ApiError> {
    let slug = tenant.into_inner();
    let browser = req.cookie(binding_cookie_name(&state)).map(|c| c.value().to_owned());
    let token = query.into_inner().token.unwrap_or_default();
    let outcome = public_in_tenant(&req, &state, slug.clone(), move |state, origin, _, scope| {
        saml::complete(state, origin, scope, &token, browser.as_deref())
    })
    .await;
    landing(&state, &slug, outcome)
}

/// Signs in with the directory user name and password (LDAP / Active Directory). The same
/// limits and the same answer for every wrong input as password sign-in (TOM ACC-4).
#[utoipa::path(post, path = "/api/v1/public/{tenant}/sso/{provider}/ldap", operation_id = "sso_ldap_sign_in", tag = "sso", params(("tenant" = String, Path), ("provider" = String, Path)), request_body = LdapSignIn, responses(
    (status = 200, body = Me, description = "Signed in; the session cookie is set"),
    problems::Unauthorized,
    problems::FailedDependency,
))]
#[post("/{tenant}/sso/{provider}/ldap")]
pub async fn ldap_sign_in(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    body: Json<LdapSignIn>,
) -> Result<HttpResponse, ApiError> {
    let (slug, provider) = path.into_inner();
    let LdapSignIn { username, password } = body.into_inner();
    if username.len() > 256 || password.len() > 1024 {
        return Err(ApiError::new(ProblemCode::InvalidField).detail("a field is too long"));
    }
    let (token, me) = public_in_tenant(&req, &state, slug, move |state, origin, _, scope| {
        state.limits.per_ip.admit(&origin.ip_key())?;
        let account_key = state.master.platform_keys().blind_index("sso_ldap", &provider, &username.trim().to_lowercase());
        state.limits.per_account.admit(&account_key)?;
        let (token, principal) = ldap::sign_in(state, origin, scope, &provider, &username, &password)?;
        Ok((token, me(state, &principal)?))
    })
    .await?;
    Ok(HttpResponse::Ok().cookie(session_cookie(&state, &token)).json(me))
}

/// OpenID Connect Back-Channel Logout: the provider POSTs `logout_token` (form-encoded)
/// when a person signs out there. No session and no `Origin`: the signed token is the
/// proof. Verified against the provider's keys (typ, issuer, audience, `iat`, `events`,
/// `sid`/`sub`, no `nonce`, each `jti` once); the matching sessions end (TOM ACC-7).
#[utoipa::path(post, path = "/api/v1/sso/oidc/{provider}/backchannel-logout", operation_id = "sso_backchannel_logout", tag = "sso",
    params(("provider" = String, Path)),
    request_body(content = String, content_type = "application/x-www-form-urlencoded", description = "`logout_token=<JWT>`"),
    responses(
        (status = 200, description = "Accepted; the matching sessions ended"),
        problems::BadRequest,
        problems::NotFound,
        problems::UnsupportedMediaType,
        problems::TooManyRequests,
        problems::FailedDependency,
    ))]
#[post("/oidc/{provider}/backchannel-logout")]
pub async fn backchannel_logout(
    req: HttpRequest,
    state: web::Data<AppState>,
    provider: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    let form = req
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.split(';').next().is_some_and(|t| t.trim().eq_ignore_ascii_case("application/x-www-form-urlencoded")));
    if !form {
        return Err(ApiError::new(ProblemCode::UnsupportedMediaType).detail("send logout_token form-encoded"));
    }
    let tokens: Vec<String> =
        url::form_urlencoded::parse(&body).filter(|(k, _)| k == "logout_token").map(|(_, v)| v.into_owned()).collect();
    let [token] = <[String; 1]>::try_from(tokens)
        .map_err(|_| ApiError::new(ProblemCode::BadRequest).detail("exactly one logout_token is required"))?;
    let facts = RequestFacts::of(&req)?;
    let shared = state.clone().into_inner();
    let provider = provider.into_inner();
    web::block(move || -> Result<usize, ApiError> {
        let origin = facts.origin(&shared)?;
        shared.limits.admit_public(&origin.ip_key())?;
        Ok(logout::backchannel(&shared, &origin, &provider, &token)?)
    })
    .await??;
    Ok(HttpResponse::Ok().insert_header((header::CACHE_CONTROL, "no-store")).finish())
}
