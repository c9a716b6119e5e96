//! Sessions beyond the single request: the kiosk stream that outlives its request, ending
//! other members' sessions, what staff limited to some events may see of people, and the
//! second factor (TOM ACC-3, ACC-6, ACC-8, SEP-3).

use std::pin::Pin;
use std::time::Duration as StdDuration;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::clock::Clock;
use chrono::Duration;
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::{
    bind_card, book_confirmed, call, enrol, enrol_factor, json_of, login, member, published_event, sign_in, signed, tap_body, tenant,
    totp_code, venue, Client, Device, PASSWORD, TOTP_SECRET,
};
use anwesend_protocol as protocol;

/// Generous: a loaded machine is slow, but a stream that should end must end.
const CEILING: StdDuration = StdDuration::from_secs(60);

fn app() -> TestApp {
    test_app_with(|c| {
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_account_per_minute = 1_000;
        c.rate_limit.mfa_per_account_per_minute = 1_000;
        // A short keep-alive, so a stream's re-check comes soon.
        c.session.kiosk_keep_alive_seconds = 1;
    })
}

pub(crate) type Body = BoxBody;

/// Opens the kiosk stream as `client`; the status and, when 200, its body (else the problem).
pub(crate) async fn open<S, B>(service: &S, client: &Client, query: &str) -> (StatusCode, Option<Body>, Value)
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody + 'static,
{
    let res = test::call_service(service, client.request("GET", &format!("/api/v1/kiosk/stream{query}")).to_request()).await;
    let status = res.status();
    if status != StatusCode::OK {
        let body = test::read_body(res).await;
        return (status, None, json_of(&body));
    }
    (status, Some(res.into_body().boxed()), Value::Null)
}

/// The next chunk, `None` when the stream has ended.
async fn next(body: &mut Body) -> Option<String> {
    match futures_util::future::poll_fn(|cx| Pin::new(&mut *body).poll_next(cx)).await {
        Some(Ok(bytes)) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        Some(Err(e)) => panic!("stream failed: {e}"),
        None => None,
    }
}

/// Reads until a chunk contains `needle`; returns all read. Fails when the stream ends first
/// or nothing comes within the ceiling.
pub(crate) async fn read_until(body: &mut Body, needle: &str) -> String {
    let mut read = String::new();
    actix_web::rt::time::timeout(CEILING, async {
        while let Some(chunk) = next(body).await {
            read.push_str(&chunk);
            if chunk.contains(needle) {
                return;
            }
        }
        panic!("the stream ended before {needle:?}: {read}");
    })
    .await
    .unwrap_or_else(|_| panic!("no {needle:?} within {CEILING:?}"));
    read
}

/// Reads the stream to its end; fails when it does not end within the ceiling.
async fn read_to_end(body: &mut Body) -> String {
    let mut read = String::new();
    let ended = actix_web::rt::time::timeout(CEILING, async {
        while let Some(chunk) = next(body).await {
            read.push_str(&chunk);
        }
    })
    .await;
    assert!(ended.is_ok(), "the stream is still open after {CEILING:?}: {read}");
    read
}

async fn tap<S, B>(app: &TestApp, service: &S, device: &Device, card: &str) -> Value
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: MessageBody,
{
    let (status, _, answer) =
        call(service, signed(app, device, protocol::PATH_TAPS, &tap_body(app, &uuid::Uuid::new_v4().to_string(), card))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&answer));
    json_of(&answer)
}

