//! Organiser experience (issue 23): the start page per role, and the staff password reset
//! by mail (TOM ACC-4, ACC-5).

use actix_web::http::{header, StatusCode};
use anwesend::clock::Clock;
use chrono::Duration;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, MailSink, TestApp};
use crate::fixtures::{
    admin, book_confirmed, call, deliver_until, enrol, is_to, json_of, login, mailed_link, member, public, published_event, sign_in,
    tenant, PASSWORD,
};

const NEW_PASSWORD: &str = "Sonnenblume-Kanu-Treppe-7";

fn app(sink: &MailSink) -> TestApp {
    test_app_with(|c| {
        sink.configure(c);
        c.rate_limit.public_per_ip_per_minute = 1000;
    })
}

fn reset_request(email: &str, ip: &str) -> actix_web::test::TestRequest {
    public("POST", "/api/v1/auth/password-reset", ip).set_json(json!({ "email": email, "language": "en" }))
}

fn reset_completion(token: &str, password: &str) -> actix_web::test::TestRequest {
    public("POST", "/api/v1/auth/password-reset/complete", "198.51.100.41").set_json(json!({ "token": token, "new_password": password }))
}

/// How many audit entries of `action` there are.
fn audited(app: &TestApp, action: &str) -> usize {
    app.db.audit_text().iter().filter(|r| r.contains(action)).count()
}

/// Waits until `n` requests of a reset link were handled (after their answer).
fn wait_for_requests(app: &TestApp, n: usize) {
    let started = std::time::Instant::now();
    while audited(app, "auth.password_reset_requested") < n {
        assert!(started.elapsed() < std::time::Duration::from_secs(10), "the reset requests are handled");
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
}

#[actix_web::test]
async fn acc_5_password_reset_link_works_once_ends_every_session_and_tells_the_account() {
    let sink = MailSink::start();
    let app = app(&sink);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let laptop = sign_in(&service, "leitung@verein-a.example").await;
    let phone = sign_in(&service, "leitung@verein-a.example").await;

    // Known and unknown addresses get the same answer; only the known one gets a mail.
    let (known_status, known_headers, known_body) = call(&service, reset_request("Leitung@Verein-A.example", "198.51.100.40")).await;
    let (unknown_status, unknown_headers, unknown_body) =
        call(&service, reset_request(&sensitive("niemand@verein-a.example"), "198.51.100.40")).await;
    assert_eq!(known_status, StatusCode::ACCEPTED);
    assert_eq!((known_status, &known_body), (unknown_status, &unknown_body), "same answer");
    assert_eq!(known_headers.get(header::CONTENT_TYPE), unknown_headers.get(header::CONTENT_TYPE));
    wait_for_requests(&app, 2);

    let link = mailed_link(&app, &sink, "leitung@verein-a.example", "#/reset-password?token=");
    assert!(link.starts_with("http://localhost:8080/#/reset-password?token="), "the token travels in the fragment: {link}");
    let token = sensitive(link.rsplit_once("token=").expect("token").1);
    assert!(token.len() >= 43, "256 random bits, base64url: {token}");
    assert_eq!(sink.messages().len(), 1, "no mail to an unknown address");
    // Only the token's hash is stored.
    let stored: Vec<Vec<u8>> = {
        use anwesend::db::schema::password_resets::dsl as r;
        r::password_resets.select(r::token_hash).load(&mut app.db.inspect()).expect("resets")
    };
    assert_eq!(stored, vec![anwesend::auth::service::token_hash(&token)]);

    // A weak password is refused and leaves the link usable.
    let (status, _, body) = call(&service, reset_completion(&token, "kurz")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::UNPROCESSABLE_ENTITY, json!("weak_password")));
    assert_eq!(call(&service, phone.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "a refused reset ends nothing");

    let (status, _, body) = call(&service, reset_completion(&token, NEW_PASSWORD)).await;
    assert_eq!((status, json_of(&body)["ended"].clone()), (StatusCode::OK, json!(2)), "{}", json_of(&body));
    for session in [&laptop, &phone] {
        assert_eq!(call(&service, session.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "every session ended");
    }
    assert_eq!(login(&service, "leitung@verein-a.example", PASSWORD).await.0, StatusCode::UNAUTHORIZED, "the old password is gone");
    assert_eq!(login(&service, "leitung@verein-a.example", NEW_PASSWORD).await.0, StatusCode::OK);

    let (status, _, body) = call(&service, reset_completion(&token, "Noch-ein-anderes-Passwort-9")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::NOT_FOUND, json!("link_invalid")), "a link works once");
    assert_eq!(login(&service, "leitung@verein-a.example", NEW_PASSWORD).await.0, StatusCode::OK);

    // German unless the page asks for English.
    let changed = "das Passwort Ihres Kontos bei anwesend wurde eben über einen Link zum Zurücksetzen neu festgelegt";
    let all = deliver_until(&app, &sink, |all| all.iter().any(|m| m.contains(changed)));
    assert!(all.iter().any(|m| is_to(m, "leitung@verein-a.example") && m.contains(changed)));
    let audit = app.db.audit_text();
    assert_eq!(audit.iter().filter(|r| r.contains("auth.session_ended") && r.contains("password_reset")).count(), 2, "ends audited");
    assert!(audit.iter().any(|r| r.contains("auth.password_reset") && !r.contains("requested")), "the reset is audited");
    let audit = audit.join("\n");
    assert!(!audit.contains(token.as_str()), "no token in the audit trail");
}

#[actix_web::test]
async fn acc_5_password_reset_link_expires_after_30_minutes_and_a_newer_one_retires_it() {
    let sink = MailSink::start();
    let app = app(&sink);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;

    assert_eq!(call(&service, reset_request("leitung@verein-a.example", "198.51.100.42")).await.0, StatusCode::ACCEPTED);
    wait_for_requests(&app, 1);
    let first = sensitive(mailed_link(&app, &sink, "leitung@verein-a.example", "token=").rsplit_once("token=").expect("token").1);
    assert_eq!(call(&service, reset_request("leitung@verein-a.example", "198.51.100.42")).await.0, StatusCode::ACCEPTED);
    wait_for_requests(&app, 2);
    let all = deliver_until(&app, &sink, |all| all.len() >= 2);
    let second = all
        .iter()
        .flat_map(|m| m.split_whitespace())
        .filter_map(|w| w.rsplit_once("token=").map(|(_, t)| t.to_owned()))
        .find(|t| *t != first)
        .expect("a second link");
    let (status, _, body) = call(&service, reset_completion(&first, NEW_PASSWORD)).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::NOT_FOUND, json!("link_invalid")), "only the newest link works");

    app.clock.advance(Duration::minutes(30));
    let (status, _, body) = call(&service, reset_completion(&second, NEW_PASSWORD)).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::NOT_FOUND, json!("link_invalid")), "30 minutes, no more");
    assert_eq!(login(&service, "leitung@verein-a.example", PASSWORD).await.0, StatusCode::OK, "the password is unchanged");
    assert!(app.db.audit_text().iter().any(|r| r.contains("expired")), "the refusal is audited with its reason");
}

