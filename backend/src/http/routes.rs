//! Health, readiness, status and the OpenAPI document.

use std::sync::OnceLock;

use actix_web::http::header::{self, HeaderValue};
use actix_web::{get, web, HttpRequest, HttpResponse, ResponseError};
use chrono::{DateTime, Utc};
use serde::Serialize;
use utoipa::openapi::path::ParameterIn;
use utoipa::{OpenApi, ToSchema};

use super::error::{ApiError, Problem};
use super::problems;
use crate::config::Environment;
use crate::problem::ProblemCode;
use crate::state::AppState;

pub const VERSION: &str = env!("CARGO_PKG_VERSION");

#[derive(Serialize, ToSchema)]
pub struct Health {
    /// `ok` while the process serves requests.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ready` when the database answers.
    pub status: String,
}

#[derive(Serialize, ToSchema, PartialEq, Eq)]
#[serde(rename_all = "lowercase")]
pub enum DatabaseStatus {
    Ok,
    Unavailable,
}

/// What the UI shows in its footer and start page.
#[derive(Serialize, ToSchema)]
pub struct Status {
    pub version: String,
    pub environment: Environment,
    pub database: DatabaseStatus,
    pub time: DateTime<Utc>,
}

/// Liveness: the process is up.
#[utoipa::path(get, path = "/healthz", tag = "operations", responses((status = 200, body = Health)))]
#[get("/healthz")]
pub async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(Health { status: "ok".into() })
}

/// Readiness: the database answers.
#[utoipa::path(get, path = "/readyz", tag = "operations", responses(
    (status = 200, body = Ready),
    problems::ServiceUnavailable,
))]
#[get("/readyz")]
pub async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    match web::block(move || db.ping()).await? {
        Ok(()) => Ok(HttpResponse::Ok().json(Ready { status: "ready".into() })),
        Err(_) => Err(ApiError::new(ProblemCode::NotReady)),
    }
}

/// Version, environment and database state of this server.
#[utoipa::path(get, path = "/api/v1/status", tag = "operations", responses((status = 200, body = Status)))]
#[get("/status")]
pub async fn status(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    let db = state.db.clone();
    let database = match web::block(move || db.ping()).await? {
        Ok(()) => DatabaseStatus::Ok,
        Err(_) => DatabaseStatus::Unavailable,
    };
    Ok(HttpResponse::Ok().json(Status {
        version: VERSION.into(),
        environment: state.config.environment(),
        database,
        time: state.clock.now(),
    }))
}