#[actix_web::test]
async fn acc_3_kiosk_stream_closes_when_the_session_ends() {
    let app = app();
    let a = tenant(&app, "verein-a");
    crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let card = sensitive("04A1B2C3D4E5F6");
    bind_card(&app, &service, &v.staff, &device, &v.participant, &card).await;

    for (n, case) in ["sign-out", "member disabled", "membership removed", "idle timeout"].into_iter().enumerate() {
        let email = format!("orga{n}@verein-a.example");
        let id = member(&app, &a, &email, "organiser", None);
        let orga = sign_in(&service, &email).await;
        let (status, body, problem) = open(&service, &orga, "").await;
        assert_eq!(status, StatusCode::OK, "{case}: {problem}");
        let mut body = body.expect("stream");
        // While the session holds, taps arrive.
        tap(&app, &service, &device, &card).await;
        read_until(&mut body, "event: tap").await;

        match case {
            "sign-out" => assert_eq!(call(&service, orga.request("POST", "/api/v1/auth/logout")).await.0, StatusCode::NO_CONTENT),
            "member disabled" => {
                let (status, _, _) = call(&service, v.staff.request("POST", &format!("/api/v1/members/{id}/disable"))).await;
                assert!(status.is_success(), "{status}");
            }
            "membership removed" => {
                let (status, _, answer) =
                    call(&service, v.staff.request("PUT", &format!("/api/v1/members/{id}/roles")).set_json(json!({ "roles": [] }))).await;
                assert!(status.is_success(), "{status}: {}", json_of(&answer));
            }
            _ => app.clock.advance(Duration::minutes(i64::from(app.state.config.session.idle_minutes) + 1)),
        }
        // The next tap is not sent: the stream ends instead.
        tap(&app, &service, &device, &card).await;
        let rest = read_to_end(&mut body).await;
        assert!(!rest.contains("event: tap"), "{case}: a tap after the session ended: {rest}");
    }
}

#[actix_web::test]
async fn sep_3_instructor_kiosk_stream_shows_only_their_courses() {
    let app = app();
    let a = tenant(&app, "verein-a");
    crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    let trainer = member(&app, &a, "trainer@verein-a.example", "instructor", None);
    let service = app.service().await;
    // Anna's course (no instructor) and Bruno's course (the trainer's), at the same place and time.
    let v = venue(&app, &service, "verein-a", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    let now = app.clock.now().naive_utc();
    let fmt = |t: chrono::NaiveDateTime| t.format("%Y-%m-%dT%H:%M:%S").to_string();
    let taught = published_event(
        &service,
        &v.staff,
        json!({
            "kind": "course", "title": "Kurs des Trainers", "capacity": 20, "waiting_list": false, "location_id": v.location,
            "instructor_ids": [trainer],
            "sessions": [{ "starts_at": fmt(now - Duration::minutes(5)), "ends_at": fmt(now + Duration::hours(2)) }],
        }),
    )
    .await;
    let (status, booked) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &taught,
        json!({ "name": sensitive("Bruno Zweit"), "email": sensitive("bruno@example.net"), "consent": true }),
        "198.51.100.6",
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{booked}");
    let (_, _, list) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{taught}/bookings"))).await;
    let bruno = json_of(&list)[0]["participant_id"].as_str().expect("participant").to_owned();
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let (anna_card, bruno_card) = (sensitive("04A1B2C3D4E5F6"), sensitive("04B1B2C3D4E5F7"));
    bind_card(&app, &service, &v.staff, &device, &v.participant, &anna_card).await;
    bind_card(&app, &service, &v.staff, &device, &bruno, &bruno_card).await;

    let coach = sign_in(&service, "trainer@verein-a.example").await;
    let (status, body, problem) = open(&service, &coach, "").await;
    assert_eq!(status, StatusCode::OK, "{problem}");
    let mut coach_stream = body.expect("stream");
    let (_, body, _) = open(&service, &v.staff, "").await;
    let mut admin_stream = body.expect("stream");

    assert_eq!(tap(&app, &service, &device, &anna_card).await["outcome"], "checked_in");
    assert_eq!(tap(&app, &service, &device, &sensitive("04C0FFEE000001")).await["outcome"], "unknown_card");
    assert_eq!(tap(&app, &service, &device, &bruno_card).await["outcome"], "checked_in");
    let seen = read_until(&mut coach_stream, "Bruno").await;
    assert!(!seen.contains("Anna"), "the trainer sees no one of another course: {seen}");
    assert!(seen.contains("unknown_card"), "taps that name nobody are shown: {seen}");
    let all = read_until(&mut admin_stream, "Bruno").await;
    assert!(all.contains("Anna"), "the admin sees every tap: {all}");

    // A person's attendance likewise: only of people on the trainer's courses.
    let (status, _, _) = call(&service, coach.request("GET", &format!("/api/v1/participants/{}/attendance", v.participant))).await;
    assert_eq!(status, StatusCode::NOT_FOUND, "Anna is on no course of the trainer's");
    let (status, _, answer) = call(&service, coach.request("GET", &format!("/api/v1/participants/{bruno}/attendance"))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&answer));
    let (status, _, _) = call(&service, v.staff.request("GET", &format!("/api/v1/participants/{}/attendance", v.participant))).await;
    assert_eq!(status, StatusCode::OK, "the admin sees everyone");
}

