//! Absences (issue 21): staff mark them, participants report ahead, rates per person and
//! course against a hand count, the threshold flag and its one mail, scoping (TOM SEP-3),
//! bad input (TOM PRIV-5), encryption of the note (TOM PSEUDO-1), export (RIGHTS-1) and
//! erasure (PRIV-4).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::audit::AuditContext;
use anwesend::clock::Clock;
use anwesend::privacy::{model::Reason, service as privacy};
use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, MailSink, TestApp};
use crate::fixtures::{
    book_confirmed, call, count, database_dump, json_of, login, mailed_link, member, outbox_mail, public, published_event, Client, PASSWORD,
};

const REQUEST: Reason<'static> = Reason { code: "erasure_request", text: "Antrag", legal_basis: "GDPR Art. 17(1)(a)" };

fn fmt(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%dT%H:%M:%S").to_string()
}

/// A course of `past` sessions that have ended (one a day, the last ended a day ago) and
/// `future` sessions ahead; its session ids in time order.
async fn course<S, B>(app: &TestApp, service: &S, staff: &Client, title: &str, past: i64, future: i64) -> (String, Vec<String>)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let now = app.clock.now().naive_utc();
    let mut sessions = Vec::new();
    for d in (1..=past).rev() {
        let start = now - Duration::days(d) - Duration::hours(2);
        sessions.push(json!({ "starts_at": fmt(start), "ends_at": fmt(start + Duration::hours(1)) }));
    }
    for d in 1..=future {
        let start = now + Duration::days(d);
        sessions.push(json!({ "starts_at": fmt(start), "ends_at": fmt(start + Duration::hours(1)) }));
    }
    let body = json!({ "kind": "course", "title": title, "capacity": 20, "waiting_list": false, "sessions": sessions });
    let event = published_event(service, staff, body).await;
    let (_, _, detail) = call(service, staff.request("GET", &format!("/api/v1/events/{event}"))).await;
    let mut list: Vec<(String, String)> = json_of(&detail)["sessions"]
        .as_array()
        .expect("sessions")
        .iter()
        .map(|s| (s["starts_at"].as_str().expect("start").to_owned(), s["id"].as_str().expect("id").to_owned()))
        .collect();
    list.sort();
    (event, list.into_iter().map(|(_, id)| id).collect())
}

fn app(sink: Option<&MailSink>) -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        if let Some(sink) = sink {
            sink.configure(c);
        }
    })
}

/// The booking and participant of `email` on `event`.
async fn booked<S, B>(app: &TestApp, service: &S, staff: &Client, event: &str, name: &str, email: &str) -> (String, String)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, answer) =
        book_confirmed(app, service, "verein-a", event, json!({ "name": name, "email": email, "consent": true }), "198.51.100.7").await;
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

