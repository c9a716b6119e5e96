//! The permission matrix (TOM AUTHZ-1, AUTHZ-2, SEP-3): every operation of the OpenAPI
//! document (the route table the server is built from) × every role × own tenant / other
//! tenant, against the expected status. An operation without a row fails the test, so no
//! endpoint can be added without deciding who may call it. And brute force against the
//! sign-in (TOM ACC-4).

use std::time::Instant;

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::auth::model::Role as MemberRole;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with};
use crate::fixtures::{admin, call, json_of, login, member, tenant, Client, ORIGIN, PASSWORD};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Who {
    Anonymous,
    PlatformAdmin,
    PrimaryAdmin,
    PartnerAdmin,
    CompanyAdmin,
    Organiser,
    Instructor,
}

const EVERYONE: [Who; 7] =
    [Who::Anonymous, Who::PlatformAdmin, Who::PrimaryAdmin, Who::PartnerAdmin, Who::CompanyAdmin, Who::Organiser, Who::Instructor];
const SIGNED_IN: &[Who] = &[Who::PlatformAdmin, Who::PrimaryAdmin, Who::PartnerAdmin, Who::CompanyAdmin, Who::Organiser, Who::Instructor];
const ADMINS: &[Who] = &[Who::PrimaryAdmin, Who::PartnerAdmin];
/// Who reads events and their bookings (the matrix event is the company's course and
/// the instructor teaches it, so all of them see it).
const READERS: &[Who] = &[Who::PrimaryAdmin, Who::PartnerAdmin, Who::CompanyAdmin, Who::Organiser, Who::Instructor];
const WRITERS: &[Who] = &[Who::PrimaryAdmin, Who::PartnerAdmin, Who::Organiser];
/// Who checks people in and opens the kiosk (instructors: the events they teach).
const ATTENDANCE_WRITERS: &[Who] = &[Who::PrimaryAdmin, Who::PartnerAdmin, Who::Organiser, Who::Instructor];

/// Tenant A's matrix event: company c-acme's course, taught by the instructor.
fn matrix_event() -> Value {
    let mut body = crate::fixtures::event_body("Matrix-Kurs", 500, true);
    body["kind"] = json!("course");
    body["company_id"] = json!("c-acme");
    body
}

/// A one-row class list for the import rows; bad rows are skipped.
fn matrix_import() -> Value {
    use base64::Engine;
    let file = base64::engine::general_purpose::STANDARD.encode("Name;E-Mail\r\nMatrix Import;import@matrix.example\r\n");
    json!({ "file_base64": file, "skip_invalid": true })
}

#[derive(Clone, Copy)]
enum Id {
    /// The path has no id.
    None,
    /// A member account: own tenant's target, or tenant B's admin.
    Account,
    /// An invitation of tenant A, or of tenant B.
    Invitation,
    /// A session id nobody here owns.
    UnknownSession,
    /// An event of tenant A (a course of company c-acme taught by the instructor), or of tenant B.
    Event,
    /// A booking of that event, or of tenant B's event.
    Booking,
    /// Tenant A's published event on its public page.
    PublicEvent,
    /// A session of the event, or of tenant B's event.
    Session,
    /// A check-in device of tenant A, or of tenant B.
    Device,
    /// Tenant A, named in a platform route.
    Tenant,
    /// An incident nobody opened, and tenant A for a notice.
    UnknownIncident,
}

struct Row {
    /// Who may call it; `None`: public, called anonymously only.
    allowed: Option<&'static [Who]>,
    body: Option<Value>,
    /// Answers that mean "allowed and handled" for the allowed callers.
    ok: &'static [u16],
    id: Id,
    /// The call ends or replaces the session: use a fresh one.
    fresh_session: bool,
}

