//! Signed documents (issue 21; TOM INPUT-4, SEP-3, PRIV-5): attendance lists and
//! certificates of attendance as PDF with the platform's signature over their canonical
//! JSON and their bytes; one changed byte fails, another key fails; certificates count
//! hours and absences right in every tenant's time zone; the documents follow the lists'
//! scopes; the CLI checks them offline.

use actix_web::http::{header, StatusCode};
use anwesend::clock::Clock;
use anwesend::crypto::{canonical_json, MasterKey, MasterKeyOrigin, PlatformSigner};
use anwesend::documents::signed::{self, DocumentError};
use anwesend_protocol as protocol;
use base64::Engine;
use chrono::NaiveDateTime;
use serde_json::{json, Value};

use crate::common::{test_app_with, MailSink, TestApp};
use crate::fixtures::{
    bind_card, book_confirmed, call, count, enrol, json_of, login, mailed_link, member, public, published_event, signed, tap_body, venue,
    Client, PASSWORD,
};

fn app(sink: Option<&MailSink>) -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        if let Some(sink) = sink {
            sink.configure(c);
        }
    })
}

fn signer(app: &TestApp) -> PlatformSigner {
    PlatformSigner::from_master(&app.state.master).expect("signer")
}

fn strokes() -> Value {
    json!({ "strokes": [[101.25, 202.5, 303.75, 304.0, 405.0, 306.5], [600.0, 100.0, 650.0, 150.0]] })
}

async fn get<S, B>(service: &S, client: &Client, uri: &str) -> (StatusCode, Vec<u8>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, headers, body) = call(service, client.request("GET", uri)).await;
    if status == StatusCode::OK {
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/pdf"));
    }
    (status, body)
}

/// The embedded document, checked with the platform's key.
fn verified(app: &TestApp, pdf: &[u8]) -> Value {
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    signed::verify(pdf, &signer(app)).expect("valid").document
}

/// Keeps a PDF as a test artifact where `ANWESEND_TEST_ARTIFACTS` names a folder.
fn keep(name: &str, pdf: &[u8]) {
    if let Ok(dir) = std::env::var("ANWESEND_TEST_ARTIFACTS") {
        let _ = std::fs::create_dir_all(&dir);
        let _ = std::fs::write(std::path::Path::new(&dir).join(name), pdf);
    }
}

/// Turns signatures on for `event`; its first session's id.
async fn require_signature<S, B>(service: &S, staff: &Client, event: &str) -> String
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (_, _, body) = call(service, staff.request("GET", &format!("/api/v1/events/{event}"))).await;
    let e = json_of(&body);
    let input = json!({
        "kind": e["kind"], "title": e["title"], "description": e["description"], "location_id": e["location_id"],
        "company_id": e["company_id"], "capacity": e["capacity"], "waiting_list": e["waiting_list"], "fields": e["fields"],
        "sessions": e["sessions"].as_array().expect("sessions").iter().map(|s| json!({ "starts_at": s["starts_at"], "ends_at": s["ends_at"] })).collect::<Vec<_>>(),
        "instructor_ids": e["instructor_ids"], "signature_required": true,
    });
    let (status, _, body) = call(service, staff.request("PUT", &format!("/api/v1/events/{event}")).set_json(input)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    json_of(&body)["sessions"][0]["id"].as_str().expect("session").to_owned()
}

/// Books `email` on `event` of tenant `slug`: (booking, participant).
async fn booked<S, B>(app: &TestApp, service: &S, staff: &Client, slug: &str, event: &str, name: &str, email: &str) -> (String, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, answer) =
        book_confirmed(app, service, slug, event, json!({ "name": name, "email": email, "consent": true }), "198.51.100.7").await;
    assert_eq!(status, StatusCode::OK, "{answer}");
    let booking = answer["booking_id"].as_str().expect("booking").to_owned();
    let (_, _, list) = call(service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let participant = json_of(&list)
        .as_array()
        .expect("bookings")
        .iter()
        .find(|b| b["id"] == booking.as_str())
        .and_then(|b| b["participant_id"].as_str())
        .expect("participant")
        .to_owned();
    (booking, participant)
}