async fn check_in<S, B>(service: &S, staff: &Client, session: &str, booking: &str)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, body) = call(
        service,
        staff.request("POST", "/api/v1/attendance").set_json(json!({ "session_id": session, "booking_id": booking, "kind": "check_in" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
}

fn person<'a>(rates: &'a Value, participant: &str) -> &'a Value {
    rates["people"].as_array().expect("people").iter().find(|p| p["participant_id"] == participant).expect("person in the rates")
}

#[actix_web::test]
async fn priv_4_absences_match_a_hand_count_flag_mail_once_export_encrypted_and_are_erased() {
    let app = app(None);
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &scope, "trainer@verein-a.example", "instructor", None);
    let service = app.service().await;
    let (_, staff, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    // Four ended sessions and one ahead.
    let (event, sessions) = course(&app, &service, &staff, "Erste-Hilfe-Kurs", 4, 1).await;
    let (anna_name, bert_name) = (sensitive("Anna Abwesenheit"), sensitive("Bert Fehltag"));
    let (anna_booking, anna) = booked(&app, &service, &staff, &event, &anna_name, "anna.abw@example.org").await;
    let (bert_booking, bert) = booked(&app, &service, &staff, &event, &bert_name, "bert.fehltag@example.org").await;
    // Hand count: Anna is at all four ended sessions; Bert at the first two only.
    for s in &sessions[..4] {
        check_in(&service, &staff, s, &anna_booking).await;
    }
    for s in &sessions[..2] {
        check_in(&service, &staff, s, &bert_booking).await;
    }
    // Bert was ill at the third session (excused, with a note); the fourth stays unexcused.
    let note = sensitive("Grippe laut Attest vom Hausarzt");
    let (status, _, body) = call(
        &service,
        staff
            .request("PUT", &format!("/api/v1/event-sessions/{}/absences", sessions[2]))
            .set_json(json!({ "booking_id": bert_booking, "excused": true, "reason": "ill", "note": note })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["reported_by"], "staff");
    assert_eq!(json_of(&body)["note"], note.as_str());

    let rates = || async {
        let (status, _, body) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/absences"))).await;
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        json_of(&body)
    };
    let r = rates().await;
    let b = person(&r, &bert);
    assert_eq!(
        (b["sessions"].as_i64(), b["absent"].as_i64(), b["excused"].as_i64(), b["unexcused"].as_i64(), b["rate_percent"].as_i64()),
        (Some(4), Some(2), Some(1), Some(1), Some(50)),
        "{r}"
    );
    let a = person(&r, &anna);
    assert_eq!((a["absent"].as_i64(), a["rate_percent"].as_i64()), (Some(0), Some(0)));
    assert_eq!(b["flagged"], false, "no threshold yet");

    // Bad input answers 4xx and writes nothing (TOM PRIV-5).
    let before = (count(&app, "absences"), count(&app, "absence_settings"), count(&app, "audit_entries"));
    let url = format!("/api/v1/event-sessions/{}/absences", sessions[3]);
    for bad in [
        json!({ "booking_id": bert_booking, "excused": false, "reason": "ill" }),
        json!({ "booking_id": bert_booking, "excused": true }),
        json!({ "booking_id": bert_booking, "excused": true, "reason": "flu" }),
        json!({ "booking_id": bert_booking, "excused": true, "reason": "other", "note": "x".repeat(201) }),
        json!({ "booking_id": bert_booking, "excused": true, "reason": "other", "note": "a\u{0}b" }),
        json!({ "booking_id": "unbekannt", "excused": false }),
        json!({ "booking_id": bert_booking, "excused": "yes" }),
        json!({ "booking_id": bert_booking, "excused": false, "extra": 1 }),
        json!([]),
    ] {
        let (status, headers, body) = call(&service, staff.request("PUT", &url).set_json(&bad)).await;
        assert!(status.is_client_error(), "{bad}: {status}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{bad}");
        assert!(!String::from_utf8_lossy(&body).contains("Grippe"));
    }
    let (status, _, _) =
        call(&service, staff.request("PUT", &url).insert_header((header::CONTENT_TYPE, "application/json")).set_payload("{")).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let settings_url = format!("/api/v1/events/{event}/absence-settings");
    for bad in [
        json!({ "threshold_percent": 0, "notify_organiser": false }),
        json!({ "threshold_percent": 101, "notify_organiser": false }),
        json!({ "threshold_percent": -5, "notify_organiser": false }),
        json!({ "threshold_percent": null, "notify_organiser": true }),
        json!({ "threshold_percent": 20 }),
        json!({ "threshold_percent": "20", "notify_organiser": false }),
    ] {
        let (status, _, _) = call(&service, staff.request("PUT", &settings_url).set_json(&bad)).await;
        assert!(status.is_client_error(), "{bad}: {status}");
    }
    let (status, _, _) = call(&service, staff.request("GET", "/api/v1/events/unbekannt/absences")).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &service,
        staff.request("PUT", "/api/v1/event-sessions/unbekannt/absences").set_json(json!({ "booking_id": bert_booking, "excused": false })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!((count(&app, "absences"), count(&app, "absence_settings"), count(&app, "audit_entries")), before, "nothing written");

    // An instructor who does not teach the course sees neither rates nor marks (TOM SEP-3).
    let (_, trainer, _, _) = login(&service, "trainer@verein-a.example", PASSWORD).await;
    let (status, _, _) = call(&service, trainer.request("GET", &format!("/api/v1/events/{event}/absences"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) =
        call(&service, trainer.request("PUT", &url).set_json(json!({ "booking_id": bert_booking, "excused": false }))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // Threshold 20 % with the organiser's mail: Bert (50 %) is flagged, Anna (0 %) is not.
    let (status, _, body) =
        call(&service, staff.request("PUT", &settings_url).set_json(json!({ "threshold_percent": 20, "notify_organiser": true }))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let r = rates().await;
    assert_eq!((person(&r, &bert)["flagged"].clone(), person(&r, &anna)["flagged"].clone()), (json!(true), json!(false)));
    // The list shows the flag and the recorded absence.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", sessions[2]))).await;
    let list = json_of(&list);
    let row = list["attendees"].as_array().expect("attendees").iter().find(|a| a["participant_id"] == bert.as_str()).expect("bert");
    assert_eq!((row["over_absence_threshold"].clone(), row["absence"]["reason"].clone()), (json!(true), json!("ill")));

    // One mail to the organiser per flagged person and course, however often the job runs.
    assert_eq!(anwesend::absences::service::alert_run(&app.state).expect("alerts"), 1);
    assert_eq!(anwesend::absences::service::alert_run(&app.state).expect("alerts"), 0);
    assert_eq!(count(&app, "mail_outbox WHERE purpose = 'absence_alert'"), 1);
    let mail = outbox_mail(&app, "verein-a", "leitung@verein-a.example", "absence_alert").expect("the organiser's mail");
    assert!(mail.text.contains(&bert_name) && mail.text.contains("50 %") && !mail.text.contains(&anna_name), "{}", mail.text);

    // The note is stored encrypted (TOM PSEUDO-1).
    let dump = database_dump(&app.db);
    assert!(!dump.windows(note.len()).any(|w| w == note.as_bytes()), "the note's plaintext is in the database");

    // The person's export holds the absence (RIGHTS-1); erasure removes it (PRIV-4).
    let (status, _, export) = call(&service, staff.request("GET", &format!("/api/v1/participants/{bert}/export"))).await;
    assert_eq!(status, StatusCode::OK);
    let export = json_of(&export);
    assert_eq!(export["absences"][0]["note"], note.as_str(), "{export}");
    assert_eq!(export["absences"][0]["reason"], "ill");
    let ctx = AuditContext { at: app.clock.now(), ..app.ctx() };
    let report = privacy::erase(&app.state, &scope, &ctx, &bert, &REQUEST).expect("erase");
    assert!(report.counts.iter().any(|(c, n)| c == "absences" && *n == 2), "absence and alert mark: {:?}", report.counts);
    assert_eq!(count(&app, &format!("absences WHERE participant_id = '{bert}'")), 0);
    assert_eq!(count(&app, &format!("absence_alerts WHERE participant_id = '{bert}'")), 0);
}

/// The participant's bearer request.
fn portal(method: &str, uri: &str, token: &str) -> test::TestRequest {
    public(method, uri, "198.51.100.31").insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

#[actix_web::test]
async fn absences_participants_report_ahead_in_the_portal_and_staff_decide() {
    let sink = MailSink::start();
    let app = app(Some(&sink));
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let (_, staff, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (event, sessions) = course(&app, &service, &staff, "Sprachkurs", 1, 2).await;
    let (other, other_sessions) = course(&app, &service, &staff, "Anderer Kurs", 0, 1).await;
    let email = sensitive("clara.portal@example.org");
    let (booking, _) = booked(&app, &service, &staff, &event, &sensitive("Clara Portal"), &email).await;
    let _ = other;
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    call(&service, public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.31").set_json(json!({ "email": email }))).await;
    let token = mailed_link(&app, &sink, &email, "login?token=").rsplit_once("token=").expect("token").1.to_owned();
    let (_, _, session) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link/redeem", "198.51.100.31").set_json(json!({ "token": token })))
            .await;
    let bearer = json_of(&session)["token"].as_str().expect("session").to_owned();

    let before = (count(&app, "absences"), count(&app, "audit_entries"));
    // Not ahead, not theirs, not a reason, too long, no session: refused, nothing written.
    for (bad, expected) in [
        (json!({ "session_id": sessions[0], "reason": "ill" }), 409),
        (json!({ "session_id": other_sessions[0], "reason": "ill" }), 404),
        (json!({ "session_id": "unbekannt", "reason": "ill" }), 404),
        (json!({ "session_id": sessions[1], "reason": "krank" }), 422),
        (json!({ "session_id": sessions[1], "reason": "other", "note": "x".repeat(201) }), 422),
        (json!({ "session_id": sessions[1], "reason": "other", "excused": false }), 422),
        (json!({ "session_id": sessions[1] }), 422),
    ] {
        let (status, _, body) = call(&service, portal("POST", "/api/v1/portal/absences", &bearer).set_json(&bad)).await;
        assert_eq!(status.as_u16(), expected, "{bad}: {}", String::from_utf8_lossy(&body));
    }
    let (status, _, _) = call(
        &service,
        public("POST", "/api/v1/portal/absences", "198.51.100.31").set_json(json!({ "session_id": sessions[1], "reason": "ill" })),
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!((count(&app, "absences"), count(&app, "audit_entries")), before, "nothing written");

    let (status, _, body) = call(
        &service,
        portal("POST", "/api/v1/portal/absences", &bearer)
            .set_json(json!({ "session_id": sessions[1], "reason": "other", "note": "Dienstreise" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let (_, _, mine) = call(&service, portal("GET", "/api/v1/portal/absences", &bearer)).await;
    let mine = json_of(&mine);
    assert_eq!(
        (mine[0]["event_title"].clone(), mine[0]["reported_by"].clone(), mine[0]["excused"].clone()),
        (json!("Sprachkurs"), json!("participant"), json!(true))
    );

    // Staff see the report in the list and decide: unexcused after all.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", sessions[1]))).await;
    assert_eq!(json_of(&list)["attendees"][0]["absence"]["reported_by"], "participant");
    let (status, _, _) = call(
        &service,
        staff
            .request("PUT", &format!("/api/v1/event-sessions/{}/absences", sessions[1]))
            .set_json(json!({ "booking_id": booking, "excused": false })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(count(&app, "absences"), 1, "the staff decision replaces the report");
    // The participant cannot overwrite the staff's decision.
    let (status, _, _) =
        call(&service, portal("POST", "/api/v1/portal/absences", &bearer).set_json(json!({ "session_id": sessions[1], "reason": "ill" })))
            .await;
    assert_eq!(status, StatusCode::CONFLICT);
    let (_, _, mine) = call(&service, portal("GET", "/api/v1/portal/absences", &bearer)).await;
    assert_eq!((json_of(&mine)[0]["excused"].clone(), json_of(&mine)[0]["reason"].clone()), (json!(false), Value::Null));
}
