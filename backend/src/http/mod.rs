//! The actix-web application: one factory used by the server and by the tests.

pub mod call;
pub mod context;
pub mod embed;
pub mod error;
pub mod json;
pub mod problems;
pub mod routes;

use std::path::Path;

use actix_files::{Files, NamedFile};
use actix_web::body::MessageBody;
use actix_web::dev::{fn_service, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::{from_fn, Compress};
use actix_web::{web, App, HttpResponse};

pub use context::RequestContext;
pub use error::{ApiError, Problem};

use crate::attendance::routes as attendance;
use crate::audit::routes as audit;
use crate::auth::routes as auth;
use crate::bookings::routes as bookings;
use crate::companies::routes as companies;
use crate::devices::routes as devices;
use crate::events::routes as events;
use crate::home::routes as home;
use crate::invitations::routes as invitations;
use crate::locations::routes as locations;
use crate::members::routes as members;
use crate::offboarding::routes as offboarding;
use crate::passkeys::routes as passkeys;
use crate::portal::routes as portal;
use crate::privacy::routes as privacy;
use crate::sso::routes as sso;
use crate::state::AppState;
use crate::tenants::routes as tenant;

/// A scope of the API. What none of its routes answers goes to `routes::fallback`: 405
/// with `Allow` for a method a path does not answer, 404 for an unknown path; a nested
/// scope does not inherit its parent's default, so each one names it.
fn api_scope(path: &str) -> actix_web::Scope {
    web::scope(path).default_service(web::to(routes::fallback))
}

/// JSON body limits and problem+json answers for every JSON endpoint (TOM PRIV-5).
pub fn json_config(limit: usize) -> web::JsonConfig {
    web::JsonConfig::default().limit(limit).error_handler(error::json_error)
}

pub fn build_app(
    state: AppState,
) -> App<
    impl ServiceFactory<ServiceRequest, Config = (), Response = ServiceResponse<impl MessageBody>, Error = actix_web::Error, InitError = ()>,
> {
    let frontend = state.config.frontend_dir.clone();
    let limit = state.config.json_body_limit;
    App::new()
        .app_data(web::Data::new(state))
        .app_data(json_config(limit))
        .app_data(web::PayloadConfig::new(limit))
        .app_data(web::QueryConfig::default().error_handler(error::query_error))
        .app_data(web::PathConfig::default().error_handler(error::path_error))
        .wrap(Compress::default())
        .wrap(from_fn(context::middleware))
        .service(routes::healthz)
        .service(routes::readyz)
        .service(web::resource(["/healthz", "/readyz"]).to(routes::fallback))
        .service(
            api_scope("/api/v1")
                .service(routes::status)
                .service(routes::openapi_document)
                .service(
                    api_scope("/auth")
                        .service(auth::login)
                        .service(auth::whoami)
                        .service(auth::logout)
                        .service(auth::sessions)
                        .service(auth::end_other_sessions)
                        .service(auth::end_session)
                        .service(auth::change_password)
                        .service(auth::request_password_reset)
                        .service(auth::complete_password_reset)
                        .service(auth::mfa)
                        .service(auth::totp_setup)
                        .service(auth::totp_confirm)
                        .service(auth::totp_disable)
                        .service(auth::switch_tenant)
                        .service(passkeys::list)
                        .service(passkeys::register_start)
                        .service(passkeys::register_finish)
                        .service(passkeys::remove)
                        .service(passkeys::mfa_start)
                        .service(passkeys::mfa_finish)
                        .service(passkeys::sign_in_start)
                        .service(passkeys::sign_in_finish),
                )
                .service(
                    api_scope("/members")
                        .service(members::list)
                        .service(members::set_roles)
                        .service(members::disable)
                        .service(members::enable),
                )
                .service(
                    api_scope("/invitations")
                        .service(invitations::preview)
                        .service(invitations::accept)
                        .service(invitations::create)
                        .service(invitations::list)
                        .service(invitations::revoke),
                )
                .service(api_scope("/companies").service(companies::list).service(companies::create))
                .service(
                    api_scope("/tenant/subprocessors")
                        .service(crate::subprocessors::routes::tenant_register)
                        .service(crate::subprocessors::routes::object),
                )
                .service(
                    api_scope("/platform/subprocessors")
                        .service(crate::subprocessors::routes::register)
                        .service(crate::subprocessors::routes::plan)
                        .service(crate::subprocessors::routes::notice_periods)
                        .service(crate::subprocessors::routes::set_notice_period),
                )
                .service(
                    api_scope("/tenant")
                        .service(tenant::get)
                        .service(tenant::set)
                        .service(tenant::public_pages)
                        .service(tenant::set_public_pages)
                        .service(bookings::settings)
                        .service(bookings::set_settings)
                        .service(crate::notify::routes::list)
                        .service(crate::notify::routes::set)
                        .service(crate::notify::routes::reset)
                        .service(crate::notify::routes::preview)
                        .service(crate::secure_cards::routes::settings)
                        .service(crate::secure_cards::routes::set_settings)
                        .service(offboarding::tenant_status)
                        .service(offboarding::tenant_start)
                        .service(offboarding::tenant_archive)
                        .service(crate::toms::routes::tenant_get)
                        .service(crate::toms::routes::tenant_export),
                )
                .service(api_scope("/platform/backups").service(crate::backups::routes::status))
                .service(api_scope("/platform/status").service(crate::platform::routes::status))
                .service(
                    api_scope("/platform/incidents")
                        .service(crate::incidents::routes::list)
                        .service(crate::incidents::routes::scope)
                        .service(crate::incidents::routes::open)
                        .service(crate::incidents::routes::get)
                        .service(crate::incidents::routes::edit_notice)
                        .service(crate::incidents::routes::send_notice)
                        .service(crate::incidents::routes::add_update)
                        .service(crate::incidents::routes::export),
                )
                .service(
                    api_scope("/incidents").service(crate::incidents::routes::tenant_list).service(crate::incidents::routes::acknowledge),
                )
                .service(
                    api_scope("/platform/toms").service(crate::toms::routes::platform_get).service(crate::toms::routes::platform_export),
                )
                .service(api_scope("/platform/keys").service(crate::signing_keys::routes::list))
                .service(
                    api_scope("/webhooks")
                        .service(crate::webhooks::routes::list)
                        .service(crate::webhooks::routes::create)
                        .service(crate::webhooks::routes::update)
                        .service(crate::webhooks::routes::delete)
                        .service(crate::webhooks::routes::rotate_secret)
                        .service(crate::webhooks::routes::deliveries),
                )
                .service(
                    api_scope("/platform/tenants")
                        .service(crate::platform::routes::list)
                        .service(crate::platform::routes::create)
                        .service(offboarding::platform_status)
                        .service(offboarding::platform_start)
                        .service(offboarding::platform_certificate),
                )
                .service(
                    api_scope("/events")
                        .service(events::list)
                        .service(events::create)
                        .service(bookings::csv)
                        .service(bookings::list)
                        .configure(bookings::import_routes)
                        .service(events::publish)
                        .service(events::get)
                        .service(events::update)
                        .service(crate::absences::routes::of_event)
                        .service(crate::absences::routes::set_settings)
                        .service(crate::documents::routes::certificate),
                )
                .service(home::get)
                .service(crate::reports::routes::get)
                .service(
                    api_scope("/calendar-feed")
                        .service(crate::calendar::routes::get)
                        .service(crate::calendar::routes::create)
                        .service(crate::calendar::routes::revoke),
                )
                .service(api_scope("/bookings").service(bookings::cancel).service(bookings::move_booking))
                .service(
                    api_scope("/participants")
                        .service(bookings::search)
                        .service(privacy::restriction)
                        .service(privacy::export)
                        .service(privacy::correct)
                        .service(attendance::participant),
                )
                .service(api_scope("/subject-requests").service(privacy::list).service(privacy::create).service(privacy::execute))
                .service(api_scope("/retention").service(privacy::retention_get).service(privacy::retention_set))
                .service(privacy::processing_record)
                .service(
                    api_scope("/devices")
                        .service(devices::create_enrolment)
                        .service(devices::list)
                        .service(devices::update)
                        .service(devices::revoke)
                        .service(devices::card_enrolment),
                )
                .service(
                    api_scope("/device")
                        .service(devices::enrol)
                        .service(devices::heartbeat)
                        .service(devices::tap)
                        .service(devices::card_keys),
                )
                .service(
                    api_scope("/event-sessions")
                        .service(attendance::session_csv)
                        .service(attendance::session)
                        .service(attendance::close)
                        .service(crate::absences::routes::set)
                        .service(crate::documents::routes::attendance_list),
                )
                .service(
                    api_scope("/attendance")
                        .service(attendance::record)
                        .service(attendance::correct)
                        .service(attendance::sign)
                        .service(attendance::signature),
                )
                .service(api_scope("/kiosk").service(attendance::kiosk))
                .service(
                    api_scope("/public")
                        .service(sso::domain_lookup)
                        .service(events::public_get)
                        .service(events::public_list)
                        .service(crate::calendar::routes::feed)
                        .service(bookings::book)
                        .service(bookings::confirm)
                        .service(portal::request_link)
                        .service(portal::redeem)
                        .service(sso::public_list)
                        .service(sso::callback)
                        .service(sso::start)
                        .service(sso::invitation_start)
                        .service(sso::ldap_sign_in)
                        .service(sso::saml_metadata)
                        .service(sso::saml_acs)
                        .service(sso::saml_complete)
                        .service(sso::saml_single_logout),
                )
                .service(
                    api_scope("/sso")
                        // A SAML IdP's metadata (up to 256 KiB) travels inside the provider.
                        .app_data(json_config(limit.max(crate::sso::saml::MAX_XML * 2)))
                        .service(sso::list)
                        .service(sso::create)
                        .service(sso::update)
                        .service(sso::delete)
                        .service(sso::test)
                        .service(sso::link)
                        .service(sso::settings_get)
                        .service(sso::settings_set)
                        .service(sso::saml_rotate_sp_key)
                        .service(sso::backchannel_logout),
                )
                .service(
                    api_scope("/portal")
                        .service(portal::me)
                        .service(portal::bookings)
                        .service(portal::cancel)
                        .service(portal::export)
                        .service(portal::create_request)
                        .service(portal::requests)
                        .service(crate::absences::routes::report)
                        .service(crate::absences::routes::mine)
                        .service(crate::documents::routes::portal_certificate)
                        .service(portal::unsubscribe)
                        .service(portal::resubscribe)
                        .service(portal::logout),
                )
                .service(api_scope("/accounts").service(auth::end_member_sessions).service(auth::reset_member_factors))
                .service(api_scope("/audit").service(audit::actions).service(audit::verify).service(audit::export).service(audit::list))
                .service(api_scope("/deletion-log").service(audit::deletions_export).service(audit::deletions))
                .service(api_scope("/locations").service(locations::list).service(locations::create)),
        )
        .service(web::resource(["/embed/{tenant}", "/embed/{tenant}/"]).route(web::get().to(embed::page)))
        .service(frontend_service(&frontend))
}

/// Serves the built UI; unknown paths outside `/api` get `index.html` (SPA fallback).
fn frontend_service(dir: &Path) -> Files {
    let index = dir.join("index.html");
    let built = index.is_file();
    if !built {
        tracing::warn!(dir = %dir.display(), "web UI not built; run `make ui`");
    }
    // actix-files needs an existing directory; an empty one serves nothing.
    let root = if built { dir.to_path_buf() } else { std::env::temp_dir().join("anwesend-no-ui") };
    let _ = std::fs::create_dir_all(&root);
    Files::new("/", root).index_file("index.html").default_handler(fn_service(move |req: ServiceRequest| {
        let index = index.clone();
        async move {
            let (req, _) = req.into_parts();
            if req.path().starts_with("/api/") || !built {
                let response = if built {
                    actix_web::ResponseError::error_response(&ApiError::not_found())
                } else {
                    HttpResponse::NotFound()
                        .content_type("text/plain; charset=utf-8")
                        .body("The web UI is not built. Run `make run` (or `make ui`).")
                };
                return Ok(ServiceResponse::new(req, response));
            }
            let mut response = NamedFile::open_async(&index).await?.into_response(&req);
            response.headers_mut().insert(header::CACHE_CONTROL, header::HeaderValue::from_static("no-cache"));
            Ok(ServiceResponse::new(req, response))
        }
    }))
}
