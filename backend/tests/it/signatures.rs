//! Signatures with check-in and closed attendance lists (issue 21; TOM INPUT-4, PRIV-4,
//! RIGHTS-1, PRIV-5): a signature asked for shows as missing until it is collected, a
//! closed list cannot change until a correction re-opens it visibly, the strokes are
//! stored encrypted and erased with the person.

use actix_web::http::StatusCode;
use anwesend::audit::AuditContext;
use anwesend::clock::Clock;
use anwesend::privacy::{model::Reason, service as privacy};
use anwesend_protocol as protocol;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::{bind_card, call, count, database_dump, enrol, json_of, signed, tap_body, venue, Client, Venue};

fn app() -> TestApp {
    test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000)
}

/// Turns "Unterschrift bei Anwesenheit" on for the venue's event; returns its session id
/// (sessions keep their ids when unchanged, read again anyway).
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
    assert_eq!(json_of(&body)["signature_required"], true);
    json_of(&body)["sessions"][0]["id"].as_str().expect("session").to_owned()
}

async fn list<S, B>(service: &S, staff: &Client, session: &str) -> Value
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(service, staff.request("GET", &format!("/api/v1/event-sessions/{session}/attendance"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    json_of(&body)
}

fn strokes() -> Value {
    json!({ "strokes": [[101.25, 202.5, 303.75, 304.0, 405.0, 306.5], [600.0, 100.0, 650.0, 150.0]] })
}

fn audit_actions(app: &TestApp) -> Vec<String> {
    use anwesend::db::schema::audit_entries::dsl as a;
    a::audit_entries.select(a::action).load(&mut app.db.inspect()).expect("audit")
}

/// A venue whose event asks for signatures, a card bound to its participant and a tap: the
/// check-in stands, its signature is missing.
async fn tapped_in<S, B>(app: &TestApp, service: &S, name: (&str, &str)) -> (Venue, crate::fixtures::Device, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let mut v = venue(app, service, "verein-a", name).await;
    v.session = require_signature(service, &v.staff, &v.event).await;
    let device = enrol(service, &v.staff, &v.location, "Eingang").await;
    bind_card(app, service, &v.staff, &device, &v.participant, "04C0FFEE123456").await;
    let (_, _, answer) = call(service, signed(app, &device, protocol::PATH_TAPS, &tap_body(app, "tap-1", "04C0FFEE123456"))).await;
    assert_eq!(json_of(&answer)["outcome"], "checked_in");
    let attendee = list(service, &v.staff, &v.session).await["attendees"][0].clone();
    assert_eq!(attendee["signature"], "missing", "{attendee}");
    let check_in = attendee["check_in_id"].as_str().expect("check-in").to_owned();
    (v, device, check_in)
}

#[actix_web::test]
async fn input_4_a_required_signature_shows_as_missing_and_is_collected_later() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let (v, _device, check_in) = tapped_in(&app, &service, ("Anna Beispiel", "anna@example.org")).await;
    let page = list(&service, &v.staff, &v.session).await;
    assert_eq!((page["signature_required"].as_bool(), page["closed"].as_bool()), (Some(true), Some(false)));
    assert!(page["attendees"][0]["signed_at"].is_null());

    // Collected later (the kiosk's field, opened from the list).
    let path = format!("/api/v1/attendance/{check_in}/signature");
    let (status, _, body) = call(&service, v.staff.request("POST", &path).set_json(strokes())).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["status"], "signed");
    let attendee = list(&service, &v.staff, &v.session).await["attendees"][0].clone();
    assert_eq!(attendee["signature"], "signed");
    assert!(attendee["signed_at"].is_string());
    let (status, _, body) = call(&service, v.staff.request("GET", &path)).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["strokes"], json!([[101.3, 202.5, 303.8, 304.0, 405.0, 306.5], [600.0, 100.0, 650.0, 150.0]]));
    // Once per check-in.
    let (status, _, body) = call(&service, v.staff.request("POST", &path).set_json(strokes())).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("already_recorded")));
    assert_eq!(count(&app, "attendance_signatures"), 1);
    assert!(audit_actions(&app).iter().any(|a| a == "attendance.signature_collected"));
}

#[actix_web::test]
async fn input_4_no_signature_is_taken_where_none_is_asked() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let manual = json!({ "session_id": v.session, "booking_id": v.booking, "kind": "check_in" });
    let (status, _, record) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(manual)).await;
    assert_eq!(status, StatusCode::CREATED);
    let id = json_of(&record)["id"].as_str().expect("id").to_owned();
    assert_eq!(list(&service, &v.staff, &v.session).await["attendees"][0]["signature"], "not_required");
    let (status, _, body) =
        call(&service, v.staff.request("POST", &format!("/api/v1/attendance/{id}/signature")).set_json(strokes())).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("signature_not_expected")));
    assert_eq!(count(&app, "attendance_signatures"), 0);
}