fn row(op: &str) -> Option<Row> {
    let r = |allowed: Option<&'static [Who]>, body: Option<Value>, ok: &'static [u16]| Row {
        allowed,
        body,
        ok,
        id: Id::None,
        fresh_session: false,
    };
    Some(match op {
        "healthz" | "readyz" | "status" => r(None, None, &[200]),
        // Public keys are public: an auditor without an account fetches them.
        "platform_keys" => r(None, None, &[200]),
        "login" => r(None, Some(json!({ "email": "niemand@example.net", "password": "falsch falsch falsch" })), &[401]),
        "invitations_preview" => r(None, Some(json!({ "token": "unbekannt" })), &[404]),
        "password_reset_request" => r(None, Some(json!({ "email": "niemand@example.net" })), &[202]),
        "password_reset_complete" => r(None, Some(json!({ "token": "unbekannt", "new_password": "Sonnenblume-Kanu-Treppe-7" })), &[404]),
        "invitations_accept" => r(None, Some(json!({ "token": "unbekannt", "password": "Sonnenblume-Kanu-Treppe-7" })), &[404]),
        "whoami" | "sessions_list" | "audit_actions" => r(Some(SIGNED_IN), None, &[200]),
        "logout" => Row { fresh_session: true, ..r(Some(SIGNED_IN), None, &[204]) },
        "sessions_end" => Row { id: Id::UnknownSession, ..r(Some(SIGNED_IN), None, &[404]) },
        "sessions_end_others" => r(Some(SIGNED_IN), None, &[200]),
        "password_change" => r(
            Some(SIGNED_IN),
            Some(json!({ "current_password": "falsch falsch falsch", "new_password": "Sonnenblume-Kanu-Treppe-7" })),
            &[422],
        ),
        "mfa_verify" => r(Some(SIGNED_IN), Some(json!({ "code": "123456" })), &[409]),
        "totp_setup" => r(Some(SIGNED_IN), None, &[200]),
        "totp_confirm" => r(Some(SIGNED_IN), Some(json!({ "code": "000000", "password": PASSWORD })), &[409, 422]),
        // Platform admins must keep theirs (TOM ACC-6).
        "totp_disable" => r(Some(SIGNED_IN), Some(json!({ "password": PASSWORD })), &[204, 409]),
        // Passkeys (TOM ACC-6): the caller's own; a ceremony nobody started finds nothing.
        "passkeys_list" => r(Some(SIGNED_IN), None, &[200]),
        "passkey_register_start" => r(Some(SIGNED_IN), Some(json!({ "name": "Matrix", "password": PASSWORD })), &[200]),
        "passkey_register_finish" | "passkey_mfa_finish" => {
            r(Some(SIGNED_IN), Some(json!({ "ceremony": "unbekannt", "credential": {} })), &[409])
        }
        "passkey_remove" => Row { id: Id::UnknownSession, ..r(Some(SIGNED_IN), Some(json!({ "password": PASSWORD })), &[404]) },
        "passkey_mfa_start" => r(Some(SIGNED_IN), None, &[409]),
        "passkey_sign_in_start" => r(None, None, &[200]),
        "passkey_sign_in_finish" => r(None, Some(json!({ "ceremony": "unbekannt", "credential": {} })), &[409]),
        "tenant_switch" => Row { fresh_session: true, ..r(Some(SIGNED_IN), Some(json!({ "tenant_id": "B" })), &[200, 404]) },
        "audit_list" | "audit_export" => {
            r(Some(&[Who::PlatformAdmin, Who::PrimaryAdmin, Who::PartnerAdmin, Who::CompanyAdmin]), None, &[200])
        }
        "audit_verify" => r(Some(&[Who::PlatformAdmin, Who::PrimaryAdmin, Who::PartnerAdmin]), None, &[200]),
        "deletion_log_list" | "deletion_log_export" => r(Some(ADMINS), None, &[200]),
        "locations_list" => {
            r(Some(&[Who::PrimaryAdmin, Who::PartnerAdmin, Who::CompanyAdmin, Who::Organiser, Who::Instructor]), None, &[200])
        }
        "locations_create" => {
            r(Some(&[Who::PrimaryAdmin, Who::PartnerAdmin, Who::Organiser]), Some(json!({ "name": "Raum Matrix" })), &[201, 409])
        }
        "member_sessions_end_all" => Row { id: Id::Account, ..r(Some(ADMINS), None, &[200]) },
        "member_factors_reset" => Row { id: Id::Account, ..r(Some(&[Who::PrimaryAdmin]), None, &[204]) },
        "members_list" | "invitations_list" | "tenant_security_get" => r(Some(ADMINS), None, &[200]),
        "members_set_roles" => Row { id: Id::Account, ..r(Some(ADMINS), Some(json!({ "roles": [{ "role": "organiser" }] })), &[200]) },
        "members_disable" | "members_enable" => Row { id: Id::Account, ..r(Some(ADMINS), None, &[200]) },
        "invitations_create" => r(Some(ADMINS), Some(json!({ "email": "matrix@verein-a.example", "role": "organiser" })), &[201, 409]),
        "invitations_revoke" => Row { id: Id::Invitation, ..r(Some(ADMINS), None, &[204, 404]) },
        "companies_list" => r(Some(&[Who::PrimaryAdmin, Who::PartnerAdmin, Who::Organiser]), None, &[200]),
        "companies_create" => r(Some(ADMINS), Some(json!({ "name": "Firma Matrix" })), &[201, 409]),
        "tenant_security_set" => r(Some(ADMINS), Some(json!({ "mfa_required_for_admins": false })), &[200]),
        "events_list" | "booking_settings_get" | "home_get" => r(Some(READERS), None, &[200]),
        "events_create" => r(Some(WRITERS), Some(crate::fixtures::event_body("Matrix", 5, true)), &[201]),
        "events_get" | "event_bookings_list" | "event_bookings_csv" => Row { id: Id::Event, ..r(Some(READERS), None, &[200]) },
        "events_update" => Row { id: Id::Event, ..r(Some(WRITERS), Some(matrix_event()), &[200]) },
        "events_publish" => Row { id: Id::Event, ..r(Some(WRITERS), None, &[409]) },
        "bookings_cancel" => Row { id: Id::Booking, ..r(Some(WRITERS), None, &[200, 409]) },
        "bookings_move" => {
            Row { id: Id::Booking, ..r(Some(WRITERS), Some(json!({ "event_id": "0193ffff-0000-7000-8000-000000000000" })), &[404]) }
        }
        "participants_search" => r(Some(WRITERS), None, &[422]),
        "booking_settings_set" => r(Some(ADMINS), Some(json!({ "consent_text": "Ich willige ein." })), &[200]),
        // CSV import (issue 23): whoever may manage the event; a second import of the same
        // person skips the row (already booked).
        "event_import_preview" | "event_import" => Row { id: Id::Event, ..r(Some(WRITERS), Some(matrix_import()), &[200]) },
        // Mail texts (issue 23): tenant admins.
        "mail_templates_list" | "mail_template_reset" => r(Some(ADMINS), None, &[200]),
        "mail_template_set" | "mail_template_preview" => {
            r(Some(ADMINS), Some(json!({ "subject": "Anmeldung", "body": "Ihr Link: {{link}}" })), &[200])
        }
        "public_event_get" => Row { id: Id::PublicEvent, ..r(None, None, &[200]) },
        // Issue 23: the list is off by default (404, as for an unknown tenant); a feed
        // token nobody was given reads nothing.
        "public_events_list" | "public_calendar_feed" => Row { id: Id::PublicEvent, ..r(None, None, &[404]) },
        "tenant_public_pages_get" => r(Some(ADMINS), None, &[200]),
        "tenant_public_pages_set" => {
            r(Some(ADMINS), Some(json!({ "time_zone": "Europe/Berlin", "public_list_enabled": false, "embed_origins": [] })), &[200])
        }
        // Every staff member who reads events may have a feed of the sessions they teach.
        "calendar_feed_get" => r(Some(READERS), None, &[200]),
        "calendar_feed_create" => r(Some(READERS), None, &[201]),
        "calendar_feed_revoke" => r(Some(READERS), None, &[204]),
        "public_booking_create" => Row {
            id: Id::PublicEvent,
            ..r(None, Some(json!({ "name": "Matrix Gast", "email": "gast@matrix.example", "consent": true })), &[202])
        },
        "public_booking_confirm" => Row { id: Id::PublicEvent, ..r(None, Some(json!({ "token": "unbekannt" })), &[404]) },
        "magic_link_request" => Row { id: Id::PublicEvent, ..r(None, Some(json!({ "email": "gast@matrix.example" })), &[202]) },
        "magic_link_redeem" => Row { id: Id::PublicEvent, ..r(None, Some(json!({ "token": "unbekannt" })), &[404]) },
        "device_enrolment_create" => r(Some(ADMINS), Some(json!({ "name": "Matrix-Gerät" })), &[201]),
        "devices_list" => r(Some(WRITERS), None, &[200]),
        "devices_update" => Row {
            id: Id::Device,
            ..r(
                Some(ADMINS),
                Some(
                    json!({ "name": "Matrix-Gerät", "mode": "check_out", "duplicate_window_seconds": 5, "late_upload_after_seconds": 60 }),
                ),
                &[200],
            )
        },
        "devices_revoke" => Row { id: Id::Device, ..r(Some(ADMINS), None, &[200, 409]) },
        "devices_card_enrolment" => Row { id: Id::Device, ..r(Some(WRITERS), Some(json!({ "participant_id": "niemand" })), &[409, 422]) },
        "device_enrol" => r(None, Some(json!({ "code": "x", "agent_version": "1" })), &[404]),
        "device_heartbeat" | "device_tap" | "device_card_keys" => r(None, Some(json!({})), &[401]),
        "secure_cards_get" => r(Some(WRITERS), None, &[200]),
        "secure_cards_set" => r(Some(ADMINS), Some(json!({ "required": false })), &[200]),
        "session_attendance" | "session_attendance_csv" => Row { id: Id::Session, ..r(Some(READERS), None, &[200]) },
        // Signed documents (issue 21): the session's list as PDF for whoever reads the list;
        // a certificate of a person not booked on the event is not found.
        "session_attendance_list_pdf" => Row { id: Id::Session, ..r(Some(READERS), None, &[200]) },
        "participant_certificate_pdf" => Row { id: Id::Event, ..r(Some(READERS), None, &[404]) },
        "attendance_record" => {
            r(Some(ATTENDANCE_WRITERS), Some(json!({ "session_id": "unbekannt", "booking_id": "unbekannt", "kind": "check_in" })), &[404])
        }
        "attendance_correct" => {
            Row { id: Id::UnknownSession, ..r(Some(ATTENDANCE_WRITERS), Some(json!({ "void": true, "reason": "Matrix" })), &[404]) }
        }
        // Absences (issue 21): writers of attendance mark them; a booking id that is not the
        // session's answers 422 after the checks; readers see rates; event writers set the threshold.
        "absence_set" => {
            Row { id: Id::Session, ..r(Some(ATTENDANCE_WRITERS), Some(json!({ "booking_id": "unbekannt", "excused": false })), &[422]) }
        }
        "reports_get" => r(Some(READERS), None, &[200]),
        "event_absences" => Row { id: Id::Event, ..r(Some(READERS), None, &[200]) },
        "event_absence_settings" => {
            Row { id: Id::Event, ..r(Some(WRITERS), Some(json!({ "threshold_percent": 20, "notify_organiser": false })), &[200]) }
        }
        "participant_attendance" => Row { id: Id::UnknownSession, ..r(Some(READERS), None, &[404]) },
        // Signatures and closed lists (issue 21): unknown ids, so no list is closed (a closed
        // session's event could not be edited by the rows after it).
        "attendance_sign" => {
            Row { id: Id::UnknownSession, ..r(Some(ATTENDANCE_WRITERS), Some(json!({ "strokes": [[10.0, 10.0, 20.0, 20.0]] })), &[404]) }
        }
        "attendance_signature" => Row { id: Id::UnknownSession, ..r(Some(READERS), None, &[404]) },
        "session_close" => {
            Row { id: Id::UnknownSession, ..r(Some(ATTENDANCE_WRITERS), Some(json!({ "strokes": [[10.0, 10.0, 20.0, 20.0]] })), &[404]) }
        }
        "kiosk_stream" => r(Some(ATTENDANCE_WRITERS), None, &[200]),
        "subject_requests_list" => r(Some(ADMINS), None, &[200]),
        "subject_requests_create" => {
            r(Some(ADMINS), Some(json!({ "participant_id": "niemand", "kind": "access", "received_via": "phone" })), &[404])
        }
        "subject_requests_execute" => Row { id: Id::UnknownSession, ..r(Some(ADMINS), None, &[404]) },
        "retention_get" => r(Some(ADMINS), None, &[200]),
        "retention_set" => r(Some(ADMINS), Some(json!({ "participant_retention_months": 12, "audit_retention_months": 24 })), &[200]),
        "processing_record_get" => r(Some(ADMINS), None, &[200]),
        // Single sign-on (TOM ACC-7): a mapping can grant admin roles, so primary admins only.
        "webhooks_list" => r(Some(ADMINS), None, &[200]),
        "webhooks_create" => r(
            Some(ADMINS),
            Some(
                json!({ "kind": "standard", "name": "Matrix", "url": "https://crm.matrix.example/hook", "events": ["booking.created"], "enabled": false }),
            ),
            &[201],
        ),
        "webhooks_update" => Row {
            id: Id::UnknownSession,
            ..r(
                Some(ADMINS),
                Some(json!({ "kind": "standard", "name": "Matrix", "events": ["booking.created"], "enabled": false })),
                &[404],
            )
        },
        "webhooks_delete" | "webhooks_rotate_secret" | "webhooks_deliveries" => {
            Row { id: Id::UnknownSession, ..r(Some(ADMINS), None, &[404]) }
        }
        "sso_providers_list" | "sso_settings_get" => r(Some(&[Who::PrimaryAdmin]), None, &[200]),
        "sso_providers_create" => r(
            Some(&[Who::PrimaryAdmin]),
            Some(json!({
                "kind": "oidc", "preset": "generic", "name": "Matrix", "enabled": false, "secret": "matrix secret",
                "oidc": { "issuer": "https://login.matrix.example", "client_id": "matrix" }, "provisioning": "off",
            })),
            &[201],
        ),
        "sso_providers_update" => Row {
            id: Id::UnknownSession,
            ..r(
                Some(&[Who::PrimaryAdmin]),
                Some(json!({
                    "kind": "oidc", "preset": "generic", "name": "Matrix", "enabled": false,
                    "oidc": { "issuer": "https://login.matrix.example", "client_id": "matrix" }, "provisioning": "off",
                })),
                &[404],
            )
        },
        "sso_providers_delete" | "sso_providers_test" => Row { id: Id::UnknownSession, ..r(Some(&[Who::PrimaryAdmin]), None, &[404]) },
        "sso_settings_set" => r(Some(&[Who::PrimaryAdmin]), Some(json!({ "sso_only": false })), &[200]),
        "sso_link_start" => Row { id: Id::UnknownSession, ..r(Some(SIGNED_IN), None, &[404]) },
        "sso_public_list" => Row { id: Id::PublicEvent, ..r(None, None, &[200]) },
        // The email-first sign-in page: a domain's providers, the same shape for any address.
        "sso_domain_lookup" => r(None, Some(json!({ "email": "jemand@matrix.example" })), &[200]),
        "sso_start" => Row { id: Id::PublicEvent, ..r(None, None, &[404]) },
        "sso_callback" => Row { id: Id::PublicEvent, ..r(None, None, &[303]) },
        // A provider's server calls it, form-encoded; without a body: 415 (the logout token
        // is the only proof, checked in `sso::acc_7_backchannel_*`).
        "sso_backchannel_logout" => r(None, None, &[415]),
        "sso_invitation_start" => Row { id: Id::PublicEvent, ..r(None, Some(json!({ "token": "unbekannt" })), &[404]) },
        "sso_ldap_sign_in" => Row { id: Id::PublicEvent, ..r(None, Some(json!({ "username": "niemand", "password": "falsch" })), &[404]) },
        "saml_metadata" => Row { id: Id::PublicEvent, ..r(None, None, &[200]) },
        // Without a SAMLResponse the ACS reads nothing further.
        "saml_acs" => Row { id: Id::PublicEvent, ..r(None, None, &[422]) },
        "saml_complete" => Row { id: Id::PublicEvent, ..r(None, None, &[303]) },
        // Neither a SAMLRequest nor a SAMLResponse (the signed messages are the only proof,
        // checked in `saml::acc_7_saml_*logout*`).
        "saml_slo" => Row { id: Id::PublicEvent, ..r(None, None, &[400]) },
        "saml_sp_key_rotate" => r(Some(&[Who::PrimaryAdmin]), None, &[204]),
        "participants_restriction" => Row { id: Id::UnknownSession, ..r(Some(ADMINS), Some(json!({ "restricted": true })), &[404]) },
        "participants_export" => Row { id: Id::UnknownSession, ..r(Some(ADMINS), None, &[404]) },
        "participants_correct" => Row {
            id: Id::UnknownSession,
            ..r(Some(ADMINS), Some(json!({ "name": "Niemand Hier", "email": "niemand@example.org" })), &[404])
        },
        // Offboarding (TOM DEL-1..4): a wrong confirmation, so nothing is ended here.
        "tenant_offboarding_get" => r(Some(ADMINS), None, &[200]),
        "tenant_offboarding_start" => r(Some(&[Who::PrimaryAdmin]), Some(json!({ "confirm_slug": "falsch" })), &[422]),
        "tenant_offboarding_archive" => r(Some(ADMINS), None, &[409]),
        "platform_offboarding_get" => Row { id: Id::Tenant, ..r(Some(&[Who::PlatformAdmin]), None, &[200]) },
        "platform_offboarding_start" => {
            Row { id: Id::Tenant, ..r(Some(&[Who::PlatformAdmin]), Some(json!({ "confirm_slug": "falsch" })), &[422]) }
        }
        "platform_offboarding_certificate" => Row { id: Id::Tenant, ..r(Some(&[Who::PlatformAdmin]), None, &[404]) },
        // Backups (TOM AVAIL-1, AVAIL-2): the status, platform admins only.
        "platform_backups_get" => r(Some(&[Who::PlatformAdmin]), None, &[200]),
        // The platform console (TOM AUTHZ-3): counts only; a bad slug, so nothing is created.
        "platform_tenants_list" | "platform_status_get" => r(Some(&[Who::PlatformAdmin]), None, &[200]),
        // The incident register (TOM BREACH-1, BREACH-2): bad input or an incident nobody opened.
        "platform_incidents_list" => r(Some(&[Who::PlatformAdmin]), None, &[200]),
        "platform_incidents_scope" => r(
            Some(&[Who::PlatformAdmin]),
            Some(json!({ "kind": "alles", "window_from": "2026-01-01T00:00:00Z", "window_to": "2026-01-02T00:00:00Z" })),
            &[422],
        ),
        "platform_incidents_open" => r(Some(&[Who::PlatformAdmin]), Some(crate::fixtures::incident_body("unbekannt", json!([]))), &[422]),
        "platform_incidents_get" | "platform_incidents_export" | "platform_incidents_notice_send" => {
            Row { id: Id::UnknownIncident, ..r(Some(&[Who::PlatformAdmin]), None, &[404]) }
        }
        "platform_incidents_notice_edit" => Row {
            id: Id::UnknownIncident,
            ..r(
                Some(&[Who::PlatformAdmin]),
                Some(json!({ "subject_de": "Betreff", "body_de": "Text", "subject_en": "Subject", "body_en": "Text" })),
                &[404],
            )
        },
        "platform_incidents_update" => Row {
            id: Id::UnknownIncident,
            ..r(Some(&[Who::PlatformAdmin]), Some(json!({ "text_de": "Nachtrag", "text_en": "Update" })), &[404])
        },
        // The TOM evidence report (TOM REVIEW-1): the platform's view for platform admins,
        // the tenant's view for its admins; the exports are signed and audited.
        "platform_toms_get" | "platform_toms_export" => r(Some(&[Who::PlatformAdmin]), None, &[200]),
        "tenant_toms_get" | "tenant_toms_export" => r(Some(ADMINS), None, &[200]),
        "incidents_list" => r(Some(ADMINS), None, &[200]),
        // The sub-processor register (TOM SUB-1): bad input or a change nobody planned.
        "platform_subprocessors_get" | "platform_subprocessors_notice_periods" => r(Some(&[Who::PlatformAdmin]), None, &[200]),
        "platform_subprocessors_plan" => r(Some(&[Who::PlatformAdmin]), Some(json!({ "kind": "alles", "effective_on": "morgen" })), &[422]),
        "platform_subprocessors_notice_period_set" => {
            Row { id: Id::Tenant, ..r(Some(&[Who::PlatformAdmin]), Some(json!({ "notice_days": 7 })), &[422]) }
        }
        "tenant_subprocessors_get" => r(Some(ADMINS), None, &[200]),
        "tenant_subprocessors_object" => Row { id: Id::UnknownSession, ..r(Some(ADMINS), Some(json!({ "reason": "Matrix" })), &[404]) },
        "incidents_acknowledge" => Row { id: Id::UnknownSession, ..r(Some(ADMINS), None, &[404]) },
        "platform_tenants_create" => r(
            Some(&[Who::PlatformAdmin]),
            Some(json!({ "slug": "Kein Slug", "name": "Matrix", "admin_email": "m@matrix.example" })),
            &[422],
        ),
        "portal_booking_cancel" => Row { id: Id::UnknownSession, ..r(None, None, &[401]) },
        "portal_me"
        | "portal_bookings"
        | "portal_export"
        | "portal_request_create"
        | "portal_requests"
        | "portal_unsubscribe"
        | "portal_resubscribe"
        | "portal_logout"
        | "portal_absence_report"
        | "portal_absences" => r(None, Some(json!({})), &[401]),
        "portal_certificate_pdf" => Row { id: Id::UnknownSession, ..r(None, None, &[401]) },
        _ => return None,
    })
}