#[actix_web::test]
async fn acc_4_password_reset_is_limited_per_email_and_refuses_hostile_input() {
    let sink = MailSink::start();
    let app = app(&sink);
    let _a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;

    // Per email, from any address: the fourth request in a minute waits.
    for ip in ["198.51.100.50", "198.51.100.51", "198.51.100.52"] {
        assert_eq!(call(&service, reset_request("leitung@verein-a.example", ip)).await.0, StatusCode::ACCEPTED);
    }
    let (status, headers, body) = call(&service, reset_request("LEITUNG@verein-a.example", "203.0.113.60")).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::TOO_MANY_REQUESTS, json!("rate_limited")));
    assert!(headers.contains_key(header::RETRY_AFTER));
    assert_eq!(call(&service, reset_request("jemand@verein-a.example", "203.0.113.60")).await.0, StatusCode::ACCEPTED, "others go on");

    // Per client address (the public limit).
    let strict = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 2);
    let strict_service = strict.service().await;
    for n in 0..2 {
        let (status, _, _) = call(&strict_service, reset_request(&format!("person{n}@example.org"), "198.51.100.70")).await;
        assert_eq!(status, StatusCode::ACCEPTED);
    }
    assert_eq!(call(&strict_service, reset_request("person9@example.org", "198.51.100.70")).await.0, StatusCode::TOO_MANY_REQUESTS);

    // Malformed, oversized and hostile input: clear 4xx problems, nothing written.
    let before = count_resets(&app);
    let post = |uri: &str, body: Value| public("POST", uri, "198.51.100.80").set_json(body);
    let cases: Vec<(actix_web::test::TestRequest, u16)> = vec![
        (post("/api/v1/auth/password-reset", json!({ "email": "kein-at-zeichen" })), 422),
        (post("/api/v1/auth/password-reset", json!({ "email": format!("{}@example.org", "a".repeat(300)) })), 422),
        (post("/api/v1/auth/password-reset", json!({ "email": "a@example.org\u{0}x" })), 422),
        (post("/api/v1/auth/password-reset", json!({ "email": "a@example.org", "language": "xx" })), 422),
        (post("/api/v1/auth/password-reset", json!({ "email": "a@example.org", "admin": true })), 422),
        (post("/api/v1/auth/password-reset", json!({ "email": 7 })), 422),
        (post("/api/v1/auth/password-reset/complete", json!({ "token": "x".repeat(5000), "new_password": NEW_PASSWORD })), 404),
        (post("/api/v1/auth/password-reset/complete", json!({ "token": "' OR 1=1 --", "new_password": NEW_PASSWORD })), 404),
        (post("/api/v1/auth/password-reset/complete", json!({ "token": "", "new_password": NEW_PASSWORD })), 404),
        (post("/api/v1/auth/password-reset/complete", json!({ "token": "abc", "new_password": "x".repeat(5000) })), 422),
        (post("/api/v1/auth/password-reset/complete", json!({ "token": "abc" })), 422),
        (
            public("POST", "/api/v1/auth/password-reset", "198.51.100.80")
                .insert_header((header::CONTENT_TYPE, "application/json"))
                .set_payload("{\"email\":"),
            400,
        ),
        // A write from another origin is refused before anything runs (TOM TRANS-4).
        (
            public("POST", "/api/v1/auth/password-reset", "198.51.100.80")
                .insert_header((header::ORIGIN, "https://evil.example"))
                .set_json(json!({ "email": "leitung@verein-a.example" })),
            403,
        ),
    ];
    for (n, (req, expected)) in cases.into_iter().enumerate() {
        let (status, headers, body) = call(&service, req).await;
        assert_eq!(status.as_u16(), expected, "case {n}: {}", String::from_utf8_lossy(&body));
        assert_eq!(headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()), Some("application/problem+json"), "case {n}");
    }
    assert_eq!(count_resets(&app), before, "nothing was written");
}