#[actix_web::test]
async fn input_4_a_closed_list_cannot_change_and_a_correction_reopens_it_visibly() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let (v, _device, check_in) = tapped_in(&app, &service, ("Anna Beispiel", "anna@example.org")).await;
    let close = format!("/api/v1/event-sessions/{}/close", v.session);
    let (status, _, body) = call(&service, v.staff.request("POST", &close).set_json(strokes())).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let page = json_of(&body);
    assert_eq!(page["closed"], true);
    assert_eq!(page["closings"].as_array().map(Vec::len), Some(1));
    assert_eq!(page["closings"][0]["closed_by_email"], "leitung@verein-a.example");
    let records = count(&app, "attendance");

    // Closed: no records, no signatures, no second closing, no taps.
    let manual = json!({ "session_id": v.session, "booking_id": v.booking, "kind": "check_out" });
    let (status, _, body) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(manual.clone())).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("list_closed")));
    let sign = format!("/api/v1/attendance/{check_in}/signature");
    let (status, _, body) = call(&service, v.staff.request("POST", &sign).set_json(strokes())).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("list_closed")));
    let (status, _, body) = call(&service, v.staff.request("POST", &close).set_json(strokes())).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("list_closed")));
    let out = enrol(&service, &v.staff, &v.location, "Ausgang").await;
    let (_, _, body) = call(
        &service,
        v.staff
            .request("PUT", &format!("/api/v1/devices/{}", out.id))
            .set_json(json!({ "name": "Ausgang", "location_id": v.location, "mode": "check_out", "duplicate_window_seconds": 5, "late_upload_after_seconds": 300 })),
    )
    .await;
    let settings = &json_of(&body)["settings"];
    assert_eq!(
        (settings["mode"].as_str(), settings["location_id"].as_str()),
        (Some("check_out"), Some(v.location.as_str())),
        "{}",
        String::from_utf8_lossy(&body)
    );
    let (_, _, answer) = call(&service, signed(&app, &out, protocol::PATH_TAPS, &tap_body(&app, "tap-out", "04C0FFEE123456"))).await;
    assert_eq!(json_of(&answer)["outcome"], "no_session", "a closed list takes no taps");
    assert_eq!((count(&app, "attendance"), count(&app, "attendance_signatures")), (records, 0));

    // A correction re-opens it, visibly: the closing stays with when, by whom and why.
    let (status, _, body) = call(
        &service,
        v.staff
            .request("POST", &format!("/api/v1/attendance/{check_in}/correct"))
            .set_json(json!({ "void": true, "reason": "Falsche Karte" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let page = list(&service, &v.staff, &v.session).await;
    assert_eq!(page["closed"], false);
    let closing = &page["closings"][0];
    assert!(closing["reopened_at"].is_string(), "{closing}");
    assert_eq!(
        (closing["reopen_reason"].as_str(), closing["reopened_by_email"].as_str()),
        (Some("Falsche Karte"), Some("leitung@verein-a.example"))
    );
    // Open again, the exit's taps reach the records (the check-in is void now: not checked in).
    let (_, _, answer) = call(&service, signed(&app, &out, protocol::PATH_TAPS, &tap_body(&app, "tap-out-2", "04C0FFEE123456"))).await;
    assert_eq!(json_of(&answer)["outcome"], "not_checked_in");
    let actions = audit_actions(&app);
    assert!(
        actions.iter().any(|a| a == "attendance.list_closed") && actions.iter().any(|a| a == "attendance.list_reopened"),
        "{actions:?}"
    );
    // Closed again: two closings in the record.
    let (status, _, body) = call(&service, v.staff.request("POST", &close).set_json(strokes())).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(json_of(&body)["closings"].as_array().map(Vec::len), Some(2));
    assert_eq!(count(&app, "session_closings"), 2);
}

#[actix_web::test]
async fn priv_4_signatures_are_exported_erased_with_the_person_and_never_stored_in_plaintext() {
    let app = app();
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let (name, email) = (sensitive("Ottilie Quirinsdottir"), sensitive("ottilie.q@example.org"));
    let (v, _device, check_in) = tapped_in(&app, &service, (&name, &email)).await;
    let distinctive = json!({ "strokes": [[987.6, 321.9, 876.5, 210.8, 765.4, 109.7]] });
    let (status, _, _) =
        call(&service, v.staff.request("POST", &format!("/api/v1/attendance/{check_in}/signature")).set_json(distinctive)).await;
    assert_eq!(status, StatusCode::CREATED);
    // The dump holds no stroke in plaintext (encrypted with the tenant's data key).
    let dump = String::from_utf8_lossy(&database_dump(&app.db)).to_string();
    assert!(dump.contains("Abendkurs"), "the dump is readable");
    for plain in ["987.6", "321.9", "876.5,210.8", "[[987"] {
        assert!(!dump.contains(plain), "the dump holds stroke data {plain:?}");
    }
    // RIGHTS-1: the person's export has the signature, strokes and all.
    let (status, _, export) = call(&service, v.staff.request("GET", &format!("/api/v1/participants/{}/export", v.participant))).await;
    assert_eq!(status, StatusCode::OK);
    let export = json_of(&export);
    assert_eq!(export["signatures"][0]["attendance_id"], check_in.as_str());
    assert_eq!(export["signatures"][0]["strokes"], json!([[987.6, 321.9, 876.5, 210.8, 765.4, 109.7]]));
    // PRIV-4: erased with the person (retention runs the same erasure, PRIV-6).
    let reason = Reason { code: "erasure_request", text: "Antrag", legal_basis: "GDPR Art. 17(1)(a)" };
    let ctx = AuditContext { at: app.clock.now(), ..app.ctx() };
    let report = privacy::erase(&app.state, &scope, &ctx, &v.participant, &reason).expect("erase");
    assert_eq!(report.counts.iter().find(|(c, _)| c == "signatures").map(|(_, n)| *n), Some(1), "{report:?}");
    assert_eq!(count(&app, "attendance_signatures"), 0);
    let page = list(&service, &v.staff, &v.session).await;
    assert_eq!(page["attendees"][0]["signature"], "missing", "the check-in stays, its signature is gone");
}

#[actix_web::test]
async fn priv_5_bad_input_to_signature_and_closing_endpoints_is_refused_and_writes_nothing() {
    let app = app();
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let (v, _device, check_in) = tapped_in(&app, &service, ("Anna Beispiel", "anna@example.org")).await;
    let sign = format!("/api/v1/attendance/{check_in}/signature");
    let close = format!("/api/v1/event-sessions/{}/close", v.session);
    let long_stroke: Vec<f64> = (0..2001).flat_map(|i| [f64::from(i % 1000), 10.0]).collect();
    let medium: Vec<f64> = (0..1700).flat_map(|i| [f64::from(i % 1000), 10.0]).collect();
    let unprocessable = [
        json!({ "strokes": [] }),
        json!({ "strokes": [[]] }),
        json!({ "strokes": [[10.0, 10.0, 20.0]] }),
        json!({ "strokes": [[1000.5, 10.0]] }),
        json!({ "strokes": [[10.0, 400.5]] }),
        json!({ "strokes": [[-1.0, 10.0]] }),
        json!({ "strokes": vec![vec![1.0, 1.0]; 101] }),
        json!({ "strokes": [long_stroke] }),
        json!({ "strokes": [medium.clone(), medium.clone(), medium] }),
    ];
    for body in &unprocessable {
        for path in [&sign, &close] {
            let (status, headers, answer) = call(&service, v.staff.request("POST", path).set_json(body.clone())).await;
            assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{path}: {}", String::from_utf8_lossy(&answer));
            assert_eq!(headers.get("content-type").and_then(|h| h.to_str().ok()), Some("application/problem+json"));
            assert_eq!(json_of(&answer)["field"], "strokes");
        }
    }
    let hostile = [
        json!({ "strokes": [["10", "10"]] }),
        json!({ "strokes": "[[10,10]]" }),
        json!({ "strokes": [[10.0, 10.0]], "image": "data:image/png;base64,AAAA" }),
        json!({}),
    ];
    for body in &hostile {
        for path in [&sign, &close] {
            let (status, headers, answer) = call(&service, v.staff.request("POST", path).set_json(body.clone())).await;
            assert!(status.is_client_error() && status != StatusCode::NOT_FOUND, "{path} {body}: {status}");
            assert_eq!(
                headers.get("content-type").and_then(|h| h.to_str().ok()),
                Some("application/problem+json"),
                "{}",
                String::from_utf8_lossy(&answer)
            );
        }
    }
    // Oversized: beyond the JSON body limit.
    let huge: Vec<f64> = vec![123.456789; 20_000];
    for path in [&sign, &close] {
        let (status, _, _) = call(&service, v.staff.request("POST", path).set_json(json!({ "strokes": [huge.clone()] }))).await;
        assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE, "{path}");
    }
    for path in ["/api/v1/attendance/unbekannt/signature", "/api/v1/event-sessions/unbekannt/close"] {
        let (status, _, _) = call(&service, v.staff.request("POST", path).set_json(strokes())).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{path}");
    }
    assert_eq!((count(&app, "attendance_signatures"), count(&app, "session_closings")), (0, 0), "refused input wrote nothing");
}