/// (method, path, operation id) of every operation in the OpenAPI document.
fn operations() -> Vec<(String, String, String)> {
    let doc: Value = serde_json::from_str(&anwesend::http::routes::openapi_json()).expect("openapi");
    let mut ops = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, op) in item.as_object().expect("item") {
            let id = op["operationId"].as_str().expect("every operation has an id").to_owned();
            ops.push((method.to_uppercase(), path.clone(), id));
        }
    }
    ops
}

fn email_of(who: Who) -> &'static str {
    match who {
        Who::Anonymous => "",
        Who::PlatformAdmin => "betrieb@anwesend.example",
        Who::PrimaryAdmin => "leitung@verein-a.example",
        Who::PartnerAdmin => "partner@reseller.example",
        Who::CompanyAdmin => "personal@acme.example",
        Who::Organiser => "orga@verein-a.example",
        Who::Instructor => "trainer@verein-a.example",
    }
}

/// A full session of `who`; the platform admin gives the second factor (TOM ACC-6).
async fn sign_in_as<S, B>(app: &crate::common::TestApp, service: &S, who: Who) -> Client
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    if who == Who::PlatformAdmin {
        return crate::fixtures::sign_in_with_factor(app, service, email_of(who)).await;
    }
    let (status, client, _, _) = login(service, email_of(who), PASSWORD).await;
    assert_eq!(status, StatusCode::OK, "{who:?} signs in");
    client
}

