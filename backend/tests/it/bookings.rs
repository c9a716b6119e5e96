//! Events, bookings, participants and the magic-link portal over HTTP (TOM AVAIL-5,
//! PRIV-1, PRIV-5, PSEUDO-1, ACC-2, ACC-4, TRANS-3, RIGHTS-1, INPUT-6, SEP-3).

use actix_web::http::{header, StatusCode};
use actix_web::test;
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, MailSink, TestApp, TestDb};
use crate::fixtures::{
    admin, book_confirmed, call, confirmation_token, database_dump, deliver_until, event_body, is_to, json_of, login, mailed_link, member,
    outbox_mail, public, published_event, sign_in, tenant, PASSWORD,
};

/// A participant's request with their bearer token.
fn portal(method: &str, uri: &str, token: &str) -> test::TestRequest {
    public(method, uri, "198.51.100.30").insert_header((header::AUTHORIZATION, format!("Bearer {token}")))
}

fn booking(name: &str, email: &str) -> Value {
    json!({ "name": name, "email": email, "consent": true, "language": "de" })
}

fn app_with_limits(mail: Option<&MailSink>) -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 100_000;
        c.rate_limit.sign_in_per_ip_per_minute = 1000;
        if let Some(sink) = mail {
            sink.configure(c);
        }
    })
}

/// Rows in the tables a booking writes, to prove refused input writes nothing.
fn row_counts(db: &TestDb) -> Vec<i64> {
    let mut conn = db.inspect();
    [
        "participants",
        "participant_terms",
        "bookings",
        "mail_outbox",
        "magic_links",
        "participant_sessions",
        "subject_requests",
        "booking_holds",
    ]
    .iter()
    .map(|t| {
        #[derive(QueryableByName)]
        struct N {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            n: i64,
        }
        diesel::sql_query(format!("SELECT COUNT(*) AS n FROM {t}")).get_result::<N>(&mut conn).expect("count").n
    })
    .collect()
}

fn statuses(db: &TestDb, event: &str) -> (i64, i64) {
    use anwesend::db::schema::bookings::dsl as b;
    let mut conn = db.inspect();
    let count = |s: &str, conn: &mut anwesend::db::DbConnection| {
        b::bookings.filter(b::event_id.eq(event)).filter(b::status.eq(s)).count().get_result::<i64>(conn).expect("count")
    };
    let confirmed = count("confirmed", &mut conn);
    // Seats left are read from the count the database keeps (issue 16): it must agree.
    use anwesend::db::schema::events::dsl as e;
    let kept: i32 = e::events.filter(e::id.eq(event)).select(e::confirmed_count).first(&mut conn).expect("event");
    assert_eq!(i64::from(kept), confirmed, "the kept count of confirmed bookings");
    (confirmed, count("waiting", &mut conn))
}

/// Delivers due mail until `done` holds for what the sink received (sign-in links are
/// made after the answer, so they may take a moment); panics after 10 s.
/// Holds of an event: (all, those keeping a seat).
fn holds(db: &TestDb, event: &str) -> (i64, i64) {
    use anwesend::db::schema::booking_holds::dsl as h;
    let mut conn = db.inspect();
    let all = h::booking_holds.filter(h::event_id.eq(event)).count().get_result::<i64>(&mut conn).expect("count");
    let seats =
        h::booking_holds.filter(h::event_id.eq(event)).filter(h::seat.eq(true)).count().get_result::<i64>(&mut conn).expect("count");
    (all, seats)
}