/// A published course with these sessions (UTC) and one more a week ahead; the session
/// ids in the order given.
async fn course<S, B>(app: &TestApp, service: &S, staff: &Client, title: &str, sessions: &[(&str, &str)]) -> (String, Vec<String>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let ahead = app.clock.now().naive_utc() + chrono::Duration::days(7);
    let ahead = ahead.format("%Y-%m-%dT%H:%M:%S").to_string();
    let ahead_end =
        (app.clock.now().naive_utc() + chrono::Duration::days(7) + chrono::Duration::hours(1)).format("%Y-%m-%dT%H:%M:%S").to_string();
    let mut all: Vec<Value> = sessions.iter().map(|(s, e)| json!({ "starts_at": s, "ends_at": e })).collect();
    all.push(json!({ "starts_at": ahead, "ends_at": ahead_end }));
    let body = json!({ "kind": "course", "title": title, "capacity": 20, "waiting_list": false, "sessions": all });
    let event = published_event(service, staff, body).await;
    let (_, _, detail) = call(service, staff.request("GET", &format!("/api/v1/events/{event}"))).await;
    let detail = json_of(&detail);
    let ids = sessions
        .iter()
        .map(|(s, _)| {
            let start = NaiveDateTime::parse_from_str(s, "%Y-%m-%dT%H:%M:%S").expect("start");
            detail["sessions"]
                .as_array()
                .expect("sessions")
                .iter()
                .find(|x| {
                    let t = x["starts_at"].as_str().unwrap_or_default();
                    chrono::DateTime::parse_from_rfc3339(t).map(|d| d.naive_utc()) == Ok(start)
                        || NaiveDateTime::parse_from_str(t.trim_end_matches('Z'), "%Y-%m-%dT%H:%M:%S") == Ok(start)
                })
                .and_then(|x| x["id"].as_str())
                .expect("session id")
                .to_owned()
        })
        .collect();
    (event, ids)
}

async fn check_in_at<S, B>(service: &S, staff: &Client, session: &str, booking: &str, at: &str)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let body = json!({ "session_id": session, "booking_id": booking, "kind": "check_in", "occurred_at": at });
    let (status, _, answer) = call(service, staff.request("POST", "/api/v1/attendance").set_json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&answer));
}

async fn set_zone<S, B>(service: &S, staff: &Client, zone: &str)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let body = json!({ "time_zone": zone, "public_list_enabled": false, "embed_origins": [] });
    let (status, _, answer) = call(service, staff.request("PUT", "/api/v1/tenant/public-pages").set_json(body)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
}

fn issued(app: &TestApp) -> Vec<(String, String)> {
    use anwesend::db::schema::audit_entries::dsl as a;
    use diesel::prelude::*;
    let rows: Vec<(Option<String>, String)> = a::audit_entries
        .filter(a::action.eq("document.issued"))
        .select((a::target_id, a::detail))
        .load(&mut app.db.inspect())
        .expect("audit");
    rows.into_iter().map(|(t, d)| (t.unwrap_or_default(), d)).collect()
}

/// Flips one bit of byte `i`.
fn flipped(bytes: &[u8], i: usize) -> Vec<u8> {
    let mut out = bytes.to_vec();
    out[i] ^= 0x01;
    out
}

/// The file with its embedded JSON edited by `edit` and the line rebuilt (a forger's try).
fn edited_json(bytes: &[u8], edit: impl Fn(&str) -> String) -> Vec<u8> {
    let (body, text) = signed::split(bytes).expect("split");
    let mut out = body.to_vec();
    out.extend_from_slice(signed::MARKER);
    out.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(edit(&text)).as_bytes());
    out.push(b'\n');
    out
}