#[actix_web::test]
async fn authz_1_permission_matrix_covers_every_endpoint_role_and_tenant() {
    let app = test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_account_per_minute = 10_000;
        c.rate_limit.sign_in_per_ip_per_minute = 10_000;
        c.rate_limit.mfa_per_account_per_minute = 10_000;
    });
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, email_of(Who::PrimaryAdmin));
    let stranger = admin(&app, &b, "leitung@verein-b.example");
    for scope in [&a, &b] {
        anwesend::accounts::service::grant_by_operator(
            &app.state.db,
            &app.state.master,
            app.state.config.auth.password_hash,
            &app.ctx(),
            scope,
            &sensitive(email_of(Who::PartnerAdmin)),
            PASSWORD,
            MemberRole::PartnerAdmin,
        )
        .expect("partner");
    }
    member(&app, &a, email_of(Who::CompanyAdmin), "company_admin", Some("c-acme"));
    member(&app, &a, email_of(Who::Organiser), "organiser", None);
    let instructor = member(&app, &a, email_of(Who::Instructor), "instructor", None);
    let target = member(&app, &a, "ziel@verein-a.example", "organiser", None);
    crate::fixtures::platform_admin(&app, email_of(Who::PlatformAdmin));
    let service = app.service().await;

    // One invitation in each tenant, made by their admins.
    let mut invitation = Vec::new();
    for email in [email_of(Who::PrimaryAdmin), "leitung@verein-b.example"] {
        let (_, client, _, _) = login(&service, email, PASSWORD).await;
        let (status, _, body) = call(
            &service,
            client
                .request("POST", "/api/v1/invitations")
                .set_json(json!({ "email": format!("gast@{}", email.split('@').nth(1).unwrap_or_default()), "role": "instructor" })),
        )
        .await;
        assert_eq!(status, StatusCode::CREATED, "{}", json_of(&body));
        invitation.push(json_of(&body)["id"].as_str().expect("id").to_owned());
    }

    // One published event with one booking in each tenant, made by their admins.
    let (mut events, mut bookings, mut sessions_of, mut devices) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for (email, slug) in [(email_of(Who::PrimaryAdmin), "verein-a"), ("leitung@verein-b.example", "verein-b")] {
        let (_, client, _, _) = login(&service, email, PASSWORD).await;
        let mut body = matrix_event();
        if slug == "verein-a" {
            body["instructor_ids"] = json!([instructor]);
        } else {
            body["company_id"] = Value::Null;
        }
        let event = crate::fixtures::published_event(&service, &client, body).await;
        let (status, body) = crate::fixtures::book_confirmed(
            &app,
            &service,
            slug,
            &event,
            json!({ "name": "Matrix Person", "email": format!("person@{slug}.example"), "consent": true }),
            "198.51.100.90",
        )
        .await;
        assert_eq!(status, StatusCode::OK, "{body}");
        bookings.push(body["booking_id"].as_str().expect("booking").to_owned());
        let (_, _, detail) = call(&service, client.request("GET", &format!("/api/v1/events/{event}"))).await;
        sessions_of.push(json_of(&detail)["sessions"][0]["id"].as_str().expect("session").to_owned());
        events.push(event);
        let (_, _, location) =
            call(&service, client.request("POST", "/api/v1/locations").set_json(json!({ "name": "Matrix-Halle" }))).await;
        devices.push(crate::fixtures::enrol(&service, &client, json_of(&location)["id"].as_str().expect("location"), "Matrix-Gerät").await);
    }

    let mut sessions = std::collections::HashMap::new();
    for who in SIGNED_IN {
        sessions.insert(*who, sign_in_as(&app, &service, *who).await);
    }

    let mut wrong = Vec::new();
    let ops = operations();
    for (method, path, op) in &ops {
        let Some(row) = row(op) else {
            wrong.push(format!("{method} {path} ({op}) has no row in the permission matrix"));
            continue;
        };
        let variants: Vec<(&str, String)> = match row.id {
            Id::None => vec![("own", path.replace("{kind}", "sign_in_link").replace("{language}", "de"))],
            Id::Account => vec![("own", path.replace("{id}", &target)), ("other tenant", path.replace("{id}", &stranger))],
            Id::Invitation => vec![("own", path.replace("{id}", &invitation[0])), ("other tenant", path.replace("{id}", &invitation[1]))],
            Id::UnknownSession => vec![("own", path.replace("{id}", "0193ffff-0000-7000-8000-000000000000"))],
            Id::Event => {
                let path = path.replace("{participant_id}", "0193ffff-0000-7000-8000-000000000000");
                vec![("own", path.replace("{id}", &events[0])), ("other tenant", path.replace("{id}", &events[1]))]
            }
            Id::Booking => vec![("own", path.replace("{id}", &bookings[0])), ("other tenant", path.replace("{id}", &bookings[1]))],
            Id::PublicEvent => {
                vec![("own", path.replace("{tenant}", "verein-a").replace("{id}", &events[0]).replace("{token}", "unbekannt"))]
            }
            Id::Session => vec![("own", path.replace("{id}", &sessions_of[0])), ("other tenant", path.replace("{id}", &sessions_of[1]))],
            Id::Device => vec![("own", path.replace("{id}", &devices[0].id)), ("other tenant", path.replace("{id}", &devices[1].id))],
            Id::Tenant => vec![("own", path.replace("{id}", a.tenant_id()))],
            Id::UnknownIncident => {
                vec![("own", path.replace("{id}", "0193ffff-0000-7000-8000-000000000000").replace("{tenant}", a.tenant_id()))]
            }
        };
        for who in EVERYONE {
            if row.allowed.is_none() && who != Who::Anonymous {
                continue;
            }
            for (variant, uri) in &variants {
                let client = match who {
                    Who::Anonymous => Client::new(),
                    _ if row.fresh_session => sign_in_as(&app, &service, who).await,
                    _ => Client { cookie: sessions[&who].cookie.clone(), csrf: sessions[&who].csrf.clone() },
                };
                let mut req = client.request(method, uri);
                if let Some(body) = &row.body {
                    let body = match op.as_str() {
                        "tenant_switch" => json!({ "tenant_id": b.tenant_id() }),
                        // The update keeps the instructor, who reads the event in later rows.
                        "events_update" => {
                            let mut body = body.clone();
                            body["instructor_ids"] = json!([instructor]);
                            body
                        }
                        _ => body.clone(),
                    };
                    req = req.set_json(body);
                }
                let (status, _, response) = if op == "kiosk_stream" {
                    // An event stream never ends: the status is the answer.
                    (test::call_service(&service, req.to_request()).await.status(), Default::default(), Vec::new())
                } else {
                    call(&service, req).await
                };
                let status = status.as_u16();
                let expected: Vec<u16> = match (row.allowed, who) {
                    (None, _) => row.ok.to_vec(),
                    (Some(_), Who::Anonymous) => vec![401],
                    (Some(allowed), _) if !allowed.contains(&who) => vec![403],
                    (Some(_), _) if *variant == "other tenant" => vec![404],
                    (Some(_), _) => row.ok.to_vec(),
                };
                if !expected.contains(&status) {
                    wrong.push(format!(
                        "{who:?} {method} {uri} ({variant}): {status}, expected {expected:?}: {}",
                        String::from_utf8_lossy(&response)
                    ));
                }
            }
        }
    }
    assert!(ops.len() >= 35, "the route table has {} operations", ops.len());
    assert!(wrong.is_empty(), "{} wrong answers:\n{}", wrong.len(), wrong.join("\n"));
    // Operation ids the rows rely on keep their names (a renamed one would leave a row unused).
    for op in ["login", "members_set_roles", "tenant_switch", "invitations_revoke"] {
        assert!(ops.iter().any(|(_, _, id)| id == op), "{op} is in the route table");
    }
}

