//! The API contract as the OpenAPI document states it (issue 15, from the fuzzing run):
//! times are RFC 3339 with an offset, a method a path does not answer is a 405 with
//! `Allow`, and every operation lists the statuses it can give (TOM PRIV-5).

use std::collections::BTreeSet;

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::http::routes::ApiDoc;
use anwesend_protocol as protocol;
use serde_json::{json, Value};
use utoipa::OpenApi;

use crate::common::test_app;
use crate::fixtures::{bind_card, call, enrol, outbox_mail, public, sign_in, signed, tap_body, venue, Client, ORIGIN};

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Every documented path with the methods it lists.
fn documented() -> Vec<(String, BTreeSet<String>)> {
    let doc: Value = serde_json::from_str(&ApiDoc::openapi().to_json().expect("json")).expect("document");
    doc["paths"]
        .as_object()
        .expect("paths")
        .iter()
        .map(|(path, item)| {
            let methods = item.as_object().expect("item").keys().map(|m| m.to_uppercase()).filter(|m| METHODS.contains(&m.as_str()));
            (path.clone(), methods.collect())
        })
        .collect()
}

fn template_matches(template: &str, uri: &str) -> bool {
    let (t, u): (Vec<&str>, Vec<&str>) = (template.split('/').collect(), uri.split('/').collect());
    t.len() == u.len() && t.iter().zip(&u).all(|(t, u)| t == u || t.starts_with('{'))
}

fn request(method: &str, uri: &str) -> test::TestRequest {
    let method = actix_web::http::Method::from_bytes(method.as_bytes()).expect("method");
    test::TestRequest::default().method(method).uri(uri).insert_header((header::ORIGIN, ORIGIN))
}