#[actix_web::test]
async fn input_4_signed_attendance_list_verifies_and_one_changed_byte_fails() {
    let app = app(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let mut v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    v.session = require_signature(&service, &v.staff, &v.event).await;
    // Anna taps her card; Jürgen is checked in by hand; both sign.
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    bind_card(&app, &service, &v.staff, &device, &v.participant, "04C0FFEE123456").await;
    let (_, _, answer) = call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-1", "04C0FFEE123456"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let (booking, _) = booked(&app, &service, &v.staff, "verein-a", &v.event, "Jürgen Groß", "juergen@example.org").await;
    let now = app.clock.now().naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string();
    check_in_at(&service, &v.staff, &v.session, &booking, &now).await;
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", v.session))).await;
    for a in json_of(&list)["attendees"].as_array().expect("attendees") {
        let id = a["check_in_id"].as_str().expect("check-in");
        let (status, _, body) =
            call(&service, v.staff.request("POST", &format!("/api/v1/attendance/{id}/signature")).set_json(strokes())).await;
        assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    }
    let uri = format!("/api/v1/event-sessions/{}/attendance-list.pdf", v.session);

    // Not closed yet: it downloads, and says so.
    let (status, open) = get(&service, &v.staff, &uri).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&open));
    let doc = verified(&app, &open);
    assert_eq!((doc["closed"].as_bool(), doc["closing"].is_null()), (Some(false), true));

    let (status, _, body) =
        call(&service, v.staff.request("POST", &format!("/api/v1/event-sessions/{}/close", v.session)).set_json(strokes())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (status, pdf) = get(&service, &v.staff, &uri).await;
    assert_eq!(status, StatusCode::OK);
    keep("attendance-list.pdf", &pdf);
    keep("attendance-list-open.pdf", &open);
    let v1 = signed::verify(&pdf, &signer(&app)).expect("valid");
    let doc = v1.document.clone();
    assert_eq!(doc["kind"], "attendance_list");
    assert_eq!(doc["event"]["title"], "Abendkurs");
    assert_eq!(doc["location"], "Halle Nord");
    assert_eq!(doc["time_zone"], "Europe/Berlin");
    assert_eq!(doc["session"]["starts_at"], "2026-11-23T10:25:00+01:00", "{doc}");
    assert_eq!(doc["closed"], true);
    assert_eq!(doc["closing"]["closed_by"], "leitung@verein-a.example");
    assert_eq!(doc["closing"]["signature"]["strokes"][1], json!([6000, 1000, 6500, 1500]));
    let people = doc["attendees"].as_array().expect("attendees");
    let by_name = |n: &str| people.iter().find(|a| a["name"] == n).cloned().expect(n);
    assert_eq!(by_name("Anna Beispiel")["source"], "card");
    assert_eq!(by_name("Jürgen Groß")["source"], "manual");
    for a in people {
        assert_eq!(a["status"], "present");
        assert_eq!(a["signature"]["strokes"][0], json!([1013, 2025, 3038, 3040, 4050, 3065]), "{a}");
    }
    // Deterministic: the same content gives the same bytes.
    let (_, again) = get(&service, &v.staff, &uri).await;
    assert_eq!(again, pdf, "same content, same file");

    // One changed byte in the pages, in the embedded JSON, in the signature line: refused.
    let (body, _) = signed::split(&pdf).expect("split");
    let body_len = body.len();
    for i in [0, 9, body_len / 3, body_len / 2, body_len - 7, body_len - 1] {
        assert!(
            matches!(signed::verify(&flipped(&pdf, i), &signer(&app)), Err(DocumentError::Changed(_) | DocumentError::NotADocument(_))),
            "byte {i}"
        );
    }
    for i in (body_len..pdf.len()).step_by(97) {
        assert!(signed::verify(&flipped(&pdf, i), &signer(&app)).is_err(), "byte {i} of the signature line");
    }
    let forged = edited_json(&pdf, |t| t.replacen("Jürgen Groß", "Jürgen Gross", 1));
    assert!(matches!(signed::verify(&forged, &signer(&app)), Err(DocumentError::Changed(_))));
    let forged = edited_json(&pdf, |t| t.replacen("\"closed\":true", "\"closed\":true ", 1));
    assert!(matches!(signed::verify(&forged, &signer(&app)), Err(DocumentError::Changed(_))));
    // Signed by another key: refused, also when that key re-signs the whole file.
    let other = PlatformSigner::from_master(&MasterKey::generate(MasterKeyOrigin::Operator)).expect("other");
    assert!(matches!(signed::verify(&pdf, &other), Err(DocumentError::UnknownKey(_))));
    let resigned = signed::seal(body.to_vec(), &doc, &other);
    assert!(signed::verify(&resigned, &other).is_ok());
    assert!(matches!(signed::verify(&resigned, &signer(&app)), Err(DocumentError::UnknownKey(_))));

    // Every download audited: kind, key id and code, no names.
    let entries = issued(&app);
    assert_eq!(entries.len(), 3);
    for (target, details) in &entries {
        assert_eq!(target, &v.session);
        assert!(details.contains("attendance_list") && details.contains(signer(&app).key_id()), "{details}");
        assert!(!details.contains("Anna") && !details.contains("Jürgen"), "{details}");
    }
    assert!(entries.iter().any(|(_, d)| d.contains(&v1.code)));
}