/// One sign-in attempt for `email` from `ip`.
fn attempt(email: &str, password: &str, ip: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .peer_addr(format!("{ip}:40000").parse().expect("addr"))
        .insert_header((header::ORIGIN, ORIGIN))
        .set_json(json!({ "email": email, "password": password }))
}

#[actix_web::test]
async fn acc_4_brute_force_from_one_and_from_rotating_addresses() {
    let app = test_app_with(|c| {
        c.rate_limit.sign_in_per_account_per_minute = 30;
        c.rate_limit.sign_in_per_ip_per_minute = 60;
    });
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &a, "kasse@verein-a.example", "organiser", None);
    let service = app.service().await;
    let failed_checks = || app.db.audit_text().iter().filter(|r| r.contains("auth.sign_in_failed")).count();

    for rotating in [false, true] {
        let started = Instant::now();
        let before = failed_checks();
        let (mut refused, mut retry_after) = (0, 0u64);
        for i in 0..1000u32 {
            let ip = if rotating { format!("10.{}.{}.{}", i / 65536, (i / 256) % 256, i % 256) } else { "198.51.100.66".into() };
            let (status, headers, _) = call(&service, attempt("leitung@verein-a.example", &format!("Rate-Versuch-{i:04}"), &ip)).await;
            match status {
                StatusCode::TOO_MANY_REQUESTS => {
                    refused += 1;
                    retry_after =
                        headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
                }
                StatusCode::UNAUTHORIZED => {}
                other => panic!("attempt {i}: {other}"),
            }
            if i % 100 == 50 {
                // Meanwhile another member signs in from elsewhere and works.
                let (status, _, _) = call(&service, attempt("kasse@verein-a.example", PASSWORD, "192.0.2.200")).await;
                assert_eq!(status, StatusCode::OK, "another user is served during the attack");
            }
        }
        let checked = failed_checks() - before;
        // The burst (30) plus what refills while the loop runs (one every 2 s).
        let allowed = 30 + started.elapsed().as_secs() as usize / 2 + 2;
        assert!(checked <= allowed, "rotating={rotating}: {checked} passwords were checked, at most {allowed} may be");
        assert!(refused >= 1000 - allowed, "rotating={rotating}: only {refused} refused");
        assert!((1..=60).contains(&retry_after), "{retry_after}");

        // After the window (as Retry-After tells it) the right password works again.
        let mut status = StatusCode::TOO_MANY_REQUESTS;
        for _ in 0..3 {
            std::thread::sleep(std::time::Duration::from_secs(retry_after));
            let (answer, headers, _) = call(&service, attempt("leitung@verein-a.example", PASSWORD, "198.51.100.67")).await;
            status = answer;
            if status != StatusCode::TOO_MANY_REQUESTS {
                break;
            }
            retry_after = headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
        }
        assert_eq!(status, StatusCode::OK, "rotating={rotating}: the right password works after the window");
    }
}