#[derive(OpenApi)]
#[openapi(
    info(title = "anwesend API", description = "Participant and attendance platform. Errors are application/problem+json."),
    paths(
        healthz, readyz, status,
        crate::auth::routes::login, crate::auth::routes::whoami, crate::auth::routes::logout,
        crate::auth::routes::sessions, crate::auth::routes::end_session, crate::auth::routes::end_other_sessions,
        crate::auth::routes::change_password, crate::auth::routes::end_member_sessions, crate::auth::routes::reset_member_factors,
        crate::auth::routes::request_password_reset, crate::auth::routes::complete_password_reset,
        crate::audit::routes::list, crate::audit::routes::actions, crate::audit::routes::verify, crate::audit::routes::export,
        crate::audit::routes::deletions, crate::audit::routes::deletions_export,
        crate::locations::routes::list, crate::locations::routes::create,
        crate::auth::routes::mfa, crate::auth::routes::totp_setup, crate::auth::routes::totp_confirm,
        crate::auth::routes::totp_disable, crate::auth::routes::switch_tenant,
        crate::passkeys::routes::list, crate::passkeys::routes::register_start, crate::passkeys::routes::register_finish,
        crate::passkeys::routes::remove, crate::passkeys::routes::mfa_start, crate::passkeys::routes::mfa_finish,
        crate::passkeys::routes::sign_in_start, crate::passkeys::routes::sign_in_finish,
        crate::members::routes::list, crate::members::routes::set_roles, crate::members::routes::disable, crate::members::routes::enable,
        crate::invitations::routes::create, crate::invitations::routes::list, crate::invitations::routes::revoke,
        crate::invitations::routes::preview, crate::invitations::routes::accept,
        crate::companies::routes::list, crate::companies::routes::create,
        crate::tenants::routes::get, crate::tenants::routes::set,
        crate::events::routes::list, crate::events::routes::create, crate::events::routes::get, crate::events::routes::update,
        crate::events::routes::publish, crate::events::routes::public_get, crate::events::routes::public_list, crate::home::routes::get,
        crate::tenants::routes::public_pages, crate::tenants::routes::set_public_pages,
        crate::calendar::routes::get, crate::calendar::routes::create, crate::calendar::routes::revoke, crate::calendar::routes::feed,
        crate::bookings::routes::book, crate::bookings::routes::confirm, crate::bookings::routes::list, crate::bookings::routes::csv, crate::bookings::routes::cancel,
        crate::bookings::routes::move_booking, crate::bookings::routes::search, crate::bookings::routes::settings, crate::bookings::routes::set_settings,
        crate::bookings::routes::import_preview, crate::bookings::routes::import_run,
        crate::notify::routes::list, crate::notify::routes::set, crate::notify::routes::reset, crate::notify::routes::preview,
        crate::portal::routes::request_link, crate::portal::routes::redeem, crate::portal::routes::me, crate::portal::routes::bookings,
        crate::portal::routes::cancel, crate::portal::routes::export, crate::portal::routes::create_request, crate::portal::routes::requests,
        crate::portal::routes::unsubscribe, crate::portal::routes::resubscribe, crate::portal::routes::logout,
        crate::devices::routes::create_enrolment, crate::devices::routes::list, crate::devices::routes::update, crate::devices::routes::revoke,
        crate::devices::routes::card_enrolment, crate::devices::routes::enrol, crate::devices::routes::heartbeat, crate::devices::routes::tap,
        crate::devices::routes::card_keys, crate::secure_cards::routes::settings, crate::secure_cards::routes::set_settings,
        crate::attendance::routes::session, crate::attendance::routes::session_csv, crate::attendance::routes::record,
        crate::attendance::routes::correct, crate::attendance::routes::participant, crate::attendance::routes::kiosk,
        crate::attendance::routes::sign, crate::attendance::routes::signature, crate::attendance::routes::close,
        crate::absences::routes::set, crate::absences::routes::of_event, crate::absences::routes::set_settings,
        crate::absences::routes::report, crate::absences::routes::mine, crate::reports::routes::get,
        crate::documents::routes::attendance_list, crate::documents::routes::certificate, crate::documents::routes::portal_certificate,
        crate::privacy::routes::list, crate::privacy::routes::create, crate::privacy::routes::execute, crate::privacy::routes::restriction, crate::privacy::routes::export, crate::privacy::routes::correct,
        crate::privacy::routes::retention_get, crate::privacy::routes::retention_set, crate::privacy::routes::processing_record,
        crate::offboarding::routes::tenant_status, crate::offboarding::routes::tenant_start, crate::offboarding::routes::tenant_archive,
        crate::offboarding::routes::platform_status, crate::offboarding::routes::platform_start, crate::offboarding::routes::platform_certificate,
        crate::sso::routes::list, crate::sso::routes::create, crate::sso::routes::update, crate::sso::routes::delete, crate::sso::routes::test,
        crate::sso::routes::link, crate::sso::routes::settings_get, crate::sso::routes::settings_set,
        crate::sso::routes::public_list, crate::sso::routes::domain_lookup, crate::sso::routes::start, crate::sso::routes::callback, crate::sso::routes::ldap_sign_in,
        crate::sso::routes::saml_metadata, crate::sso::routes::saml_acs, crate::sso::routes::saml_complete,
        crate::sso::routes::saml_single_logout, crate::sso::routes::saml_rotate_sp_key,
        crate::sso::routes::backchannel_logout, crate::sso::routes::invitation_start,
        crate::backups::routes::status,
        crate::platform::routes::list, crate::platform::routes::create, crate::platform::routes::status,
        crate::incidents::routes::list, crate::incidents::routes::scope, crate::incidents::routes::open, crate::incidents::routes::get,
        crate::incidents::routes::edit_notice, crate::incidents::routes::send_notice, crate::incidents::routes::add_update,
        crate::incidents::routes::export, crate::incidents::routes::tenant_list, crate::incidents::routes::acknowledge,
        crate::signing_keys::routes::list,
        crate::toms::routes::platform_get, crate::toms::routes::platform_export,
        crate::toms::routes::tenant_get, crate::toms::routes::tenant_export,
        crate::webhooks::routes::list, crate::webhooks::routes::create, crate::webhooks::routes::update, crate::webhooks::routes::delete,
        crate::webhooks::routes::rotate_secret, crate::webhooks::routes::deliveries,
        crate::subprocessors::routes::register, crate::subprocessors::routes::plan, crate::subprocessors::routes::notice_periods,
        crate::subprocessors::routes::set_notice_period, crate::subprocessors::routes::tenant_register, crate::subprocessors::routes::object,
    ),
    modifiers(&CommonAnswers),
    components(schemas(Problem, crate::problem::ProblemCode, crate::auth::policy::Permission, crate::audit::export::ExportFormat)),
    tags(
        (name = "operations", description = "Health and status"),
        (name = "auth", description = "Staff sign-in and sessions"),
        (name = "audit", description = "Audit trail (role-scoped)"),
        (name = "locations", description = "Venues and rooms"),
        (name = "members", description = "Members, roles, invitations, companies and the tenant's security settings"),
        (name = "events", description = "Events, courses, bookings and participants (staff)"),
        (name = "booking", description = "Public booking pages"),
        (name = "participants", description = "Participant sign-in by link and the participant portal"),
        (name = "devices", description = "Check-in devices: enrolment, signed requests, configuration"),
        (name = "attendance", description = "Check-ins, corrections, attendance records and the kiosk feed"),
        (name = "privacy", description = "Requests about personal data, restriction, erasure and retention"),
        (name = "webhooks", description = "Webhooks (Standard Webhooks signatures) and Microsoft Teams: endpoints, events, deliveries"),
        (name = "sso", description = "Staff single sign-on: identity providers (OpenID Connect, Entra ID, LDAP/Active Directory, SAML 2.0), role mapping, SSO only"),
        (name = "offboarding", description = "Ending a tenant: read-only, export archive, deletion with key destruction, deletion certificate"),
        (name = "incidents", description = "The incident register: personal data breaches, their computed scope, notifications to tenants (Art. 33 GDPR), follow-ups and acknowledgements"),
        (name = "subprocessors", description = "The sub-processor register: locations and transfer safeguards, planned changes with notice periods, tenants' objections"),
        (name = "platform", description = "The platform console: tenants (counts only), new tenants, the platform's state"),
    )
)]
pub struct ApiDoc;