#[actix_web::test]
async fn input_4_certificate_counts_hours_and_absences_across_time_zones() {
    let app = app(None);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let service = app.service().await;
    let (_, berlin, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (_, new_york, _, _) = login(&service, "leitung@verein-b.example", PASSWORD).await;
    set_zone(&service, &new_york, "America/New_York").await;

    // Berlin: across the spring change (00:30 CET – 04:30 CEST = 3 h), across the autumn
    // change (00:00 CEST – 03:00 CET = 4 h), one excused and one unexcused absence.
    let (event_a, s) = course(
        &app,
        &service,
        &berlin,
        "Nachtkurs",
        &[
            ("2026-03-28T23:30:00", "2026-03-29T02:30:00"),
            ("2026-10-24T22:00:00", "2026-10-25T02:00:00"),
            ("2026-11-02T17:00:00", "2026-11-02T18:30:00"),
            ("2026-11-09T17:00:00", "2026-11-09T18:30:00"),
        ],
    )
    .await;
    let (booking, anna) = booked(&app, &service, &berlin, "verein-a", &event_a, "Anna Zeitzone", "anna.tz@example.org").await;
    check_in_at(&service, &berlin, &s[0], &booking, "2026-03-28T23:30:00").await;
    check_in_at(&service, &berlin, &s[1], &booking, "2026-10-24T22:00:00").await;
    let (status, _, body) = call(
        &service,
        berlin
            .request("PUT", &format!("/api/v1/event-sessions/{}/absences", s[2]))
            .set_json(json!({ "booking_id": booking, "excused": true, "reason": "ill" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));

    let (status, pdf) = get(&service, &berlin, &format!("/api/v1/events/{event_a}/participants/{anna}/certificate.pdf")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    keep("certificate-de.pdf", &pdf);
    let doc = verified(&app, &pdf);
    assert_eq!((doc["kind"].as_str(), doc["lang"].as_str()), (Some("certificate"), Some("de")));
    assert_eq!(doc["participant"]["name"], "Anna Zeitzone");
    assert!(doc["tenant"]["name"].as_str().is_some_and(|n| !n.is_empty()), "issued by the tenant");
    assert_eq!((doc["sessions_attended"].as_i64(), doc["minutes_attended"].as_i64()), (Some(2), Some(180 + 240)), "{doc}");
    assert_eq!(doc["absences"], json!({ "excused": 1, "unexcused": 1 }));
    assert_eq!(doc["sessions"].as_array().map(Vec::len), Some(4), "the session ahead is not counted");
    assert_eq!(doc["sessions"][0]["starts_at"], "2026-03-29T00:30:00+01:00");
    assert_eq!(doc["sessions"][0]["ends_at"], "2026-03-29T04:30:00+02:00");
    assert_eq!(doc["sessions"][1]["starts_at"], "2026-10-25T00:00:00+02:00");
    assert_eq!(doc["sessions"][1]["ends_at"], "2026-10-25T03:00:00+01:00");
    assert_eq!(doc["issued_on"], "2026-11-23");
    let (status, en) = get(&service, &berlin, &format!("/api/v1/events/{event_a}/participants/{anna}/certificate.pdf?lang=en")).await;
    assert_eq!(status, StatusCode::OK);
    keep("certificate-en.pdf", &en);
    let en = verified(&app, &en);
    assert_eq!((en["lang"].as_str(), en["minutes_attended"].as_i64()), (Some("en"), Some(420)));

    // New York: across the autumn change (00:30 EDT – 02:30 EST = 3 h) and across
    // midnight (23:00 – 01:00 = 2 h); dates as New York reads them.
    let (event_b, t) = course(
        &app,
        &service,
        &new_york,
        "Night class",
        &[("2026-11-01T04:30:00", "2026-11-01T07:30:00"), ("2026-06-10T03:00:00", "2026-06-10T05:00:00")],
    )
    .await;
    let (booking_b, bob) = booked(&app, &service, &new_york, "verein-b", &event_b, "Bob Timezone", "bob.tz@example.org").await;
    check_in_at(&service, &new_york, &t[0], &booking_b, "2026-11-01T04:30:00").await;
    check_in_at(&service, &new_york, &t[1], &booking_b, "2026-06-10T03:00:00").await;
    let (status, pdf) = get(&service, &new_york, &format!("/api/v1/events/{event_b}/participants/{bob}/certificate.pdf?lang=en")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    let doc = verified(&app, &pdf);
    assert_eq!(doc["time_zone"], "America/New_York");
    assert_eq!((doc["sessions_attended"].as_i64(), doc["minutes_attended"].as_i64()), (Some(2), Some(180 + 120)), "{doc}");
    assert_eq!(doc["absences"], json!({ "excused": 0, "unexcused": 0 }));
    assert_eq!(doc["sessions"][0]["starts_at"], "2026-06-09T23:00:00-04:00", "oldest first, the evening before in New York");
    assert_eq!(doc["sessions"][1]["starts_at"], "2026-11-01T00:30:00-04:00");
    assert_eq!(doc["sessions"][1]["ends_at"], "2026-11-01T02:30:00-05:00");
    assert_eq!(doc["issued_on"], "2026-11-23");
    assert_eq!(doc["issued_at"], "2026-11-23T04:30:00-05:00");
}

#[actix_web::test]
async fn sep_3_documents_follow_the_lists_scope_and_the_portal_gives_only_ones_own() {
    let sink = MailSink::start();
    let app = app(Some(&sink));
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &scope, "trainer@verein-a.example", "instructor", None);
    app.tenant_with_admin("verein-b", "leitung@verein-b.example");
    let service = app.service().await;
    let (_, staff, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (event, s) = course(&app, &service, &staff, "Sprachkurs", &[("2026-11-16T17:00:00", "2026-11-16T18:00:00")]).await;
    let (other_event, _) = course(&app, &service, &staff, "Anderer Kurs", &[("2026-11-17T17:00:00", "2026-11-17T18:00:00")]).await;
    let email = "clara.portal@example.org";
    let (booking, clara) = booked(&app, &service, &staff, "verein-a", &event, "Clara Portal", email).await;
    let (_, dora) = booked(&app, &service, &staff, "verein-a", &other_event, "Dora Anders", "dora@example.org").await;
    check_in_at(&service, &staff, &s[0], &booking, "2026-11-16T17:00:00").await;
    let list = format!("/api/v1/event-sessions/{}/attendance-list.pdf", s[0]);
    let certificate = format!("/api/v1/events/{event}/participants/{clara}/certificate.pdf");

    // An instructor who does not teach the course, and another tenant's admin: not found.
    let (_, trainer, _, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    let (_, stranger, _, _) = login(&service, "leitung@verein-b.example", PASSWORD).await;
    for who in [&trainer, &stranger] {
        for uri in [&list, &certificate] {
            let (status, body) = get(&service, who, uri).await;
            assert_eq!(status, StatusCode::NOT_FOUND, "{uri}: {}", String::from_utf8_lossy(&body));
        }
    }
    // A person not booked on the event has no certificate of it.
    let (status, _) = get(&service, &staff, &format!("/api/v1/events/{event}/participants/{dora}/certificate.pdf")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert!(issued(&app).is_empty(), "refusals issue nothing");

    // The participant: their own certificate of their event, nothing else.
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    call(&service, public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.31").set_json(json!({ "email": email }))).await;
    let token = mailed_link(&app, &sink, email, "login?token=").rsplit_once("token=").expect("token").1.to_owned();
    let (_, _, session) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link/redeem", "198.51.100.31").set_json(json!({ "token": token })))
            .await;
    let bearer = json_of(&session)["token"].as_str().expect("session").to_owned();
    let portal = |uri: &str| public("GET", uri, "198.51.100.31").insert_header((header::AUTHORIZATION, format!("Bearer {bearer}")));
    let (status, _, pdf) = call(&service, portal(&format!("/api/v1/portal/events/{event}/certificate.pdf?lang=en"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    let doc = verified(&app, &pdf);
    assert_eq!((doc["participant"]["name"].as_str(), doc["sessions_attended"].as_i64()), (Some("Clara Portal"), Some(1)));
    let (status, _, _) = call(&service, portal(&format!("/api/v1/portal/events/{other_event}/certificate.pdf"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "not booked there");
    let (status, _, _) = call(&service, public("GET", &format!("/api/v1/portal/events/{event}/certificate.pdf"), "198.51.100.31")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(issued(&app).len(), 1);

    // Restricted (Art. 18 GDPR): staff get no certificate, the person still gets theirs.
    let (status, _, body) =
        call(&service, staff.request("PUT", &format!("/api/v1/participants/{clara}/restriction")).set_json(json!({ "restricted": true })))
            .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (status, _, body) = call(&service, staff.request("GET", &certificate)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("restricted")));
    let (status, _, _) = call(&service, portal(&format!("/api/v1/portal/events/{event}/certificate.pdf"))).await;
    assert_eq!(status, StatusCode::OK, "the person's own");
    assert_eq!(issued(&app).len(), 2);
}

#[actix_web::test]
async fn priv_5_bad_input_to_documents_answers_problem_json_and_issues_nothing() {
    let app = app(None);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let before = (count(&app, "audit_entries"), issued(&app).len());
    let long = "x".repeat(5000);
    let cases: Vec<(String, u16)> = vec![
        (format!("/api/v1/events/{}/participants/{}/certificate.pdf?lang=fr", v.event, v.participant), 422),
        (format!("/api/v1/events/{}/participants/{}/certificate.pdf?lang={long}", v.event, v.participant), 422),
        (format!("/api/v1/events/{}/participants/{}/certificate.pdf?lang=de&lang=en", v.event, v.participant), 400),
        (format!("/api/v1/events/{}/participants/unbekannt/certificate.pdf", v.event), 404),
        (format!("/api/v1/events/unbekannt/participants/{}/certificate.pdf", v.participant), 404),
        (format!("/api/v1/events/{}/participants/%27%20OR%201%3D1%20--/certificate.pdf", v.event), 404),
        (format!("/api/v1/events/{long}/participants/{long}/certificate.pdf"), 404),
        ("/api/v1/event-sessions/unbekannt/attendance-list.pdf".to_owned(), 404),
        ("/api/v1/event-sessions/..%2F..%2Fetc%2Fpasswd/attendance-list.pdf".to_owned(), 404),
        (format!("/api/v1/event-sessions/{long}/attendance-list.pdf"), 404),
    ];
    for (uri, expected) in cases {
        let (status, headers, body) = call(&service, v.staff.request("GET", &uri)).await;
        let shown = uri.chars().take(120).collect::<String>();
        assert!(status.is_client_error(), "{shown}: {status}");
        if expected != 400 {
            assert_eq!(status.as_u16(), expected, "{shown}: {}", String::from_utf8_lossy(&body));
        }
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|h| h.to_str().ok()), Some("application/problem+json"), "{shown}");
    }
    assert_eq!((count(&app, "audit_entries"), issued(&app).len()), before, "nothing written");
}

#[actix_web::test]
async fn input_4_the_cli_verifies_a_downloaded_document_offline_and_refuses_a_modified_copy() {
    let app = app(None);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let (status, pdf) =
        get(&service, &v.staff, &format!("/api/v1/events/{}/participants/{}/certificate.pdf", v.event, v.participant)).await;
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("bescheinigung.pdf");
    let bad = dir.path().join("bescheinigung-geaendert.pdf");
    std::fs::write(&good, &pdf).expect("write");
    std::fs::write(&bad, flipped(&pdf, pdf.len() / 4)).expect("write");
    let key = dir.path().join("platform.pem");
    std::fs::write(&key, signer(&app).public_key().to_pem()).expect("key");
    let other = dir.path().join("other.pem");
    let other_signer = PlatformSigner::from_master(&MasterKey::generate(MasterKeyOrigin::Operator)).expect("other");
    std::fs::write(&other, other_signer.public_key().to_pem()).expect("key");
    // An auditor's machine: no configuration, database or master key.
    let run = |file: &std::path::Path, key: &std::path::Path| {
        std::process::Command::new(env!("CARGO_BIN_EXE_anwesend"))
            .env_clear()
            .env("ANWESEND_DATABASE_URL", "postgres://nobody@192.0.2.1:1/none")
            .current_dir(dir.path())
            .args(["document", "verify"])
            .arg(file)
            .arg("--public-key")
            .arg(key)
            .output()
            .expect("run")
    };
    let out = run(&good, &key);
    let said = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "{said} {}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("valid") && said.contains("certificate of attendance for Anna Beispiel at Abendkurs"), "{said}");
    let out = run(&bad, &key);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("changed after signing"), "{said}");
    let out = run(&good, &other);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("not signed by the platform's key"), "{said}");
    let out = run(&key, &key);
    let said = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success() && said.contains("not a signed anwesend document"), "{said}");

    // The auditor's recipe in docs/verify.md: openssl and jq only.
    std::fs::write(dir.path().join("document.pdf"), &pdf).expect("write");
    std::fs::write(dir.path().join("platform-key.pem"), signer(&app).public_key().to_pem()).expect("key");
    let said = crate::cli::run_recipe("document", dir.path());
    assert!(said.contains("Verified OK") && said.contains("Anna Beispiel"), "{said}");
    std::fs::write(dir.path().join("document.pdf"), flipped(&pdf, pdf.len() / 4)).expect("write");
    let said = crate::cli::run_recipe("document", dir.path());
    assert!(said.contains("Verification failure") && !said.contains("Verified OK"), "{said}");
}

#[test]
fn input_4_canonical_json_sorts_keys_and_has_no_whitespace() {
    let value = json!({ "b": 1, "a": { "z": [1, 2, { "y": "ü", "x": null }], "c": true }, "ä": "\n" });
    assert_eq!(canonical_json(&value), r#"{"a":{"c":true,"z":[1,2,{"x":null,"y":"ü"}]},"b":1,"ä":"\n"}"#);
    let again: Value = serde_json::from_str(&canonical_json(&value)).expect("json");
    assert_eq!(canonical_json(&again), canonical_json(&value));
}

#[test]
fn input_4_the_signature_line_parses_only_in_its_one_form() {
    let s = PlatformSigner::from_master(&MasterKey::generate(MasterKeyOrigin::Operator)).expect("signer");
    let doc = json!({ "format": signed::FORMAT, "kind": "attendance_list", "name": "Jürgen Groß" });
    let file = signed::seal(b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF".to_vec(), &doc, &s);
    let (body, text) = signed::split(&file).expect("split");
    assert!(body.ends_with(b"%%EOF\n"), "a newline is added before the line");
    assert!(text.starts_with(r#"{"document":{"format":"anwesend-document/1","#), "{text}");
    let v = signed::verify(&file, &s.public_key()).expect("valid");
    assert_eq!((v.document, v.key_id.as_str()), (doc, s.key_id()));
    assert_eq!(v.code.len(), 14);
    assert!(matches!(signed::split(b"%PDF-1.7\n%%EOF\n"), Err(DocumentError::NotADocument(_))));
    let cut = &file[..file.len() - 1];
    assert!(matches!(signed::split(cut), Err(DocumentError::NotADocument(_))));
    let mut tail = file.clone();
    tail.extend_from_slice(b"trailing");
    assert!(signed::verify(&tail, &s).is_err());
    for i in 0..file.len() {
        assert!(signed::verify(&flipped(&file, i), &s).is_err(), "byte {i}");
    }
}

#[actix_web::test]
async fn input_4_a_long_list_runs_over_several_pages_and_still_verifies() {
    let app = app(None);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let mut v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    v.session = require_signature(&service, &v.staff, &v.event).await;
    let now = app.clock.now().naive_utc().format("%Y-%m-%dT%H:%M:%S").to_string();
    for i in 0..18 {
        let (booking, _) =
            booked(&app, &service, &v.staff, "verein-a", &v.event, &format!("Person Nummer {i:02}"), &format!("p{i}@example.org")).await;
        check_in_at(&service, &v.staff, &v.session, &booking, &now).await;
    }
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", v.session))).await;
    for a in json_of(&list)["attendees"].as_array().expect("attendees").iter().filter(|a| a["check_in_id"].is_string()) {
        let id = a["check_in_id"].as_str().expect("check-in");
        let (status, _, _) =
            call(&service, v.staff.request("POST", &format!("/api/v1/attendance/{id}/signature")).set_json(strokes())).await;
        assert_eq!(status, StatusCode::CREATED);
    }
    let (status, pdf) = get(&service, &v.staff, &format!("/api/v1/event-sessions/{}/attendance-list.pdf", v.session)).await;
    assert_eq!(status, StatusCode::OK);
    keep("attendance-list-long.pdf", &pdf);
    let doc = verified(&app, &pdf);
    assert_eq!(doc["attendees"].as_array().map(Vec::len), Some(19));
    // One page tree of more than one page; the table's head is repeated on each.
    let text = String::from_utf8_lossy(&pdf);
    let counts: Vec<&str> =
        text.match_indices("/Count ").map(|(i, _)| text[i + 7..].split(|c: char| !c.is_ascii_digit()).next().unwrap_or("")).collect();
    assert_eq!(counts.len(), 1, "one page tree");
    assert!(counts[0].parse::<u32>().is_ok_and(|n| n >= 2), "several pages: {counts:?}");
}