fn count_resets(app: &TestApp) -> i64 {
    use anwesend::db::schema::password_resets::dsl as r;
    r::password_resets.count().get_result(&mut app.db.inspect()).expect("count")
}

fn session_body(title: &str, capacity: i32, sessions: &[(&str, &str)]) -> Value {
    json!({
        "kind": "course", "title": title, "description": "", "capacity": capacity, "waiting_list": true, "fields": [],
        "sessions": sessions.iter().map(|(s, e)| json!({ "starts_at": s, "ends_at": e })).collect::<Vec<_>>(),
    })
}

#[actix_web::test]
async fn sep_3_home_shows_each_role_its_sessions_and_admins_what_needs_attention() {
    let app = test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 1000;
        c.rate_limit.sign_in_per_ip_per_minute = 1000;
    });
    let a = tenant(&app, "verein-a");
    admin(&app, &a, "leitung@verein-a.example");
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    let instructor = member(&app, &a, "trainer@verein-a.example", "instructor", None);
    let b = tenant(&app, "verein-b");
    admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let orga = sign_in(&service, "orga@verein-a.example").await;
    let trainer = sign_in(&service, "trainer@verein-a.example").await;
    let other = sign_in(&service, "leitung@verein-b.example").await;

    // The clock stands at 2026-11-23 09:30 UTC: one session runs, one is later today, one
    // is past, one is beyond the week.
    let mut taught = session_body("Yoga", 2, &[("2026-11-23T09:00", "2026-11-23T10:30"), ("2026-12-20T09:00", "2026-12-20T10:00")]);
    taught["instructor_ids"] = json!([instructor]);
    let yoga = published_event(&service, &boss, taught).await;
    published_event(&service, &orga, session_body("Töpfern", 10, &[("2026-11-23T18:00", "2026-11-23T20:00")])).await;
    published_event(&service, &orga, session_body("Gestern", 10, &[("2026-11-22T18:00", "2026-11-22T20:00")])).await;
    let (status, _, _) = call(
        &service,
        orga.request("POST", "/api/v1/events").set_json(session_body("Entwurf", 5, &[("2026-11-23T12:00", "2026-11-23T13:00")])),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED);
    published_event(&service, &other, session_body("Fremd", 5, &[("2026-11-23T11:00", "2026-11-23T12:00")])).await;

    for (n, email) in ["anna@example.org", "ben@example.org", "cem@example.org"].iter().enumerate() {
        let body = json!({ "name": format!("Person {n}"), "email": email, "consent": true });
        let (status, answer) = book_confirmed(&app, &service, "verein-a", &yoga, body, "198.51.100.90").await;
        assert_eq!(status, StatusCode::OK, "{answer}");
    }
    // Check Anna in on the running session.
    let (_, _, event) = call(&service, boss.request("GET", &format!("/api/v1/events/{yoga}"))).await;
    let running = json_of(&event)["sessions"][0]["id"].as_str().expect("session").to_owned();
    let (_, _, list) = call(&service, boss.request("GET", &format!("/api/v1/event-sessions/{running}/attendance"))).await;
    let booking = json_of(&list)["attendees"][0]["booking_id"].as_str().expect("booking").to_owned();
    let (status, _, body) = call(
        &service,
        boss.request("POST", "/api/v1/attendance").set_json(json!({ "session_id": running, "booking_id": booking, "kind": "check_in" })),
    )
    .await;
    assert!(status.is_success(), "{}", String::from_utf8_lossy(&body));

    let home = |client| {
        let service = &service;
        async move {
            let (status, _, body) = call(service, crate::fixtures::Client::request(client, "GET", "/api/v1/home")).await;
            assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
            json_of(&body)
        }
    };
    let titles = |home: &Value| -> Vec<String> {
        home["sessions"].as_array().expect("sessions").iter().map(|s| s["event_title"].as_str().expect("title").to_owned()).collect()
    };

    let organiser_home = home(&orga).await;
    assert_eq!(titles(&organiser_home), ["Yoga", "Töpfern"], "running and later today; no past, draft, far or foreign sessions");
    let first = &organiser_home["sessions"][0];
    assert_eq!((first["booked"].clone(), first["seats"].clone(), first["checked_in"].clone()), (json!(2), json!(2), json!(1)));
    assert_eq!((first["running"].clone(), organiser_home["sessions"][1]["running"].clone()), (json!(true), json!(false)));
    assert_eq!(organiser_home["waiting_lists"], json!([{ "event_id": yoga, "event_title": "Yoga", "waiting": 1, "seats_left": 0 }]));
    assert_eq!(organiser_home["admin"], Value::Null, "organisers get no admin part");

    let instructor_home = home(&trainer).await;
    assert_eq!(titles(&instructor_home), ["Yoga"], "instructors see the sessions they teach (SEP-3)");
    assert_eq!(instructor_home["admin"], Value::Null);
    assert!(!titles(&home(&other).await).contains(&"Yoga".to_owned()), "another tenant sees nothing of A");
    assert!(titles(&home(&other).await).contains(&"Fremd".to_owned()));

    // Admins: open requests with their deadline, silent devices, the retention job.
    let admin_part = home(&boss).await["admin"].clone();
    assert_eq!(admin_part["open_requests"], json!([]));
    assert_eq!((admin_part["devices_overdue"].clone(), admin_part["outdated_agents"].clone()), (json!([]), json!(0)));
    assert_eq!(admin_part["retention_overdue"], json!(false), "no run recorded yet is nothing to report");
    let (_, _, list) = call(&service, boss.request("GET", &format!("/api/v1/events/{yoga}/bookings"))).await;
    let anna = json_of(&list)[0]["participant_id"].as_str().expect("participant").to_owned();
    let (status, _, body) = call(
        &service,
        boss.request("POST", "/api/v1/subject-requests")
            .set_json(json!({ "participant_id": anna, "kind": "access", "received_via": "phone" })),
    )
    .await;
    assert!(status.is_success(), "{}", String::from_utf8_lossy(&body));
    let (status, _, location) = call(&service, boss.request("POST", "/api/v1/locations").set_json(json!({ "name": "Halle" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let device = enrol(&service, &boss, json_of(&location)["id"].as_str().expect("location"), "Eingang").await;
    {
        use anwesend::db::schema::retention_settings::dsl as r;
        diesel::insert_into(r::retention_settings)
            .values((
                r::tenant_id.eq(a.tenant_id()),
                r::category.eq("participants"),
                r::months.eq(12),
                r::last_run_at.eq(app.clock.now().naive_utc()),
            ))
            .execute(&mut app.db.inspect())
            .expect("a retention run");
    }
    assert_eq!(home(&boss).await["admin"]["devices_overdue"], json!([]), "a device just enrolled is not overdue");

    // Sessions time out meanwhile: sign in again.
    app.clock.advance(Duration::days(3));
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let admin_part = home(&boss).await["admin"].clone();
    assert_eq!(
        (admin_part["open_requests"][0]["kind"].clone(), admin_part["open_requests"][0]["overdue"].clone()),
        (json!("access"), json!(false))
    );
    assert_eq!(admin_part["devices_overdue"][0]["id"], json!(device.id), "silent for days");
    assert_eq!(admin_part["retention_overdue"], json!(true), "the daily job has not run for three days");
    app.clock.advance(Duration::days(40));
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    assert_eq!(home(&boss).await["admin"]["open_requests"][0]["overdue"], json!(true), "past its deadline");
}

/// Turns on "Nur SSO" for the tenant, the signed-in primary `admin` keeping the password.
async fn require_sso<S, B>(service: &S, admin: &crate::fixtures::Client)
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (_, _, me) = call(service, admin.request("GET", "/api/v1/auth/me")).await;
    let break_glass = json_of(&me)["account_id"].as_str().expect("account id").to_owned();
    let body = json!({ "sso_only": true, "break_glass_account_id": break_glass });
    let (status, _, body) = call(service, admin.request("PUT", "/api/v1/sso/settings").set_json(body)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
}

#[actix_web::test]
async fn acc_7_password_reset_of_an_sso_only_account_mails_a_hint_instead_of_a_link() {
    let sink = MailSink::start();
    let app = app(&sink);
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &scope, &sensitive("bob@verein-a.example"), "organiser", None);
    let service = app.service().await;
    let admin_session = sign_in(&service, "leitung@verein-a.example").await;
    require_sso(&service, &admin_session).await;

    // The SSO account, an unknown address and the break-glass admin: one answer for all.
    let (sso_status, sso_headers, sso_body) = call(&service, reset_request("bob@verein-a.example", "198.51.100.90")).await;
    let (unknown_status, unknown_headers, unknown_body) =
        call(&service, reset_request(&sensitive("niemand@verein-a.example"), "198.51.100.90")).await;
    let (admin_status, _, admin_body) = call(&service, reset_request("leitung@verein-a.example", "198.51.100.90")).await;
    assert_eq!(sso_status, StatusCode::ACCEPTED);
    assert_eq!((sso_status, &sso_body), (unknown_status, &unknown_body), "same answer as for an unknown address");
    assert_eq!((sso_status, &sso_body), (admin_status, &admin_body), "same answer as for an account with a link");
    assert_eq!(sso_headers.get(header::CONTENT_TYPE), unknown_headers.get(header::CONTENT_TYPE));
    wait_for_requests(&app, 3);

    // Bob's mail says to sign in through the organisation, with its sign-in page; no link.
    let hint = mailed_link(&app, &sink, "bob@verein-a.example", "#/login/");
    assert_eq!(hint, "http://localhost:8080/#/login/verein-a");
    let all = deliver_until(&app, &sink, |all| all.len() >= 2);
    let bob_mail = all.iter().find(|m| is_to(m, "bob@verein-a.example")).expect("bob's mail");
    assert!(bob_mail.contains("single sign-on"), "{bob_mail}");
    assert!(!bob_mail.contains("token="), "no reset link for an account that must use SSO");
    // The break-glass admin keeps the password, so gets a link.
    mailed_link(&app, &sink, "leitung@verein-a.example", "#/reset-password?token=");
    assert_eq!(sink.messages().len(), 2, "nothing to the unknown address");
    assert_eq!(count_resets(&app), 1, "a link only for the break-glass admin");
    assert!(
        app.db.audit_text().iter().any(|r| r.contains("auth.password_reset_requested") && r.contains("sso_required")),
        "audited with its reason"
    );
}

#[actix_web::test]
async fn acc_7_reset_link_sent_before_sso_only_sets_no_password() {
    let sink = MailSink::start();
    let app = app(&sink);
    let scope = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    member(&app, &scope, &sensitive("bob@verein-a.example"), "organiser", None);
    let service = app.service().await;
    assert_eq!(call(&service, reset_request("bob@verein-a.example", "198.51.100.91")).await.0, StatusCode::ACCEPTED);
    wait_for_requests(&app, 1);
    let token = sensitive(mailed_link(&app, &sink, "bob@verein-a.example", "token=").rsplit_once("token=").expect("token").1);

    let admin_session = sign_in(&service, "leitung@verein-a.example").await;
    require_sso(&service, &admin_session).await;
    let (status, _, body) = call(&service, reset_completion(&token, NEW_PASSWORD)).await;
    assert_eq!((status, json_of(&body)["code"].clone()), (StatusCode::FORBIDDEN, json!("sso_required")));
    let hash_unchanged = {
        use anwesend::db::schema::password_resets::dsl as r;
        r::password_resets.select(r::used_at).first::<Option<chrono::NaiveDateTime>>(&mut app.db.inspect()).expect("link").is_none()
    };
    assert!(hash_unchanged, "the link stays unused, nothing was written");
}