/// Who calls an operation, as far as its answers go.
#[derive(PartialEq, Eq)]
enum Caller {
    /// Health and status: no session, no limit.
    Open,
    /// No session, same origin, limited per client address.
    Public,
    /// A signed check-in device.
    Device,
    /// A participant's portal session.
    Participant,
    /// A staff session.
    Staff,
}

fn caller(path: &str) -> Caller {
    match path {
        "/healthz" | "/readyz" | "/api/v1/status" => Caller::Open,
        "/api/v1/auth/login"
        | "/api/v1/auth/password-reset"
        | "/api/v1/auth/password-reset/complete"
        | "/api/v1/invitations/preview"
        | "/api/v1/invitations/accept"
        | "/api/v1/device/enrol" => Caller::Public,
        p if p.starts_with("/api/v1/public/") => Caller::Public,
        p if p.starts_with("/api/v1/device/") => Caller::Device,
        p if p.starts_with("/api/v1/portal/") => Caller::Participant,
        _ => Caller::Staff,
    }
}

/// Adds the answers every operation of a kind gives, so 80 annotations need not repeat
/// them (an operation's own entry wins): a JSON body can be unreadable (400), too large
/// (413), of another media type (415) or not match its schema (422); query and path
/// parameters can be unreadable (400), a path's id unknown or not visible (404); staff and
/// participant sessions and device signatures can be missing (401); staff requests can be
/// refused (403: role, CSRF), and writes conflict with a read-only tenant (409); public
/// ones are same-origin only (403) and limited per address (429), as are devices.
pub struct CommonAnswers;