#[actix_web::test]
async fn priv_5_unsupported_methods_answer_405_with_allow() {
    let app = test_app();
    let service = app.service().await;
    let mut checked = 0;
    let table = documented();
    for (path, _) in &table {
        let uri = path.split('/').map(|s| if s.starts_with('{') { "x1" } else { s }).collect::<Vec<_>>().join("/");
        // A literal segment may also be a parameter of another path (`/devices/{id}` and
        // `/devices/enrolment-codes`): the server routes the methods of both, but `Allow` names
        // the documented path's own, as OpenAPI matches a literal before a template.
        let matching: Vec<&(String, BTreeSet<String>)> = table.iter().filter(|(t, _)| template_matches(t, &uri)).collect();
        let routed: BTreeSet<String> = matching.iter().flat_map(|(_, m)| m.clone()).collect();
        let literals = |t: &str| t.split('/').filter(|s| !s.starts_with('{')).count();
        let most_specific = matching.iter().map(|(t, _)| literals(t)).max().expect("the path itself matches");
        let methods: BTreeSet<String> =
            matching.iter().filter(|(t, _)| literals(t) == most_specific).flat_map(|(_, m)| m.clone()).collect();
        for method in METHODS.iter().filter(|m| !routed.contains(**m)) {
            let (status, headers, body) = call(&service, request(method, &uri)).await;
            assert_eq!(status, StatusCode::METHOD_NOT_ALLOWED, "{method} {path}: {}", String::from_utf8_lossy(&body));
            let allow: BTreeSet<String> = headers
                .get(header::ALLOW)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .split(',')
                .map(|m| m.trim().to_owned())
                .filter(|m| !m.is_empty())
                .collect();
            assert_eq!(allow, methods, "{method} {path}: Allow");
            assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{path}");
            let problem: Value = serde_json::from_slice(&body).expect("problem");
            assert_eq!((problem["status"].as_u64(), problem["code"].as_str()), (Some(405), Some("method_not_allowed")), "{path}");
            checked += 1;
        }
    }
    assert!(checked > 200, "{checked}");
    // Unknown paths stay 404, as problem+json, whatever the method.
    for (method, uri) in [("GET", "/api/v1/gibt-es-nicht"), ("DELETE", "/api/v1/events/x1/unbekannt"), ("POST", "/api/v1")] {
        let (status, headers, body) = call(&service, request(method, uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{method} {uri}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{uri}");
        assert_eq!(serde_json::from_slice::<Value>(&body).expect("problem")["code"], "not_found", "{uri}");
    }
}

/// `2026-12-02T19:34:06…`: a string that is meant as a point in time.
fn looks_like_time(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() >= 16
        && b[..4].iter().all(u8::is_ascii_digit)
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b'T' || b[10] == b' ')
        && b[11..13].iter().all(u8::is_ascii_digit)
        && b[13] == b':'
}

/// Checks every time in `value`; answers how many it saw. An IP hash key's id names its
/// period (`2026-11-23T00:00Z`): an identifier, not a time field.
fn times_in(what: &str, value: &Value) -> usize {
    match value {
        _ if what.ends_with("key_id") => 0,
        Value::String(s) if looks_like_time(s) => {
            assert!(chrono::DateTime::parse_from_rfc3339(s).is_ok(), "{what}: `{s}` is not RFC 3339 with an offset");
            1
        }
        Value::Array(items) => items.iter().map(|v| times_in(what, v)).sum(),
        Value::Object(fields) => fields.iter().map(|(k, v)| times_in(&format!("{what}.{k}"), v)).sum(),
        _ => 0,
    }
}

/// The times of a CSV file, cell by cell.
fn times_in_csv(what: &str, bytes: &[u8]) -> usize {
    let text = String::from_utf8_lossy(bytes);
    let mut reader = csv::ReaderBuilder::new().comment(Some(b'#')).from_reader(text.trim_start_matches('\u{feff}').as_bytes());
    let header: Vec<String> = reader.headers().expect("header").iter().map(|h| format!("{what}.{h}")).collect();
    reader
        .records()
        .map(|r| r.expect("csv").iter().zip(&header).map(|(cell, column)| times_in(column, &Value::String(cell.to_owned()))).sum::<usize>())
        .sum()
}

#[actix_web::test]
async fn priv_5_every_timestamp_in_answers_carries_an_offset() {
    let app = test_app();
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Muster", "anna@example.org")).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04A1B2C3D4E5F6").await;
    let (status, _, tap) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", "04A1B2C3D4E5F6"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&tap));
    let (status, _, _) = call(&service, v.staff.request("POST", "/api/v1/companies").set_json(json!({ "name": "Firma Nord" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let invite = json!({ "email": "neu@verein-a.example", "role": "organiser" });
    assert_eq!(call(&service, v.staff.request("POST", "/api/v1/invitations").set_json(invite)).await.0, StatusCode::CREATED);

    // The person signs in to the portal and asks a question about their data.
    let (status, _, _) = call(
        &service,
        public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.6").set_json(json!({ "email": "anna@example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::ACCEPTED);
    // The link is mailed after the answer (same timing for known and unknown addresses).
    let mut mail = None;
    for _ in 0..600 {
        mail = outbox_mail(&app, "verein-a", "anna@example.org", "magic_link");
        if mail.is_some() {
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let mail = mail.expect("the sign-in link is mailed");
    let token = mail.text.split_whitespace().find_map(|w| w.split_once("token=")).map(|(_, t)| t.to_owned()).expect("token");
    let (status, _, session) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link/redeem", "198.51.100.6").set_json(json!({ "token": token })))
            .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&session));
    let session: Value = serde_json::from_slice(&session).expect("session");
    let mut seen = times_in("magic-link/redeem", &session);
    let bearer = format!("Bearer {}", session["token"].as_str().expect("token"));
    let portal = |method: &str, uri: &str| Client::new().request(method, uri).insert_header((header::AUTHORIZATION, bearer.as_str()));
    let (status, _, _) = call(&service, portal("POST", "/api/v1/portal/requests").set_json(json!({ "kind": "access" }))).await;
    assert_eq!(status, StatusCode::CREATED);

    // Every GET of the document, as the tenant admin and as the person.
    let id_of = |path: &str| match path {
        p if p.starts_with("/api/v1/events/") || p.starts_with("/api/v1/public/") => v.event.clone(),
        p if p.starts_with("/api/v1/event-sessions/") => v.session.clone(),
        p if p.starts_with("/api/v1/participants/") => v.participant.clone(),
        _ => a.tenant_id().to_owned(),
    };
    let mut uris: Vec<String> = documented()
        .into_iter()
        .filter(|(path, methods)| methods.contains("GET") && path != "/api/v1/kiosk/stream")
        .map(|(path, _)| {
            path.split('/')
                .map(|s| match s {
                    "{tenant}" => "verein-a".to_owned(),
                    s if s.starts_with('{') => id_of(&path),
                    s => s.to_owned(),
                })
                .collect::<Vec<_>>()
                .join("/")
        })
        .collect();
    uris.extend(["/api/v1/audit/export?format=json".to_owned(), "/api/v1/deletion-log/export?format=json".to_owned()]);
    // Times in queries are read as they are written: with `Z`, an offset, or (UTC) none.
    for query in ["2026-01-01T00:00:00Z", "2026-01-01T01:00:00%2B01:00", "2026-01-01T00:00:00"] {
        for path in ["/api/v1/audit", "/api/v1/deletion-log"] {
            let (status, _, body) = call(&service, v.staff.request("GET", &format!("{path}?from={query}"))).await;
            assert_eq!(status, StatusCode::OK, "{path}?from={query}: {}", String::from_utf8_lossy(&body));
        }
    }
    let mut answered = 0;
    for uri in &uris {
        let req = if uri.starts_with("/api/v1/portal/") { portal("GET", uri) } else { v.staff.request("GET", uri) };
        let (status, headers, body) = call(&service, req).await;
        if status != StatusCode::OK {
            continue;
        }
        answered += 1;
        let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
        seen += if content_type.starts_with("text/csv") {
            times_in_csv(uri, &body)
        } else {
            let text = String::from_utf8_lossy(&body);
            serde_json::from_str::<Value>(text.trim_end()).map(|value| times_in(uri, &value)).unwrap_or(0)
        };
    }
    assert!(answered > 25, "{answered} of {} answered", uris.len());
    assert!(seen > 50, "only {seen} times seen");
}

/// Every operation: method, path, the statuses it lists, whether it takes a body.
fn operations() -> Vec<(String, String, BTreeSet<u16>, bool)> {
    let doc: Value = serde_json::from_str(&ApiDoc::openapi().to_json().expect("json")).expect("document");
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (method, operation) in item.as_object().expect("item") {
            let Some(responses) = operation["responses"].as_object() else { continue };
            let statuses = responses.keys().filter_map(|s| s.parse().ok()).collect();
            out.push((method.to_uppercase(), path.clone(), statuses, operation.get("requestBody").is_some()));
        }
    }
    out
}

#[actix_web::test]
async fn priv_5_documented_statuses_cover_malformed_oversized_and_unauthenticated_requests() {
    let app = test_app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let admin = sign_in(&service, "leitung@verein-a.example").await;
    let oversized = format!("{{\"x\":\"{}\"}}", "a".repeat(app.state.config.json_body_limit + 1));
    let mut checked = 0;
    for (method, path, statuses, body) in operations() {
        let uri = path
            .split('/')
            .map(|s| match s {
                "{tenant}" => "verein-a",
                s if s.starts_with('{') => "x1",
                s => s,
            })
            .collect::<Vec<_>>()
            .join("/");
        let mut requests = vec![("without a session", request(&method, &uri))];
        if body {
            let as_admin = || {
                let req = admin.request(&method, &uri);
                // `Client::request` builds GET for methods it does not know.
                req.method(actix_web::http::Method::from_bytes(method.as_bytes()).expect("method"))
            };
            requests.push(("malformed JSON", as_admin().insert_header((header::CONTENT_TYPE, "application/json")).set_payload("{")));
            requests
                .push(("oversized", as_admin().insert_header((header::CONTENT_TYPE, "application/json")).set_payload(oversized.clone())));
            requests.push(("another media type", as_admin().insert_header((header::CONTENT_TYPE, "text/plain")).set_payload("{}")));
            // Every documented body is an object; serde alone would fill a struct from an array.
            requests.push(("an array, not an object", as_admin().set_json(json!([""]))));
        }
        for (what, req) in requests {
            let (status, _, answer) = call(&service, req).await;
            assert!(
                what == "without a session" || status.is_client_error(),
                "{method} {path} {what}: {status} is not a refusal: {}",
                String::from_utf8_lossy(&answer)
            );
            assert!(
                statuses.contains(&status.as_u16()),
                "{method} {path} {what}: {status} is not listed ({statuses:?}): {}",
                String::from_utf8_lossy(&answer)
            );
            checked += 1;
        }
    }
    assert!(checked > 100, "{checked}");
}

/// The property names of a request body schema, `$ref`s and `allOf`/`oneOf`/`anyOf`
/// followed through the document's components.
fn body_fields(doc: &Value, schema: &Value, into: &mut BTreeSet<String>) {
    if let Some(name) = schema["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/schemas/")) {
        return body_fields(doc, &doc["components"]["schemas"][name], into);
    }
    for key in ["allOf", "oneOf", "anyOf"] {
        for part in schema[key].as_array().into_iter().flatten() {
            body_fields(doc, part, into);
        }
    }
    for (name, property) in schema["properties"].as_object().into_iter().flatten() {
        into.insert(name.to_lowercase());
        body_fields(doc, property, into);
    }
    if schema["items"].is_object() {
        body_fields(doc, &schema["items"], into);
    }
}

/// The fields of every request body (any media type) of the paths `include` accepts.
fn request_fields(doc: &Value, include: impl Fn(&str) -> bool) -> BTreeSet<String> {
    let mut fields = BTreeSet::new();
    for (_, item) in doc["paths"].as_object().expect("paths").iter().filter(|(p, _)| include(p)) {
        for operation in item.as_object().expect("item").values() {
            for media in operation["requestBody"]["content"].as_object().into_iter().flatten().map(|(_, m)| m) {
                body_fields(doc, &media["schema"], &mut fields);
            }
        }
    }
    fields
}

/// TOM PRIV-3: participants sign in without a password, so they keep nothing but their
/// mailbox. No operation of the public pages or the participant portal takes a password,
/// PIN or other secret of the participant's making. The sign-in by link itself is proven
/// by `bookings::acc_2_magic_links_are_single_use_short_lived_tenant_bound_and_never_audited`.
#[::core::prelude::v1::test]
fn priv_3_participants_have_no_password_to_keep() {
    let doc: Value = serde_json::from_str(&ApiDoc::openapi().to_json().expect("json")).expect("document");
    let secret = |fields: &BTreeSet<String>| -> Vec<String> {
        fields.iter().filter(|f| f.split('_').any(|w| ["password", "passphrase", "pin", "secret"].contains(&w))).cloned().collect()
    };
    // Staff sign in with a password (directly or through their tenant's directory on the
    // public SSO paths): the walk finds those, so it would find a participant's too.
    let staff = request_fields(&doc, |p| p == "/api/v1/auth/login" || p.contains("/sso/{provider}/ldap"));
    assert!(secret(&staff).contains(&"password".to_owned()), "{staff:?}");

    let participant =
        |p: &str| (p.starts_with("/api/v1/public/") || p.starts_with("/api/v1/portal/")) && !p.contains("/sso") && !p.contains("/saml");
    let fields = request_fields(&doc, participant);
    assert!(fields.contains("email") && fields.contains("token"), "booking and sign-in by link are walked: {fields:?}");
    assert_eq!(secret(&fields), Vec::<String>::new(), "participant operations that take a secret");
}