#[actix_web::test]
async fn avail_5_capacity_holds_under_500_concurrent_requests_and_confirmations_and_a_cancellation_promotes_one() {
    let app = app_with_limits(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    // The default pool of 4 connections keeps 500 waiting requests in line, not failing.
    let service = app.service_with_pool(8).await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Sommerfest", 50, true)).await;
    let ip = |i: usize| format!("10.0.{}.{}", i / 250, i % 250);

    // 500 requests at once: each is held, the first 50 with a seat; nobody is booked yet.
    let requests = (0..500).map(|i| {
        let req = public("POST", &format!("/api/v1/public/verein-a/events/{event}/bookings"), &ip(i))
            .set_json(booking(&format!("Gast Nummer{i}"), &format!("gast{i}@example.net")));
        call(&service, req)
    });
    for (status, _, body) in futures_util::future::join_all(requests).await {
        assert!(!status.is_server_error(), "no 5xx under contention: {status} {}", String::from_utf8_lossy(&body));
        assert_eq!((status, json_of(&body)), (StatusCode::ACCEPTED, json!({ "message": "check_mail" })));
    }
    assert_eq!(holds(&app.db, &event), (500, 50), "every request held, 50 of them with a seat");
    assert_eq!(statuses(&app.db, &event), (0, 0), "nothing booked before the links are opened");
    let (_, _, page) = call(&service, public("GET", &format!("/api/v1/public/verein-a/events/{event}"), "10.9.0.1")).await;
    assert_eq!(json_of(&page)["seats_left"], 0, "the public page counts the held seats as taken");

    // All 500 links opened at once: exactly 50 seats, the rest on the waiting list.
    let tokens: Vec<String> = (0..500).map(|i| confirmation_token(&app, "verein-a", &format!("gast{i}@example.net"))).collect();
    let confirmations = tokens.iter().enumerate().map(|(i, token)| {
        call(&service, public("POST", "/api/v1/public/verein-a/bookings/confirm", &ip(i)).set_json(json!({ "token": token })))
    });
    let mut by_status = std::collections::HashMap::new();
    for (status, _, body) in futures_util::future::join_all(confirmations).await {
        assert!(!status.is_server_error(), "no 5xx under contention: {status} {}", String::from_utf8_lossy(&body));
        assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
        *by_status.entry(json_of(&body)["status"].as_str().unwrap_or_default().to_owned()).or_insert(0) += 1;
    }
    assert_eq!(by_status.get("confirmed"), Some(&50), "{by_status:?}");
    assert_eq!(by_status.get("waiting"), Some(&450), "{by_status:?}");
    assert_eq!(statuses(&app.db, &event), (50, 450), "the database agrees");
    assert_eq!(holds(&app.db, &event), (0, 0), "every hold used up");

    // Cancelling one confirmed seat moves exactly the first in line up.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let list = json_of(&list);
    let rows = list.as_array().expect("list");
    let confirmed = rows.iter().find(|b| b["status"] == "confirmed").expect("a confirmed booking");
    let first_waiting = rows.iter().find(|b| b["status"] == "waiting").expect("a waiting booking");
    let (status, _, body) =
        call(&service, staff.request("POST", &format!("/api/v1/bookings/{}/cancel", confirmed["id"].as_str().unwrap_or_default()))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(statuses(&app.db, &event), (50, 449));
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let promoted = json_of(&list).as_array().expect("list").iter().find(|b| b["id"] == first_waiting["id"]).cloned().expect("still listed");
    assert_eq!(promoted["status"], "confirmed", "the oldest on the waiting list moved up");
    // Cancelling twice changes nothing more.
    let (status, _, _) =
        call(&service, staff.request("POST", &format!("/api/v1/bookings/{}/cancel", confirmed["id"].as_str().unwrap_or_default()))).await;
    assert_eq!(status, StatusCode::CONFLICT);
    assert_eq!(statuses(&app.db, &event), (50, 449));

    // Without a waiting list a full event takes no more requests; the mail says so.
    let small = published_event(&service, &staff, event_body("Kleiner Kurs", 1, false)).await;
    let uri = format!("/api/v1/public/verein-a/events/{small}/bookings");
    let (status, first) =
        book_confirmed(&app, &service, "verein-a", &small, booking("Erste Person", "erste@example.net"), "10.1.0.1").await;
    assert_eq!((status, first["status"].as_str()), (StatusCode::OK, Some("confirmed")));
    let (status, _, _) = call(&service, public("POST", &uri, "10.1.0.2").set_json(booking("Zweite Person", "zweite@example.net"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let told = outbox_mail(&app, "verein-a", "zweite@example.net", "booking_refused").expect("told by mail");
    assert!(told.text.contains("ausgebucht"), "{}", told.text);
    assert_eq!((statuses(&app.db, &small), holds(&app.db, &small)), ((1, 0), (0, 0)));

    // A hold keeps its seat from others until it expires, then the seat is free again.
    let pair = published_event(&service, &staff, event_body("Zu zweit", 1, true)).await;
    let uri = format!("/api/v1/public/verein-a/events/{pair}/bookings");
    call(&service, public("POST", &uri, "10.1.0.3").set_json(booking("Hanna Halter", "hanna@example.net"))).await;
    let hanna = confirmation_token(&app, "verein-a", "hanna@example.net");
    let (status, ida) = book_confirmed(&app, &service, "verein-a", &pair, booking("Ida Später", "ida@example.net"), "10.1.0.4").await;
    assert_eq!((status, ida["status"].as_str()), (StatusCode::OK, Some("waiting")), "Hanna's hold keeps the seat");
    app.clock.advance(Duration::hours(24) + Duration::seconds(1));
    let confirm = |token: &str| public("POST", "/api/v1/public/verein-a/bookings/confirm", "10.1.0.3").set_json(json!({ "token": token }));
    let (status, _, body) = call(&service, confirm(&hanna)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "expired after 24 hours");
    // The next request frees the expired hold's seat: Ida moves up, the newcomer waits.
    let (status, jan) = book_confirmed(&app, &service, "verein-a", &pair, booking("Jan Neu", "jan@example.net"), "10.1.0.5").await;
    assert_eq!((status, jan["status"].as_str()), (StatusCode::OK, Some("waiting")));
    assert_eq!(statuses(&app.db, &pair), (1, 1), "Ida moved up into the freed seat");
}

#[actix_web::test]
async fn priv_5_bad_booking_input_is_refused_with_problem_json_and_writes_nothing() {
    let app = app_with_limits(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    let mut only_name = event_body("Nur Name", 10, true);
    only_name["fields"] = json!([]);
    let plain = published_event(&service, &staff, only_name).await;
    let mut closed = event_body("Vorbei", 10, true);
    closed["booking_closes_at"] = json!("2026-11-01T00:00");
    let closed = published_event(&service, &staff, closed).await;
    let (_, _, draft) = call(&service, staff.request("POST", "/api/v1/events").set_json(event_body("Entwurf", 10, true))).await;
    let draft = json_of(&draft)["id"].as_str().expect("id").to_owned();

    let before = row_counts(&app.db);
    let uri = |e: &str| format!("/api/v1/public/verein-a/events/{e}/bookings");
    let huge = "A".repeat(10 * 1024 * 1024);
    let cases: Vec<(String, Value, u16, &str)> = vec![
        (uri(&event), json!({ "name": "Anna Beispiel", "email": "anna@example.org", "language": "de" }), 422, "invalid_field"),
        (uri(&event), json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": false }), 422, "invalid_field"),
        (uri(&event), json!({ "name": "Anna Beispiel", "email": "anna(at)example.org", "consent": true }), 422, "invalid_field"),
        (uri(&event), json!({ "name": "", "email": "anna@example.org", "consent": true }), 422, "invalid_field"),
        (uri(&event), json!({ "name": "A".repeat(201), "email": "anna@example.org", "consent": true }), 422, "invalid_field"),
        (uri(&event), json!({ "name": "Anna\u{0000}Beispiel", "email": "anna@example.org", "consent": true }), 422, "invalid_field"),
        (
            uri(&event),
            json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "phone": "<script>" }),
            422,
            "invalid_field",
        ),
        (
            uri(&event),
            json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "language": "fr" }),
            422,
            "invalid_field",
        ),
        (
            uri(&event),
            json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "is_admin": true }),
            422,
            "invalid_body",
        ),
        (uri(&event), json!({ "name": ["Anna"], "email": "anna@example.org", "consent": true }), 422, "invalid_body"),
        (
            uri(&plain),
            json!({ "name": "Anna Beispiel", "email": "anna@example.org", "consent": true, "phone": "0301234567" }),
            422,
            "invalid_field",
        ),
        (uri(&closed), booking("Anna Beispiel", "anna@example.org"), 409, "booking_closed"),
        (uri(&draft), booking("Anna Beispiel", "anna@example.org"), 404, "not_found"),
        (uri("0193ffff-0000-7000-8000-000000000000"), booking("Anna Beispiel", "anna@example.org"), 404, "not_found"),
        (format!("/api/v1/public/unbekannt/events/{event}/bookings"), booking("Anna Beispiel", "anna@example.org"), 404, "not_found"),
    ];
    for (uri, body, expected, code) in cases {
        let (status, headers, answer) = call(&service, public("POST", &uri, "198.51.100.5").set_json(body.clone())).await;
        assert_eq!(status.as_u16(), expected, "{body}: {}", String::from_utf8_lossy(&answer));
        assert_eq!(json_of(&answer)["code"], code, "{body}");
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    // Oversized and malformed bodies.
    let (status, _, _) = call(
        &service,
        public("POST", &uri(&event), "198.51.100.5").set_json(json!({ "name": huge, "email": "anna@example.org", "consent": true })),
    )
    .await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    let (status, _, _) = call(
        &service,
        public("POST", &uri(&event), "198.51.100.5").insert_header((header::CONTENT_TYPE, "application/json")).set_payload("{\"name\": "),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    // Without the page's Origin a browser on another site cannot book in someone's name.
    let (status, _, _) = call(
        &service,
        test::TestRequest::post()
            .uri(&uri(&event))
            .peer_addr("198.51.100.5:1".parse().expect("addr"))
            .set_json(booking("Anna Beispiel", "anna@example.org")),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(row_counts(&app.db), before, "refused bookings wrote nothing");

    // Hostile but valid text is stored as data and comes back unchanged.
    let hostile = "Robert'); DROP TABLE bookings;-- <b>";
    let (status, body) = book_confirmed(&app, &service, "verein-a", &event, booking(hostile, "bobby@example.net"), "198.51.100.5").await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let (status, _, _) =
        call(&service, public("POST", &uri(&event), "198.51.100.5").set_json(booking("Bobby Zweitname", "Bobby@Example.net"))).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let told = outbox_mail(&app, "verein-a", "bobby@example.net", "booking_refused").expect("one booking per email and event");
    assert!(told.text.contains("bereits eine Buchung"), "{}", told.text);
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    assert_eq!(json_of(&list)[0]["name"], hostile);

    // Staff input: events.
    let before = row_counts(&app.db);
    let bad_events = [
        json!({ "kind": "party", "title": "X", "capacity": 1, "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
        json!({ "kind": "event", "title": "", "capacity": 1, "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 0, "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "sessions": [] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T09:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "sessions": [{ "starts_at": "morgen", "ends_at": "2026-12-01T09:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "fields": ["birthday"], "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "location_id": "fremd", "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
        json!({ "kind": "event", "title": "X", "capacity": 1, "instructor_ids": ["niemand"], "sessions": [{ "starts_at": "2026-12-01T10:00", "ends_at": "2026-12-01T11:00" }] }),
    ];
    for body in bad_events {
        let (status, _, answer) = call(&service, staff.request("POST", "/api/v1/events").set_json(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}: {}", String::from_utf8_lossy(&answer));
    }
    let (status, _, _) =
        call(&service, staff.request("PUT", &format!("/api/v1/events/{event}")).set_json(event_body("Lauftreff", 0, true))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, answer) = call(&service, staff.request("POST", &format!("/api/v1/events/{event}/publish"))).await;
    assert_eq!((status, json_of(&answer)["code"].as_str()), (StatusCode::CONFLICT, Some("not_a_draft")));
    let (status, _, _) = call(&service, staff.request("PUT", "/api/v1/tenant/booking").set_json(json!({ "consent_text": "" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = call(&service, staff.request("GET", "/api/v1/participants?q=")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(row_counts(&app.db), before);
}

#[actix_web::test]
async fn acc_2_magic_links_are_single_use_short_lived_tenant_bound_and_never_audited() {
    let sink = MailSink::start();
    let app = app_with_limits(Some(&sink));
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    let (status, _) =
        book_confirmed(&app, &service, "verein-a", &event, booking("Anna Beispiel", "anna@example.org"), "198.51.100.5").await;
    assert_eq!(status, StatusCode::OK);
    let request_link = || {
        public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.6")
            .set_json(json!({ "email": "Anna@Example.org", "language": "en" }))
    };

    let (status, _, _) = call(&service, request_link()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let link = mailed_link(&app, &sink, "anna@example.org", "#/p/verein-a/login?token=");
    assert!(link.starts_with("http://localhost:8080/#/p/verein-a/login?token="), "the token travels in the fragment: {link}");
    let token = sensitive(link.rsplit_once("token=").expect("token").1);
    assert!(token.len() >= 43, "256 random bits, base64url: {token}");
    let redeem = |slug: &str, token: &str| {
        public("POST", &format!("/api/v1/public/{slug}/magic-link/redeem"), "198.51.100.6").set_json(json!({ "token": token }))
    };

    // Another tenant's page, a tampered token, a made-up one: not valid.
    let mut tampered = token.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for (slug, t) in [("verein-b", token.as_str()), ("verein-a", tampered.as_str()), ("verein-a", "x"), ("verein-a", "")] {
        let (status, _, body) = call(&service, redeem(slug, t)).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "{slug} {t}");
    }
    // The right page: a session, once.
    let (status, _, body) = call(&service, redeem("verein-a", &token)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let session = json_of(&body);
    assert_eq!(session["email"], "anna@example.org");
    let bearer = sensitive(session["token"].as_str().expect("session token"));
    let (status, _, me) = call(&service, portal("GET", "/api/v1/portal/me", &bearer)).await;
    assert_eq!((status, json_of(&me)["name"].as_str()), (StatusCode::OK, Some("Anna Beispiel")));
    let (status, _, body) = call(&service, redeem("verein-a", &token)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "used links do not work twice");

    // Expired after 10 minutes.
    std::thread::sleep(std::time::Duration::from_millis(5));
    let (status, _, _) = call(&service, request_link()).await;
    assert_eq!(status, StatusCode::ACCEPTED);
    let links = |all: &[String]| {
        all.iter()
            .flat_map(|m| m.split_whitespace().filter(|w| w.contains("login?token=")).map(str::to_owned).collect::<Vec<_>>())
            .collect::<Vec<_>>()
    };
    let all_links = links(&deliver_until(&app, &sink, |all| links(all).len() >= 2));
    let second =
        all_links.iter().map(|l| l.rsplit_once("token=").expect("token").1.to_owned()).find(|t| *t != token).expect("a second link");
    sensitive(&second);
    app.clock.advance(Duration::minutes(10) + Duration::seconds(1));
    let (status, _, _) = call(&service, redeem("verein-a", &second)).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "expired links do not work");

    // The participant session is not a staff session, and the other way round.
    let (status, _, _) = call(&service, portal("GET", "/api/v1/events", &bearer)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let (status, _, _) = call(&service, staff.request("GET", "/api/v1/portal/me")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Sign-out ends it on the server.
    let (status, _, _) = call(&service, portal("POST", "/api/v1/portal/logout", &bearer)).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    let (status, _, _) = call(&service, portal("GET", "/api/v1/portal/me", &bearer)).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    // Failed attempts are audited, without the token (the Drop check scans for it).
    assert!(app.db.audit_text().iter().filter(|r| r.contains("participant.sign_in_failed")).count() >= 4);
}

#[actix_web::test]
async fn input_6_organisers_see_each_confirmation_mail_sent_or_bounced() {
    let sink = MailSink::start();
    let app = app_with_limits(Some(&sink));
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    for (name, email) in [("Anna Beispiel", "anna@example.org"), ("Falsche Adresse", "bounce-me@example.net")] {
        book_confirmed(&app, &service, "verein-a", &event, booking(name, email), "198.51.100.5").await;
    }
    let mail_status =
        |list: &Value, email: &str| list.as_array().expect("list").iter().find(|b| b["email"] == email).map(|b| b["mail_status"].clone());
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    assert_eq!(mail_status(&json_of(&list), "anna@example.org"), Some(json!("queued")));
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let list = json_of(&list);
    assert_eq!(mail_status(&list, "anna@example.org"), Some(json!("sent")));
    assert_eq!(
        mail_status(&list, "bounce-me@example.net"),
        Some(json!("bounced")),
        "the server refused the mailbox: no retries, shown as bounced"
    );
    let message = sink
        .messages()
        .into_iter()
        .find(|m| is_to(m, "anna@example.org") && m.contains("Ihre Buchung ist best"))
        .expect("the confirmation mail");
    assert!(
        message.contains("Ihre Buchung ist best")
            && message.contains("Lauftreff")
            && message.contains("14.12.2026 19:00 – 21:00 (Europe/Berlin)"),
        "the session in the tenant's time zone (18:00 UTC is 19:00 in Berlin in December): {message}"
    );
    // The booking's sessions for the calendar, as an attachment (issue 23).
    assert!(message.contains("Content-Type: text/calendar") && message.contains("termine.ics"), "{message}");
    assert!(message.contains("http://localhost:8080/#/p/verein-a/login"), "the mail leads to the portal: {message}");
}

#[actix_web::test]
async fn acc_4_magic_link_requests_answer_alike_for_unknown_emails_and_are_rate_limited() {
    let sink = MailSink::start();
    let app = test_app_with(|c| {
        sink.configure(c);
        c.rate_limit.public_per_ip_per_minute = 1000;
        c.rate_limit.magic_link_per_email_per_minute = 3;
    });
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    book_confirmed(&app, &service, "verein-a", &event, booking("Anna Beispiel", "anna@example.org"), "198.51.100.5").await;
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    let before = sink.messages().len();

    let ask = |email: &str| public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.7").set_json(json!({ "email": email }));
    let (known_status, known_headers, known_body) = call(&service, ask("anna@example.org")).await;
    let (unknown_status, unknown_headers, unknown_body) = call(&service, ask(&sensitive("niemand@example.org"))).await;
    assert_eq!(known_status, StatusCode::ACCEPTED);
    assert_eq!((known_status, known_body.clone()), (unknown_status, unknown_body), "same answer");
    assert_eq!(known_headers.get(header::CONTENT_TYPE), unknown_headers.get(header::CONTENT_TYPE));
    deliver_until(&app, &sink, |all| all.len() > before);
    // Both requests were handled by now (audited); still only one mail.
    let audited = || app.db.audit_text().iter().filter(|r| r.contains("participant.magic_link_requested")).count();
    let started = std::time::Instant::now();
    while audited() < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "both requests are audited");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    assert_eq!(sink.messages().len(), before + 1, "only the known participant got a mail");
    // An email known in another tenant is unknown here, too.
    let (status, _, _) = call(
        &service,
        public("POST", "/api/v1/public/verein-b/magic-link", "198.51.100.7").set_json(json!({ "email": "anna@example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "no such tenant");

    // Per email: the fourth request in a minute waits, from any address.
    call(&service, ask("anna@example.org")).await;
    call(&service, ask("anna@example.org")).await;
    let (status, headers, _) = call(
        &service,
        public("POST", "/api/v1/public/verein-a/magic-link", "203.0.113.99").set_json(json!({ "email": "anna@example.org" })),
    )
    .await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert!(headers.get(header::RETRY_AFTER).is_some());
    // Malformed input is refused before anything happens.
    let (status, _, _) = call(&service, ask("kein-at-zeichen")).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
}

#[actix_web::test]
async fn pseudo_1_a_database_dump_holds_no_participant_plaintext() {
    let sink = MailSink::start();
    let app = app_with_limits(Some(&sink));
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 1, true)).await;
    let fixtures = [
        ("Anna Beispiel", "anna@example.org", "0301234567", "Rollstuhlplatz benötigt"),
        ("Bertha Quellmalz", "bertha.quellmalz@example.org", "+49 89 765432", "vegetarisch bitte"),
    ];
    for (name, email, phone, note) in fixtures {
        let body = json!({ "name": name, "email": email, "phone": phone, "note": note, "consent": true });
        let (status, answer) = book_confirmed(&app, &service, "verein-a", &event, body, "198.51.100.5").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    // Mail delivered (payload dropped), a link requested and used, a request and an opt-out reason stored.
    anwesend::notify::deliver_due(&app.state).expect("deliver");
    call(&service, public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.5").set_json(json!({ "email": "anna@example.org" })))
        .await;
    let token = mailed_link(&app, &sink, "anna@example.org", "login?token=").rsplit_once("token=").expect("token").1.to_owned();
    let (_, _, session) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link/redeem", "198.51.100.5").set_json(json!({ "token": token })))
            .await;
    let bearer = json_of(&session)["token"].as_str().expect("session").to_owned();
    let (status, _, _) = call(
        &service,
        portal("POST", "/api/v1/portal/requests", &bearer)
            .set_json(json!({ "kind": "correction", "message": "Bitte Quellmalz-Adresse korrigieren" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let (status, _, _) = call(
        &service,
        portal("POST", "/api/v1/portal/unsubscribe", &bearer).set_json(json!({ "reason": "other", "text": "Zu viele Mails an Bertha" })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    // Something still queued, so an encrypted payload is in the dump too.
    call(
        &service,
        public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.5").set_json(json!({ "email": "bertha.quellmalz@example.org" })),
    )
    .await;
    let started = std::time::Instant::now();
    while row_counts(&app.db)[4] < 2 {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "Bertha's link is made");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }

    let dump = String::from_utf8_lossy(&database_dump(&app.db)).to_lowercase();
    assert!(dump.contains("lauftreff"), "the dump is readable: event titles are plain");
    for plaintext in [
        "anna@example.org",
        "Anna Beispiel",
        "Beispiel",
        "bertha.quellmalz",
        "Quellmalz",
        "0301234567",
        "765432",
        "Rollstuhlplatz",
        "vegetarisch",
        "korrigieren",
        "Zu viele Mails",
        &bearer,
        &token,
    ] {
        assert!(!dump.contains(&plaintext.to_lowercase()), "PSEUDO-1: the dump holds {plaintext:?}");
    }
    // The organiser still sees everything, decrypted.
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let list = json_of(&list);
    assert_eq!(list[1]["note"], "vegetarisch bitte");
    assert_eq!(list[1]["status"], "waiting");
}

#[actix_web::test]
async fn rights_1_the_portal_lists_cancels_exports_and_takes_requests_and_opt_outs() {
    let sink = MailSink::start();
    let app = app_with_limits(Some(&sink));
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 1, true)).await;
    for (name, email) in [("Anna Beispiel", "anna@example.org"), ("Carl Nachrücker", "carl@example.net")] {
        let body = json!({ "name": name, "email": email, "consent": true, "note": "Hallo", "language": "en" });
        book_confirmed(&app, &service, "verein-a", &event, body, "198.51.100.5").await;
    }
    let (_, _, list) = call(&service, staff.request("GET", &format!("/api/v1/events/{event}/bookings"))).await;
    let carls = json_of(&list)[1]["id"].as_str().expect("carl").to_owned();

    call(&service, public("POST", "/api/v1/public/verein-a/magic-link", "198.51.100.5").set_json(json!({ "email": "anna@example.org" })))
        .await;
    let token = mailed_link(&app, &sink, "anna@example.org", "login?token=").rsplit_once("token=").expect("token").1.to_owned();
    let (_, _, session) =
        call(&service, public("POST", "/api/v1/public/verein-a/magic-link/redeem", "198.51.100.5").set_json(json!({ "token": token })))
            .await;
    let bearer = json_of(&session)["token"].as_str().expect("session").to_owned();

    let (status, _, bookings) = call(&service, portal("GET", "/api/v1/portal/bookings", &bearer)).await;
    assert_eq!(status, StatusCode::OK);
    let bookings = json_of(&bookings);
    assert_eq!(bookings.as_array().map(Vec::len), Some(1), "only her own: {bookings}");
    let annas = bookings[0]["id"].as_str().expect("id").to_owned();
    assert_eq!(bookings[0]["title"], "Lauftreff");
    // Someone else's booking is not found.
    let (status, _, _) = call(&service, portal("POST", &format!("/api/v1/portal/bookings/{carls}/cancel"), &bearer)).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, cancelled) = call(&service, portal("POST", &format!("/api/v1/portal/bookings/{annas}/cancel"), &bearer)).await;
    assert_eq!((status, json_of(&cancelled)["status"].as_str()), (StatusCode::OK, Some("cancelled")));
    assert_eq!(statuses(&app.db, &event), (1, 0), "Carl moved up");
    deliver_until(&app, &sink, |all| all.iter().any(|m| is_to(m, "carl@example.net") && m.contains("A seat is free")));

    // Requests and the opt-out with its reason.
    for body in
        [json!({ "kind": "deletion" }), json!({ "kind": "erasure", "message": "x".repeat(2001) }), json!({ "kind": "erasure", "extra": 1 })]
    {
        let (status, _, _) = call(&service, portal("POST", "/api/v1/portal/requests", &bearer).set_json(body.clone())).await;
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    }
    let (status, _, request) = call(
        &service,
        portal("POST", "/api/v1/portal/requests", &bearer).set_json(json!({ "kind": "erasure", "message": "Bitte alles löschen" })),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    let request = json_of(&request);
    assert_eq!(request["status"], "open");
    let (status, _, _) = call(&service, portal("POST", "/api/v1/portal/unsubscribe", &bearer).set_json(json!({ "reason": "spam" }))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, pref) =
        call(&service, portal("POST", "/api/v1/portal/unsubscribe", &bearer).set_json(json!({ "reason": "too_many" }))).await;
    assert_eq!((status, json_of(&pref)["mail_opt_out"].as_bool()), (StatusCode::OK, Some(true)));
    let audit = app.db.audit_text();
    assert!(audit.iter().any(|r| r.contains("participant.unsubscribed") && r.contains("too_many")), "INPUT-6: the reason is recorded");
    assert!(audit.iter().any(|r| r.contains("subject_request.received") && r.contains("erasure")));

    // The export holds everything about her, and nothing about Carl.
    let (status, headers, export) = call(&service, portal("GET", "/api/v1/portal/export", &bearer)).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.starts_with("attachment")));
    let export = json_of(&export);
    assert_eq!(export["participant"]["email"], "anna@example.org");
    assert_eq!(export["participant"]["mail_opt_out_reason"], "too_many");
    assert_eq!(export["bookings"][0]["status"], "cancelled");
    assert_eq!(export["bookings"][0]["note"], "Hallo");
    assert!(export["bookings"][0]["consent_text"].as_str().is_some_and(|t| t.contains("I agree")), "the consent she gave, in her language");
    assert_eq!(export["requests"][0]["message"], "Bitte alles löschen");
    let purposes: Vec<&str> = export["mails"].as_array().expect("mails").iter().filter_map(|m| m["purpose"].as_str()).collect();
    assert!(
        purposes.contains(&"booking_confirmation") && purposes.contains(&"magic_link") && purposes.contains(&"booking_cancelled"),
        "{purposes:?}"
    );
    assert!(!export.to_string().contains("carl"), "nobody else's data");
    assert!(app.db.audit_text().iter().any(|r| r.contains("participant.data_exported")));
}

#[actix_web::test]
async fn sep_3_organisers_search_move_and_export_while_instructors_and_company_admins_see_only_theirs() {
    let app = app_with_limits(None);
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let trainer = member(&app, &a, "trainer@verein-a.example", "instructor", None);
    member(&app, &a, "personal@acme.example", "company_admin", Some("c-acme"));
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    let service = app.service().await;
    let orga = sign_in(&service, "orga@verein-a.example").await;
    let mut taught = event_body("Erste Hilfe", 5, false);
    taught["instructor_ids"] = json!([trainer]);
    let taught = published_event(&service, &orga, taught).await;
    let mut company = event_body("Firmenkurs", 5, false);
    company["company_id"] = json!("c-acme");
    let company = published_event(&service, &orga, company).await;
    let other = published_event(&service, &orga, event_body("Anderes", 5, true)).await;
    for (event, name, email) in [
        (&taught, "Anna Beispiel", "anna@example.org"),
        (&company, "Dora Formel", "dora@example.net"),
        (&other, "Emil Ohnekurs", "emil@example.net"),
    ] {
        let (status, _) = book_confirmed(&app, &service, "verein-a", event, booking(name, email), "198.51.100.5").await;
        assert_eq!(status, StatusCode::OK);
    }

    for (email, visible) in [("trainer@verein-a.example", &taught), ("personal@acme.example", &company)] {
        let (_, client, _, _) = login(&service, email, PASSWORD).await;
        let (_, _, list) = call(&service, client.request("GET", "/api/v1/events")).await;
        let ids: Vec<String> =
            json_of(&list).as_array().expect("list").iter().filter_map(|e| e["id"].as_str().map(str::to_owned)).collect();
        assert_eq!(&ids, std::slice::from_ref(visible), "{email} sees only their event");
        let (status, _, _) = call(&service, client.request("GET", &format!("/api/v1/events/{other}/bookings"))).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email}");
        let (status, _, _) = call(&service, client.request("GET", &format!("/api/v1/events/{visible}/bookings"))).await;
        assert_eq!(status, StatusCode::OK, "{email}");
        let (status, _, _) = call(&service, client.request("GET", "/api/v1/participants?q=anna")).await;
        assert_eq!(status, StatusCode::FORBIDDEN, "{email} cannot search all participants");
    }

    // Search by whole words and whole email, case-insensitive; no partial matches.
    let search = |q: &str| orga.request("GET", &format!("/api/v1/participants?q={}", q.replace(' ', "%20").replace('@', "%40")));
    for (q, expected) in [
        ("anna", vec!["Anna Beispiel"]),
        ("BEISPIEL anna", vec!["Anna Beispiel"]),
        ("DORA@example.net", vec!["Dora Formel"]),
        ("ann", vec![]),
        ("anna formel", vec![]),
    ] {
        let (status, _, hits) = call(&service, search(q)).await;
        assert_eq!(status, StatusCode::OK);
        let names: Vec<String> =
            json_of(&hits).as_array().expect("hits").iter().filter_map(|h| h["name"].as_str().map(str::to_owned)).collect();
        assert_eq!(names, expected, "{q}");
    }

    // Move Emil into the full-capable course; his old seat frees.
    let (_, _, list) = call(&service, orga.request("GET", &format!("/api/v1/events/{other}/bookings"))).await;
    let emils = json_of(&list)[0]["id"].as_str().expect("id").to_owned();
    let (status, _, moved) =
        call(&service, orga.request("POST", &format!("/api/v1/bookings/{emils}/move")).set_json(json!({ "event_id": taught }))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&moved));
    assert_eq!(json_of(&moved)["event_id"], json!(taught));
    assert_eq!(statuses(&app.db, &other), (0, 0));
    assert_eq!(statuses(&app.db, &taught), (2, 0));

    // CSV: every booking, formulas defused.
    book_confirmed(&app, &service, "verein-a", &taught, booking("=HYPERLINK(\"http://x\")", "formel@example.net"), "198.51.100.5").await;
    let (status, headers, csv) = call(&service, orga.request("GET", &format!("/api/v1/events/{taught}/bookings.csv"))).await;
    assert_eq!(status, StatusCode::OK);
    assert!(headers.get(header::CONTENT_DISPOSITION).and_then(|v| v.to_str().ok()).is_some_and(|v| v.contains("attachment")));
    let csv = String::from_utf8(csv).expect("utf-8");
    assert_eq!(csv.lines().count(), 4, "{csv}");
    assert!(csv.contains("\"anna@example.org\"") && csv.contains("\"emil@example.net\""), "{csv}");
    assert!(csv.contains("\"'=HYPERLINK(\"\"http://x\"\")\""), "formula defused: {csv}");
    assert!(app.db.audit_text().iter().any(|r| r.contains("booking.exported")));
}

/// `curl` with the page's Origin; returns (status, body).
fn curl(port: u16, method: &str, path: &str, body: Option<Value>, bearer: Option<&str>) -> (u16, String) {
    let mut cmd = std::process::Command::new("curl");
    cmd.args(["-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "-X", method])
        .arg("-H")
        .arg(format!("Origin: http://localhost:{port}"))
        .arg(format!("http://127.0.0.1:{port}{path}"));
    if let Some(body) = body {
        cmd.args(["-H", "Content-Type: application/json", "--data-binary"]).arg(body.to_string());
    }
    if let Some(token) = bearer {
        cmd.arg("-H").arg(format!("Authorization: Bearer {token}"));
    }
    let out = cmd.output().expect("curl");
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    let (body, code) = text.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), body.to_owned())
}

// `test` here is actix-web's module; this one is the plain test attribute.
#[core::prelude::v1::test]
fn trans_3_sign_in_tokens_and_personal_data_never_reach_the_server_log() {
    use crate::fixtures::server::{anwesend, free_port, Server};
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).expect("log file");
    let _server = Server(
        anwesend(&test_db, dir.path())
            .arg("serve")
            .env("ANWESEND_LISTEN", format!("127.0.0.1:{port}"))
            .env("ANWESEND_PUBLIC_URL", format!("http://localhost:{port}"))
            // Everything the server would ever log, at its most talkative.
            .env("RUST_LOG", "trace")
            .stdout(log.try_clone().expect("log"))
            .stderr(log)
            .spawn()
            .expect("serve"),
    );
    let started = std::time::Instant::now();
    while curl(port, "GET", "/healthz", None, None).0 != 200 {
        assert!(started.elapsed() < std::time::Duration::from_secs(60), "the server did not start");
        std::thread::sleep(std::time::Duration::from_millis(200));
    }
    // `make run`'s demo tenant comes with a published course.
    let event: String = {
        use anwesend::db::schema::events::dsl as e;
        e::events.filter(e::title.eq("Schnupperkurs Yoga")).select(e::id).first(&mut test_db.inspect()).expect("the demo course")
    };
    let (status, body) = curl(port, "GET", &format!("/api/v1/public/demo/events/{event}"), None, None);
    assert_eq!(status, 200, "{body}");
    let (name, email) = ("Anna Beispiel", "anna@example.org");
    let (status, body) = curl(
        port,
        "POST",
        &format!("/api/v1/public/demo/events/{event}/bookings"),
        Some(json!({ "name": name, "email": email, "consent": true })),
        None,
    );
    assert_eq!(status, 202, "{body}");
    // Development mail lands in files under data_dir/mail.
    let mailed_token = |marker: &str, what: &str| loop {
        let found = std::fs::read_dir(dir.path().join("mail"))
            .into_iter()
            .flatten()
            .filter_map(Result::ok)
            .filter_map(|f| std::fs::read_to_string(f.path()).ok())
            .find_map(|m| m.split_whitespace().find_map(|w| w.split_once(marker).map(|(_, t)| t.to_owned())));
        if let Some(token) = found {
            break token;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(90), "no {what} mail arrived");
        std::thread::sleep(std::time::Duration::from_millis(200));
    };
    let confirmation = mailed_token("confirm?token=", "confirmation");
    let (status, body) = curl(port, "POST", "/api/v1/public/demo/bookings/confirm", Some(json!({ "token": confirmation })), None);
    assert_eq!(status, 200, "{body}");
    let (status, _) = curl(port, "POST", "/api/v1/public/demo/magic-link", Some(json!({ "email": email })), None);
    assert_eq!(status, 202);
    let token = mailed_token("login?token=", "sign-in");
    let (status, body) = curl(port, "POST", "/api/v1/public/demo/magic-link/redeem", Some(json!({ "token": token })), None);
    assert_eq!(status, 200, "{body}");
    let session: Value = serde_json::from_str(&body).expect("json");
    let bearer = session["token"].as_str().expect("session token").to_owned();
    assert_eq!(curl(port, "GET", "/api/v1/portal/me", None, Some(&bearer)).0, 200);
    assert_eq!(curl(port, "POST", "/api/v1/public/demo/magic-link/redeem", Some(json!({ "token": token })), None).0, 404);
    assert_eq!(curl(port, "GET", "/api/v1/portal/export", None, Some(&bearer)).0, 200);
    drop(_server);

    let log = std::fs::read_to_string(&log_path).expect("log");
    assert!(log.contains("/api/v1/public/{tenant}/magic-link/redeem"), "requests are logged (by route pattern): {log}");
    assert!(log.contains("/api/v1/public/{tenant}/bookings/confirm"), "{log}");
    for secret in [token.as_str(), confirmation.as_str(), bearer.as_str(), email, name, "Beispiel"] {
        assert!(!log.contains(secret), "TRANS-3: the server log holds {secret:?}");
    }
}

/// A participant's phone, decrypted (None: none stored).
fn stored_phone(app: &TestApp, participant: &str) -> Option<String> {
    use anwesend::db::schema::{participants::dsl as p, tenants::dsl as t};
    let mut conn = app.db.inspect();
    let (tenant, phone): (String, Option<Vec<u8>>) =
        p::participants.filter(p::id.eq(participant)).select((p::tenant_id, p::phone_ciphertext)).first(&mut conn).expect("participant");
    let _: String = t::tenants.filter(t::id.eq(&tenant)).select(t::id).first(&mut conn).expect("tenant");
    let keys = anwesend::tenants::service::load_keys(
        &app.state.db,
        &app.state.master,
        &anwesend::db::TenantScope::named_by_operator(tenant.as_str()),
    )
    .expect("keys");
    phone.map(|c| keys.decrypt("participants", "phone", participant, &c).expect("phone").to_string())
}

#[actix_web::test]
async fn priv_1_public_booking_answers_alike_for_new_booked_and_restricted_people_and_changes_nothing() {
    let app = app_with_limits(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let first = published_event(&service, &staff, event_body("Lauftreff", 10, true)).await;
    let event = published_event(&service, &staff, event_body("Yoga", 10, true)).await;
    // Known people: Anna (booked for `event` already), Bruno (known, not booked), Rita (restricted).
    let person = |name: &str, email: &str, phone: &str| json!({ "name": name, "email": email, "phone": phone, "consent": true });
    let (_, anna) =
        book_confirmed(&app, &service, "verein-a", &event, person("Anna Beispiel", "anna@example.org", "0301111"), "10.2.0.1").await;
    let (_, bruno) =
        book_confirmed(&app, &service, "verein-a", &first, person("Bruno Bekannt", "bruno@example.net", "0302222"), "10.2.0.2").await;
    let (_, rita) =
        book_confirmed(&app, &service, "verein-a", &first, person("Rita Ruhe", "rita@example.net", "0303333"), "10.2.0.3").await;
    let participant_of = |booking: &Value| -> String {
        use anwesend::db::schema::bookings::dsl as b;
        b::bookings
            .filter(b::id.eq(booking["booking_id"].as_str().expect("id")))
            .select(b::participant_id)
            .first(&mut app.db.inspect())
            .expect("b")
    };
    let (anna, bruno, rita) = (participant_of(&anna), participant_of(&bruno), participant_of(&rita));
    let (status, _, _) =
        call(&service, staff.request("PUT", &format!("/api/v1/participants/{rita}/restriction")).set_json(json!({ "restricted": true })))
            .await;
    assert_eq!(status, StatusCode::OK);
    let audit_before = app.db.audit_text().len();
    let links_before = links_mailed(&app.db);
    let participants_before: Vec<(String, chrono::NaiveDateTime)> = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants.select((p::id, p::updated_at)).order(p::id).load(&mut app.db.inspect()).expect("participants")
    };

    // A stranger books in each one's name, with a phone number of their own.
    let uri = format!("/api/v1/public/verein-a/events/{event}/bookings");
    let mut answers = Vec::new();
    for (i, email) in ["neu@example.net", "bruno@example.net", "anna@example.org", "rita@example.net"].iter().enumerate() {
        let (status, headers, body) =
            call(&service, public("POST", &uri, &format!("10.2.1.{i}")).set_json(person("Fremde Person", email, "0179 666666"))).await;
        answers.push((status, headers.get(header::CONTENT_TYPE).cloned(), body));
    }
    for answer in &answers {
        assert_eq!(answer, &answers[0], "one answer for new, known, booked and restricted people");
    }
    assert_eq!(answers[0].0, StatusCode::ACCEPTED);
    assert_eq!(json_of(&answers[0].2), json!({ "message": "check_mail" }));

    // Nothing about a known person changed, and nothing claims they did anything.
    let participants_after: Vec<(String, chrono::NaiveDateTime)> = {
        use anwesend::db::schema::participants::dsl as p;
        p::participants.select((p::id, p::updated_at)).order(p::id).load(&mut app.db.inspect()).expect("participants")
    };
    assert_eq!(participants_after, participants_before, "no participant made or changed by the form");
    assert_eq!(stored_phone(&app, &bruno).as_deref(), Some("0302222"), "Bruno's phone is his own");
    assert_eq!(stored_phone(&app, &anna).as_deref(), Some("0301111"));
    assert_eq!(statuses(&app.db, &event), (1, 0), "only Anna's own booking");
    let new_entries: Vec<String> = app.db.audit_text().split_off(audit_before);
    assert_eq!(new_entries.len(), 4, "{new_entries:?}");
    for entry in &new_entries {
        assert!(entry.contains("booking.requested"), "{entry}");
        for someone in [&anna, &bruno, &rita] {
            assert!(!entry.contains(someone.as_str()), "no entry names a known person: {entry}");
        }
    }

    // The mails say what happened, each to its address.
    let mail = |to: &str, purpose: &str| outbox_mail(&app, "verein-a", to, purpose).map(|m| m.text);
    assert!(mail("neu@example.net", "booking_link").is_some_and(|t| t.contains("/#/p/verein-a/confirm?token=")));
    assert!(mail("bruno@example.net", "booking_link").is_some_and(|t| t.contains("Wenn Sie nicht gebucht haben")));
    assert!(mail("anna@example.org", "booking_refused").is_some_and(|t| t.contains("bereits eine Buchung")));
    assert!(mail("rita@example.net", "booking_refused").is_some_and(|t| t.contains("zurzeit nicht möglich")));
    assert_eq!(links_mailed(&app.db) - links_before, 2, "links to the new address and Bruno only");

    // Bruno opens his link: booked as he is; the stranger's phone stays with that booking only.
    let (status, _, body) = call(
        &service,
        public("POST", "/api/v1/public/verein-a/bookings/confirm", "10.2.2.1")
            .set_json(json!({ "token": confirmation_token(&app, "verein-a", "bruno@example.net") })),
    )
    .await;
    assert_eq!((status, json_of(&body)["status"].as_str()), (StatusCode::OK, Some("confirmed")), "{}", String::from_utf8_lossy(&body));
    assert_eq!(stored_phone(&app, &bruno).as_deref(), Some("0302222"), "confirming changes no stored data either");
    assert!(!app.db.audit_text().iter().any(|r| r.contains("participant.updated")), "no entry claims a person changed their data");

    // With the confirmation step off, a new address books an open event at once; known
    // people still confirm by link, and the answer is the same.
    let (status, _, settings) = call(
        &service,
        staff
            .request("PUT", "/api/v1/tenant/booking")
            .set_json(json!({ "consent_text": "Ich willige ein.", "confirm_open_events": false })),
    )
    .await;
    assert_eq!((status, json_of(&settings)["confirm_open_events"].as_bool()), (StatusCode::OK, Some(false)));
    assert_eq!(json_of(&settings)["link_hours"], 24);
    assert!(app.db.audit_text().iter().any(|r| r.contains("tenant.booking_settings_changed") && r.contains("confirm_open_events")));
    let open = published_event(&service, &staff, event_body("Offener Abend", 10, true)).await;
    let uri = format!("/api/v1/public/verein-a/events/{open}/bookings");
    let mut off = Vec::new();
    for (i, email) in ["sofort@example.net", "bruno@example.net", "rita@example.net"].iter().enumerate() {
        let (status, _, body) =
            call(&service, public("POST", &uri, &format!("10.2.3.{i}")).set_json(person("Fremde Person", email, "0179 666666"))).await;
        off.push((status, body));
    }
    assert!(off.iter().all(|a| a == &answers_body(&answers[0])), "the same answer with the step off");
    assert_eq!(statuses(&app.db, &open), (1, 0), "the new address is booked at once, Bruno is not");
    assert!(mail("sofort@example.net", "booking_confirmation").is_some_and(|t| t.contains("Ihre Buchung ist bestätigt")));
    assert!(mail("bruno@example.net", "booking_link").is_some_and(|t| t.contains("Offener Abend")));
    assert_eq!(stored_phone(&app, &bruno).as_deref(), Some("0302222"));
}

fn links_mailed(db: &TestDb) -> i64 {
    use anwesend::db::schema::mail_outbox::dsl as m;
    m::mail_outbox.filter(m::purpose.eq("booking_link")).count().get_result(&mut db.inspect()).expect("count")
}

fn answers_body(answer: &(StatusCode, Option<header::HeaderValue>, Vec<u8>)) -> (StatusCode, Vec<u8>) {
    (answer.0, answer.2.clone())
}

#[actix_web::test]
async fn acc_2_booking_confirmation_links_are_single_use_hashed_and_expire() {
    let app = app_with_limits(None);
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    admin(&app, &a, "leitung@verein-a.example");
    admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 1, true)).await;
    let uri = format!("/api/v1/public/verein-a/events/{event}/bookings");
    let confirm = |slug: &str, token: &str| {
        public("POST", &format!("/api/v1/public/{slug}/bookings/confirm"), "198.51.100.6").set_json(json!({ "token": token }))
    };

    call(&service, public("POST", &uri, "198.51.100.6").set_json(booking("Anna Beispiel", "anna@example.org"))).await;
    let token = confirmation_token(&app, "verein-a", "anna@example.org");
    assert!(token.len() >= 43, "256 random bits, base64url: {token}");
    // Stored hashed: the token is nowhere in the database, its SHA-256 is.
    let dump = database_dump(&app.db);
    assert!(!String::from_utf8_lossy(&dump).contains(&token), "the token is not stored");
    let stored: Vec<Vec<u8>> = {
        use anwesend::db::schema::booking_holds::dsl as h;
        h::booking_holds.select(h::token_hash).load(&mut app.db.inspect()).expect("holds")
    };
    assert_eq!(stored, vec![anwesend::auth::service::token_hash(&token)]);
    assert_eq!(holds(&app.db, &event), (1, 1), "the hold keeps the one seat");

    // Another tenant's page and a tampered token do not work; the right one works once.
    let mut tampered = token.clone();
    let last = tampered.pop().expect("char");
    tampered.push(if last == 'A' { 'B' } else { 'A' });
    for (slug, t) in [("verein-b", token.as_str()), ("verein-a", tampered.as_str())] {
        let (status, _, body) = call(&service, confirm(slug, t)).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "{slug} {t}");
    }
    let (status, _, body) = call(&service, confirm("verein-a", &token)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let body = json_of(&body);
    assert_eq!((body["status"].as_str(), body["title"].as_str()), (Some("confirmed"), Some("Lauftreff")));
    assert_eq!(statuses(&app.db, &event), (1, 0));
    let (status, _, body) = call(&service, confirm("verein-a", &token)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "a used link does not work twice");
    assert_eq!(statuses(&app.db, &event), (1, 0));

    // The tenant's expiry: 2 hours. A link opened later is refused, and its seat is free again.
    let (status, _, _) = call(
        &service,
        staff.request("PUT", "/api/v1/tenant/booking").set_json(json!({ "consent_text": "Ich willige ein.", "link_hours": 2 })),
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let second = published_event(&service, &staff, event_body("Einzelstunde", 1, false)).await;
    let uri = format!("/api/v1/public/verein-a/events/{second}/bookings");
    call(&service, public("POST", &uri, "198.51.100.6").set_json(booking("Carla Spät", "carla@example.net"))).await;
    let late = confirmation_token(&app, "verein-a", "carla@example.net");
    assert!(outbox_mail(&app, "verein-a", "carla@example.net", "booking_link").is_some_and(|m| m.text.contains("2 Stunden")));
    call(&service, public("POST", &uri, "198.51.100.6").set_json(booking("Dora Direkt", "dora@example.net"))).await;
    assert!(
        outbox_mail(&app, "verein-a", "dora@example.net", "booking_refused").is_some_and(|m| m.text.contains("ausgebucht")),
        "Carla's hold keeps the only seat"
    );
    app.clock.advance(Duration::hours(2));
    let (status, _, body) = call(&service, confirm("verein-a", &late)).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::NOT_FOUND, Some("link_invalid")), "expired");
    let (status, dora) =
        book_confirmed(&app, &service, "verein-a", &second, booking("Dora Direkt", "dora@example.net"), "198.51.100.6").await;
    assert_eq!((status, dora["status"].as_str()), (StatusCode::OK, Some("confirmed")), "the expired hold freed its seat");
    assert_eq!((statuses(&app.db, &second), holds(&app.db, &second)), ((1, 0), (0, 0)), "the expired hold is gone");
    assert_eq!(statuses(&app.db, &event), (1, 0));
}

#[actix_web::test]
async fn priv_5_bad_input_to_booking_confirmation_is_refused_and_writes_nothing() {
    let app = app_with_limits(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Lauftreff", 5, true)).await;
    call(
        &service,
        public("POST", &format!("/api/v1/public/verein-a/events/{event}/bookings"), "198.51.100.5")
            .set_json(booking("Anna Beispiel", "anna@example.org")),
    )
    .await;
    let token = confirmation_token(&app, "verein-a", "anna@example.org");
    let uri = "/api/v1/public/verein-a/bookings/confirm";
    let before = (row_counts(&app.db), app.db.audit_text().len());
    let bodies = [
        json!({ "token": "" }),
        json!({ "token": "x".repeat(129) }),
        json!({ "token": "A".repeat(10_000) }),
        json!({ "token": "' OR 1=1 --" }),
        json!({ "token": format!("{token}\u{0000}") }),
        json!({ "token": format!("../{token}") }),
        json!({ "token": format!("{token}%00") }),
        json!({ "token": "unbekannt" }),
    ];
    for body in &bodies {
        let (status, headers, answer) = call(&service, public("POST", uri, "198.51.100.5").set_json(body)).await;
        assert_eq!(
            (status, json_of(&answer)["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("link_invalid")),
            "{}",
            &body.to_string()[..40.min(body.to_string().len())]
        );
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    }
    for (body, expected) in [
        (json!({ "token": 42 }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "token": [token.clone()] }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({ "token": token.clone(), "booking_id": "x" }), StatusCode::UNPROCESSABLE_ENTITY),
        (json!({}), StatusCode::UNPROCESSABLE_ENTITY),
    ] {
        let (status, _, answer) = call(&service, public("POST", uri, "198.51.100.5").set_json(&body)).await;
        assert_eq!(status, expected, "{body}: {}", String::from_utf8_lossy(&answer));
    }
    let (status, _, _) = call(
        &service,
        public("POST", uri, "198.51.100.5").insert_header((header::CONTENT_TYPE, "application/json")).set_payload("{\"token\": "),
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let (status, _, _) =
        call(&service, public("POST", uri, "198.51.100.5").set_json(json!({ "token": "B".repeat(10 * 1024 * 1024) }))).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    // Without the page's Origin nobody confirms in someone's name from another site.
    let (status, _, _) = call(
        &service,
        test::TestRequest::post().uri(uri).peer_addr("198.51.100.5:1".parse().expect("addr")).set_json(json!({ "token": token })),
    )
    .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!((row_counts(&app.db), app.db.audit_text().len()), before, "refused confirmations wrote nothing");
    // The real link still works after all that.
    let (status, _, _) = call(&service, public("POST", uri, "198.51.100.5").set_json(json!({ "token": token }))).await;
    assert_eq!(status, StatusCode::OK);
}

/// Each public booking request mails the address, so a stranger could flood someone's
/// mailbox through the form from many addresses: requests are limited per address (and
/// tenant), alike for known and unknown people, and another address is not held back.
#[actix_web::test]
async fn acc_4_booking_requests_are_limited_per_mail_address() {
    let app = app_with_limits(None);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Yoga", 10, true)).await;
    let path = format!("/api/v1/public/verein-a/events/{event}/bookings");
    let request = |email: &str, i: usize| public("POST", &path, &format!("10.7.{i}.1")).set_json(booking("Ziel Person", email));
    let mails_before = links_mailed(&app.db);
    let mut statuses = Vec::new();
    for i in 0..6 {
        statuses.push(call(&service, request("ziel@example.org", i)).await.0);
    }
    assert_eq!(statuses[..3], [StatusCode::ACCEPTED; 3], "{statuses:?}");
    assert_eq!(statuses[3..], [StatusCode::TOO_MANY_REQUESTS; 3], "the fourth request within a minute is refused: {statuses:?}");
    assert_eq!(links_mailed(&app.db) - mails_before, 3, "no mail for a refused request");
    let (status, _, _) = call(&service, request("andere@example.org", 9)).await;
    assert_eq!(status, StatusCode::ACCEPTED, "another address still books");
}