impl utoipa::Modify for CommonAnswers {
    fn modify(&self, doc: &mut utoipa::openapi::OpenApi) {
        use utoipa::IntoResponses;
        for (path, item) in doc.paths.paths.iter_mut() {
            let caller = caller(path);
            let writes =
                [(&mut item.get, false), (&mut item.post, true), (&mut item.put, true), (&mut item.delete, true), (&mut item.patch, true)];
            for (operation, write) in writes {
                let Some(operation) = operation.as_mut() else { continue };
                let params = operation.parameters.as_deref().unwrap_or_default();
                let in_path = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Path));
                let in_query = params.iter().any(|p| matches!(p.parameter_in, ParameterIn::Query));
                let body = operation.request_body.is_some();
                let mut answers = Vec::new();
                if body || in_path || in_query {
                    answers.push(problems::BadRequest::responses());
                }
                if body {
                    answers.extend([problems::PayloadTooLarge::responses(), problems::UnsupportedMediaType::responses()]);
                    answers.push(problems::Unprocessable::responses());
                }
                if in_path {
                    answers.push(problems::NotFound::responses());
                }
                match caller {
                    Caller::Open => {}
                    Caller::Public => answers.extend([problems::Forbidden::responses(), problems::TooManyRequests::responses()]),
                    Caller::Device => answers.extend([problems::Unauthorized::responses(), problems::TooManyRequests::responses()]),
                    Caller::Participant => answers.push(problems::Unauthorized::responses()),
                    Caller::Staff => answers.extend([problems::Unauthorized::responses(), problems::Forbidden::responses()]),
                }
                if write && matches!(caller, Caller::Staff | Caller::Participant | Caller::Device) {
                    answers.push(problems::Conflict::responses());
                }
                for (code, response) in answers.into_iter().flatten() {
                    operation.responses.responses.entry(code).or_insert(response);
                }
            }
        }
    }
}

pub fn openapi_json() -> String {
    let mut doc = ApiDoc::openapi();
    doc.info.version = VERSION.into();
    doc.to_pretty_json().unwrap_or_default()
}

#[get("/openapi.json")]
pub async fn openapi_document() -> HttpResponse {
    HttpResponse::Ok().content_type("application/json").body(openapi_json())
}

/// A documented path (its segments, `{…}` for a parameter) and the methods it answers.
struct Route {
    segments: Vec<String>,
    methods: Vec<&'static str>,
}

/// The route table of the OpenAPI document: the one list of what each path answers.
fn route_table() -> &'static [Route] {
    static TABLE: OnceLock<Vec<Route>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = ApiDoc::openapi();
        let mut table: Vec<Route> = doc
            .paths
            .paths
            .iter()
            .map(|(path, item)| {
                let methods = [
                    ("GET", &item.get),
                    ("HEAD", &item.head),
                    ("POST", &item.post),
                    ("PUT", &item.put),
                    ("PATCH", &item.patch),
                    ("DELETE", &item.delete),
                    ("OPTIONS", &item.options),
                ];
                let methods = methods.into_iter().filter(|(_, op)| op.is_some()).map(|(m, _)| m).collect();
                Route { segments: path.split('/').map(str::to_owned).collect(), methods }
            })
            .collect();
        // The document itself is served but not described in itself.
        table.push(Route { segments: "/api/v1/openapi.json".split('/').map(str::to_owned).collect(), methods: vec!["GET"] });
        table
    })
}

/// The methods the documented path matching `path` answers (none: an unknown path). As in
/// OpenAPI, a literal segment beats a template: `/devices/enrolment-codes` is that path, not
/// `/devices/{id}`.
pub fn allowed_methods(path: &str) -> Vec<&'static str> {
    let segments: Vec<&str> = path.split('/').collect();
    let literal_matches = |route: &Route| -> Option<usize> {
        let mut literals = 0;
        if route.segments.len() != segments.len() {
            return None;
        }
        for (template, segment) in route.segments.iter().zip(&segments) {
            if template == segment {
                literals += 1;
            } else if !(template.starts_with('{') && template.ends_with('}') && !segment.is_empty()) {
                return None;
            }
        }
        Some(literals)
    };
    let matching: Vec<(usize, &Route)> = route_table().iter().filter_map(|r| literal_matches(r).map(|n| (n, r))).collect();
    let Some(best) = matching.iter().map(|(n, _)| *n).max() else { return Vec::new() };
    let mut allowed: Vec<&'static str> = Vec::new();
    for (_, route) in matching.into_iter().filter(|(n, _)| *n == best) {
        for method in &route.methods {
            if !allowed.contains(method) {
                allowed.push(method);
            }
        }
    }
    allowed
}

/// What no route answered: 405 with `Allow` when the path exists with other methods,
/// else 404; both problem+json.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    let allowed = allowed_methods(req.path());
    if allowed.is_empty() {
        return ApiError::not_found().error_response();
    }
    let mut response = ApiError::new(ProblemCode::MethodNotAllowed).error_response();
    if let Ok(value) = HeaderValue::from_str(&allowed.join(", ")) {
        response.headers_mut().insert(header::ALLOW, value);
    }
    response
}