#[actix_web::test]
async fn sep_3_participant_attendance_is_hidden_from_staff_who_see_none_of_their_events() {
    let app = app();
    let a = tenant(&app, "verein-a");
    crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    member(&app, &a, "trainer@verein-a.example", "instructor", None);
    member(&app, &a, "personal@acme.example", "company_admin", Some("c-acme"));
    let service = app.service().await;
    let v = venue(&app, &service, "verein-a", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    let uri = format!("/api/v1/participants/{}/attendance", v.participant);
    for email in ["trainer@verein-a.example", "personal@acme.example"] {
        let client = sign_in(&service, email).await;
        let (status, _, body) = call(&service, client.request("GET", &uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{email}: {}", String::from_utf8_lossy(&body));
        assert!(!String::from_utf8_lossy(&body).contains("Anna"), "{email} learns no name");
    }
    assert_eq!(call(&service, v.staff.request("GET", &uri)).await.0, StatusCode::OK);
}

#[actix_web::test]
async fn acc_8_kiosk_streams_are_capped_per_session_and_tenant() {
    let app = test_app_with(|c| {
        c.rate_limit.sign_in_per_account_per_minute = 1_000;
        c.session.kiosk_streams_per_session = 2;
        c.session.kiosk_streams_per_tenant = 3;
    });
    let a = tenant(&app, "verein-a");
    crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    member(&app, &a, "orga@verein-a.example", "organiser", None);
    let b = tenant(&app, "verein-b");
    crate::fixtures::admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let orga = sign_in(&service, "orga@verein-a.example").await;

    let first = open(&service, &boss, "").await;
    let second = open(&service, &boss, "").await;
    assert_eq!((first.0, second.0), (StatusCode::OK, StatusCode::OK));
    let (status, _, problem) = open(&service, &boss, "").await;
    assert_eq!((status, problem["code"].as_str()), (StatusCode::TOO_MANY_REQUESTS, Some("rate_limited")), "per session: {problem}");
    assert!(problem["detail"].as_str().unwrap_or_default().contains("kiosk streams"), "{problem}");

    let third = open(&service, &orga, "").await;
    assert_eq!(third.0, StatusCode::OK, "another session of the tenant: {}", third.2);
    let (status, _, problem) = open(&service, &orga, "").await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "per tenant: {problem}");
    let other = sign_in(&service, "leitung@verein-b.example").await;
    assert_eq!(open(&service, &other, "").await.0, StatusCode::OK, "another tenant has its own count");

    // A stream that ends gives its slot back.
    drop(first);
    let again = open(&service, &orga, "").await;
    assert_eq!(again.0, StatusCode::OK, "{}", again.2);
    drop((second, third, again));
    let streams: Vec<_> = [open(&service, &boss, "").await, open(&service, &boss, "").await].into_iter().map(|s| s.0).collect();
    assert_eq!(streams, vec![StatusCode::OK, StatusCode::OK]);
}

#[actix_web::test]
async fn acc_8_ending_a_members_sessions_stays_in_the_callers_tenant() {
    let app = app();
    let (a, b) = (tenant(&app, "verein-a"), tenant(&app, "verein-b"));
    crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    crate::fixtures::admin(&app, &b, "leitung@verein-b.example");
    let deputy = member(&app, &a, "vize@verein-a.example", "tenant_admin", None);
    let orga = member(&app, &a, "orga@verein-a.example", "organiser", None);
    // The organiser also works for tenant B.
    anwesend::accounts::service::grant_by_operator(
        &app.state.db,
        &app.state.master,
        app.state.config.auth.password_hash,
        &app.ctx(),
        &b,
        &sensitive("orga@verein-a.example"),
        PASSWORD,
        anwesend::auth::model::Role::Organiser,
    )
    .expect("membership in B");
    let service = app.service().await;
    let boss = sign_in(&service, "leitung@verein-a.example").await;
    let in_a = sign_in(&service, "orga@verein-a.example").await;
    let mut in_b = sign_in(&service, "orga@verein-a.example").await;
    let (status, headers, body) =
        call(&service, in_b.request("POST", "/api/v1/auth/switch-tenant").set_json(json!({ "tenant_id": b.tenant_id() }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    in_b.update(&headers, &json_of(&body));

    let (status, _, body) = call(&service, boss.request("POST", &format!("/api/v1/accounts/{orga}/sessions/end-all"))).await;
    assert_eq!((status, json_of(&body)["ended"].as_u64()), (StatusCode::OK, Some(1)), "{}", json_of(&body));
    assert_eq!(call(&service, in_a.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED, "A's session ended");
    assert_eq!(call(&service, in_b.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "B's session is B's business");

    // An admin's sessions need the right to grant admin roles: the deputy cannot end the primary admin's.
    let vize = sign_in(&service, "vize@verein-a.example").await;
    let primary = json_of(&call(&service, boss.request("GET", "/api/v1/auth/me")).await.2)["account_id"].as_str().expect("id").to_owned();
    let (status, _, _) = call(&service, vize.request("POST", &format!("/api/v1/accounts/{primary}/sessions/end-all"))).await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(call(&service, boss.request("GET", "/api/v1/auth/me")).await.0, StatusCode::OK, "still signed in");
    let (status, _, _) = call(&service, boss.request("POST", &format!("/api/v1/accounts/{deputy}/sessions/end-all"))).await;
    assert_eq!(status, StatusCode::OK, "the primary admin may");
    assert_eq!(call(&service, vize.request("GET", "/api/v1/auth/me")).await.0, StatusCode::UNAUTHORIZED);
}

#[actix_web::test]
async fn acc_6_platform_admins_need_a_second_factor() {
    let app = app();
    let _a = tenant(&app, "verein-a");
    anwesend::accounts::service::create_platform_admin(
        &app.state.db,
        &app.state.master,
        app.state.config.auth.password_hash,
        &anwesend::audit::AuditContext::operator(app.clock.now()),
        &sensitive("betrieb@anwesend.example"),
        PASSWORD,
    )
    .expect("platform admin");
    let service = app.service().await;
    let (status, mut ops, me, _) = login(&service, "betrieb@anwesend.example", PASSWORD).await;
    assert_eq!((status, me["stage"].as_str(), me["permissions"].clone()), (StatusCode::OK, Some("enrol"), json!([])));
    let (status, _, body) = call(&service, ops.request("GET", "/api/v1/audit")).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("mfa_enrolment_required")));

    let (status, _, body) = call(&service, ops.request("POST", "/api/v1/auth/totp/setup")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let secret = json_of(&body)["secret"].as_str().expect("secret").to_owned();
    let (status, headers, body) = call(
        &service,
        ops.request("POST", "/api/v1/auth/totp/confirm").set_json(json!({ "code": totp_code(&app, &secret, 0), "password": PASSWORD })),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    ops.update(&headers, &json_of(&body)["me"]);
    assert_eq!(json_of(&body)["me"]["stage"], "full");
    assert_eq!(call(&service, ops.request("GET", "/api/v1/audit")).await.0, StatusCode::OK, "enrolled: signed in fully");
    let (status, _, body) =
        call(&service, ops.request("POST", "/api/v1/auth/totp/disable").set_json(json!({ "password": PASSWORD }))).await;
    assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::CONFLICT, Some("mfa_required_by_tenant")), "and keeps it");
    app.clock.advance(Duration::seconds(30));
    let (_, _, me, _) = login(&service, "betrieb@anwesend.example", PASSWORD).await;
    assert_eq!(me["stage"], "mfa", "the next sign-in asks for it");
}

#[actix_web::test]
async fn acc_6_totp_reenrolment_needs_the_password_and_failures_lock_the_step() {
    let app = app();
    let a = tenant(&app, "verein-a");
    let id = crate::fixtures::admin(&app, &a, "leitung@verein-a.example");
    enrol_factor(&app, &id);
    let service = app.service().await;
    let stolen = crate::fixtures::sign_in_with_factor(&app, &service, "leitung@verein-a.example").await;

    // A session alone cannot replace the second factor.
    let (status, _, body) = call(&service, stolen.request("POST", "/api/v1/auth/totp/setup")).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
    let theirs = json_of(&body)["secret"].as_str().expect("secret").to_owned();
    for password in ["geraten geraten geraten", ""] {
        let (status, _, body) = call(
            &service,
            stolen
                .request("POST", "/api/v1/auth/totp/confirm")
                .set_json(json!({ "code": totp_code(&app, &theirs, 0), "password": password })),
        )
        .await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_credentials")), "{password:?}");
    }
    let (status, _, _) =
        call(&service, stolen.request("POST", "/api/v1/auth/totp/confirm").set_json(json!({ "code": totp_code(&app, &theirs, 0) }))).await;
    assert!(status.is_client_error(), "no password, no change: {status}");
    assert!(!app.db.audit_text().iter().any(|r| r.contains("auth.totp_enabled")), "nothing was enrolled");

    // Wrong codes lock the step for a while: audited, and the owner gets a mail.
    app.clock.advance(Duration::seconds(30));
    let (_, pending, me, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    assert_eq!(me["stage"], "mfa");
    let wrong =
        |n: i64| anwesend::auth::totp::code_at_step(TOTP_SECRET, anwesend::auth::totp::step_at(app.clock.now().timestamp()) + 10 + n);
    let limit = app.state.config.auth.factor_lock_after_failures as i64;
    for n in 1..limit {
        let (status, _, body) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": wrong(n) }))).await;
        assert_eq!((status, json_of(&body)["code"].as_str()), (StatusCode::UNAUTHORIZED, Some("invalid_code")), "attempt {n}");
    }
    let (status, headers, _) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": wrong(limit) }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "the last allowed failure locks");
    let wait: i64 = headers.get("retry-after").and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After");
    assert_eq!(wait, i64::from(app.state.config.auth.factor_lock_minutes) * 60);
    let right = || anwesend::auth::totp::code_at_step(TOTP_SECRET, anwesend::auth::totp::step_at(app.clock.now().timestamp()));
    let (status, _, _) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": right() }))).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS, "locked: even the right code waits");
    let audit = app.db.audit_text();
    assert_eq!(audit.iter().filter(|r| r.contains("auth.mfa_locked")).count(), 1, "the lock is audited once");
    {
        use anwesend::db::schema::mail_outbox::dsl as m;
        use diesel::prelude::*;
        let queued: i64 =
            m::mail_outbox.filter(m::purpose.eq("second_factor_locked")).count().get_result(&mut app.db.inspect()).expect("outbox");
        assert_eq!(queued, 1, "a mail to the account");
    }

    // After the lock, the right code works again.
    app.clock.advance(Duration::minutes(i64::from(app.state.config.auth.factor_lock_minutes)) + Duration::seconds(30));
    let (_, pending, _, _) = login(&service, "leitung@verein-a.example", PASSWORD).await;
    let (status, _, body) = call(&service, pending.request("POST", "/api/v1/auth/mfa").set_json(json!({ "code": right() }))).await;
    assert_eq!(status, StatusCode::OK, "{}", json_of(&body));
}
