//! Limits on what callers without a session can cost (TOM ACC-4, AVAIL-5, INPUT-1,
//! PRIV-5): IPv6 networks share one limit, a ceiling over all unauthenticated work,
//! refused requests audited once per window with their count, public reads without the
//! write lock, and event dates the tap arithmetic can always reach.

use std::time::{Duration, Instant};

use actix_web::dev::{Service, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::test;
use anwesend::clock::Clock;
use anwesend_protocol as protocol;
use diesel::prelude::*;
use futures_util::stream::{self, StreamExt};
use serde_json::{json, Value};

use crate::common::{test_app_with, Backend, TestApp};
use crate::fixtures::{
    bind_card, call, enrol, event_body, json_of, public, published_event, sign_in, signed, signed_with, tap_body, venue, Device, ORIGIN,
};

/// The reverse proxy the tests' server trusts for `X-Forwarded-For`.
const PROXY: &str = "192.0.2.1";

/// A request that reached the server through the trusted proxy for `client`.
fn via_proxy(req: test::TestRequest, client: &str) -> test::TestRequest {
    req.peer_addr(format!("{PROXY}:40000").parse().expect("addr")).insert_header(("x-forwarded-for", client.to_owned()))
}

/// A sign-in with a wrong password for `email`.
fn sign_in_attempt(email: &str) -> test::TestRequest {
    test::TestRequest::post()
        .uri("/api/v1/auth/login")
        .insert_header((header::ORIGIN, ORIGIN))
        .set_json(json!({ "email": email, "password": "ein falsches Passwort, lang genug" }))
}

fn retry_after(headers: &header::HeaderMap) -> u64 {
    headers.get(header::RETRY_AFTER).and_then(|v| v.to_str().ok()).and_then(|v| v.parse().ok()).expect("Retry-After")
}

/// What a GCRA limit of `per_minute` may let through since `started`: the burst, what
/// refilled meanwhile, and one for the moment of the last check.
fn allowed(per_minute: u64, started: Instant) -> usize {
    (per_minute + started.elapsed().as_secs() * per_minute / 60 + 1) as usize
}

/// Sends `requests` with at most `parallel` in flight; answers in any order.
async fn send_all<S, B>(service: &S, requests: Vec<test::TestRequest>, parallel: usize) -> Vec<(StatusCode, Value)>
where
    S: Service<actix_http::Request, Response = ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    stream::iter(requests)
        .map(|req| async move {
            let (status, _, body) = call(service, req).await;
            (status, json_of(&body))
        })
        .buffer_unordered(parallel)
        .collect()
        .await
}

#[actix_web::test]
async fn acc_4_rotating_ipv6_addresses_in_one_64_share_one_limit() {
    use anwesend::audit::ip_hash::network;
    let ip = |s: &str| s.parse().expect("ip");
    assert_eq!(network(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 64), "2001:db8:1:2::/64");
    assert_eq!(network(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 48), "2001:db8:1::/48");
    assert_eq!(network(ip("2001:db8:1:2:aaaa:bbbb:cccc:dddd"), 128), "2001:db8:1:2:aaaa:bbbb:cccc:dddd/128");
    assert_eq!(network(ip("::ffff:198.51.100.7"), 64), "198.51.100.7", "an IPv4-mapped address is its IPv4 address");

    let app = test_app_with(|c| {
        c.proxy.trusted = vec![PROXY.parse().expect("ip")];
        c.rate_limit.sign_in_per_ip_per_minute = 5;
        c.rate_limit.sign_in_per_account_per_minute = 1000;
        c.rate_limit.public_per_ip_per_minute = 5;
    });
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Sommerfest", 20, false)).await;

    // Sign-in spraying: every attempt another account, from another address of one /64.
    let started = Instant::now();
    let (mut checked, mut refused) = (0, 0);
    for i in 0..20u32 {
        let client = format!("2001:db8:1:2:{:x}:{:x}:{:x}:{:x}", i * 7919 % 65_536, i * 104_729 % 65_536, i + 1, i * 31);
        let (status, headers, _) = call(&service, via_proxy(sign_in_attempt(&format!("person{i}@verein-a.example")), &client)).await;
        match status {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                assert!((1..=60).contains(&retry_after(&headers)));
            }
            other => panic!("attempt {i} from {client}: {other}"),
        }
    }
    let limit = allowed(5, started);
    assert!(checked <= limit, "{checked} passwords were checked from one /64, at most {limit} may be");
    assert!(refused >= 20 - limit, "only {refused} refused");
    // The next /64 of the same /48 is another customer.
    let (status, _, _) = call(&service, via_proxy(sign_in_attempt("person@verein-a.example"), "2001:db8:1:3::1")).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "another /64 has its own limit");

    // Public pages (reads too) take the public limit, per /64 as well.
    let page = format!("/api/v1/public/verein-a/events/{event}");
    let started = Instant::now();
    let (mut served, mut refused) = (0, 0);
    for i in 0..15u32 {
        let client = format!("2001:db8:7:8:{:x}::{:x}", i * 4099, i + 1);
        let (status, _, body) = call(&service, via_proxy(test::TestRequest::get().uri(&page), &client)).await;
        match status {
            StatusCode::OK => served += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            other => panic!("page view {i}: {other} {}", String::from_utf8_lossy(&body)),
        }
    }
    let limit = allowed(5, started);
    assert!(served <= limit && refused >= 15 - limit, "{served} served, {refused} refused; at most {limit} may be served");
    let (status, _, _) = call(&service, via_proxy(test::TestRequest::get().uri(&page), "2001:db8:7:9::1")).await;
    assert_eq!(status, StatusCode::OK, "another /64 reads on");
}

#[actix_web::test]
async fn acc_4_a_global_ceiling_caps_unauthenticated_requests_from_many_addresses() {
    let app = test_app_with(|c| {
        c.rate_limit.unauthenticated_per_minute = 20;
        c.rate_limit.public_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_account_per_minute = 10_000;
    });
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let started = Instant::now();
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Sommerfest", 20, false)).await;

    // Sixty addresses, each far below its own limit.
    let page = format!("/api/v1/public/verein-a/events/{event}");
    let (mut served, mut refused) = (1, 0);
    for i in 0..60u32 {
        let (status, headers, _) = call(&service, public("GET", &page, &format!("10.1.{}.{}", i / 200, i % 200 + 1))).await;
        match status {
            StatusCode::OK => served += 1,
            StatusCode::TOO_MANY_REQUESTS => {
                refused += 1;
                assert!((1..=60).contains(&retry_after(&headers)));
            }
            other => panic!("page view {i}: {other}"),
        }
    }
    let limit = allowed(20, started);
    assert!(served <= limit, "{served} unauthenticated requests were served, at most {limit} may be");
    assert!(refused >= 61 - limit, "only {refused} refused");

    // Sign-in and device enrolment from fresh addresses share the ceiling.
    let mut sign_in_capped = false;
    for i in 0..10u32 {
        let (status, _, _) =
            call(&service, sign_in_attempt("leitung@verein-a.example").peer_addr(format!("10.2.0.{i}:1").parse().expect("addr"))).await;
        assert!(matches!(status, StatusCode::UNAUTHORIZED | StatusCode::TOO_MANY_REQUESTS), "{status}");
        if status == StatusCode::TOO_MANY_REQUESTS {
            sign_in_capped = true;
            break;
        }
    }
    assert!(sign_in_capped, "sign-in is under the ceiling");
    let mut enrolment_capped = false;
    for i in 0..10u32 {
        let req =
            public("POST", protocol::PATH_ENROL, &format!("10.3.0.{i}")).set_json(json!({ "code": "ABCD-EFGH", "agent_version": "0.1.0" }));
        let (status, _, _) = call(&service, req).await;
        assert!(matches!(status, StatusCode::NOT_FOUND | StatusCode::TOO_MANY_REQUESTS), "{status}");
        if status == StatusCode::TOO_MANY_REQUESTS {
            enrolment_capped = true;
            break;
        }
    }
    assert!(enrolment_capped, "device enrolment is under the ceiling");

    // Signed-in staff are not: their work goes on.
    let (status, _, _) = call(&service, staff.request("GET", "/api/v1/events")).await;
    assert_eq!(status, StatusCode::OK);
}

#[derive(Queryable)]
struct Refusal {
    chain: String,
    action: String,
    detail: String,
}

/// The refusal entries of `action`: their number and the sum of their counts.
fn refusals(app: &TestApp, action: &str, reason: Option<&str>) -> (usize, u64) {
    use anwesend::db::schema::audit_entries::dsl as a;
    let rows: Vec<Refusal> = a::audit_entries
        .filter(a::action.eq(action))
        .select((a::chain, a::action, a::detail))
        .load(&mut app.db.inspect())
        .expect("audit entries");
    let rows: Vec<Value> = rows
        .into_iter()
        .inspect(|r| assert!(!r.chain.is_empty() && r.action == action))
        .map(|r| serde_json::from_str::<Value>(&r.detail).expect("detail"))
        .filter(|d| reason.is_none_or(|reason| d["reason"] == reason))
        .collect();
    let counts: Vec<u64> = rows.iter().map(|d| d["count"].as_u64().unwrap_or_else(|| panic!("an entry without a count: {d}"))).collect();
    (rows.len(), counts.iter().sum())
}

#[actix_web::test]
async fn avail_5_input_1_refused_requests_are_aggregated_in_the_audit_chain() {
    let app = test_app_with(|c| {
        c.proxy.trusted = vec![PROXY.parse().expect("ip")];
        c.rate_limit.sign_in_per_ip_per_minute = 1;
        c.rate_limit.device_per_ip_per_minute = 50;
        c.rate_limit.public_per_ip_per_minute = 10_000;
    });
    let a = app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let (status, _, location) = call(&service, staff.request("POST", "/api/v1/locations").set_json(json!({ "name": "Halle Nord" }))).await;
    assert_eq!(status, StatusCode::CREATED);
    let location = json_of(&location)["id"].as_str().expect("location").to_owned();
    let device = enrol(&service, &staff, &location, "Eingang Nord").await;
    let forged = Device { id: device.id.clone(), secret: vec![7; 32] };
    let heartbeat = json!({ "agent_version": "0.1.0", "readers": [], "queue_length": 0 }).to_string().into_bytes();
    let now = app.clock.now().timestamp();
    let forged_from = |client: &str| {
        let nonce = uuid::Uuid::new_v4().simple().to_string();
        signed_with(&forged, protocol::PATH_HEARTBEAT, heartbeat.clone(), now, &nonce)
            .peer_addr(format!("{client}:40000").parse().expect("addr"))
    };

    // 2,500 sign-ins from one /64 (one passes the limit, the rest are refused), 2,300
    // forged heartbeats from as many addresses, and 200 more from a single address.
    let mut requests = Vec::new();
    for i in 0..2500u32 {
        requests.push(via_proxy(sign_in_attempt("leitung@verein-a.example"), &format!("2001:db8:5:6::{:x}", i + 1)));
        if i < 2300 {
            requests.push(forged_from(&format!("10.{}.{}.{}", 20 + i / 65_536, i / 256 % 256, i % 256)));
        } else {
            requests.push(forged_from("198.51.100.99"));
        }
    }
    let answers = send_all(&service, requests, 32).await;
    assert_eq!(answers.len(), 5000);
    let count = |status: StatusCode, code: &str| answers.iter().filter(|(s, body)| *s == status && body["code"] == code).count() as u64;
    let (checked, forged_refused, limited) = (
        count(StatusCode::UNAUTHORIZED, "invalid_credentials"),
        count(StatusCode::UNAUTHORIZED, "bad_signature"),
        count(StatusCode::TOO_MANY_REQUESTS, "rate_limited"),
    );
    assert_eq!(checked + forged_refused + limited, 5000, "only the expected answers");
    assert!(checked <= 2, "one password was checked (two if a minute passed): {checked}");
    // Device requests are refused for their signature or limited per address: only the
    // single address's were limited, after its 50.
    let device_limited = 2500 - forged_refused;
    assert!((100..=150).contains(&device_limited), "the single address was limited: {device_limited} of its 200");
    let sign_in_refused = 2500 - checked;
    assert_eq!(limited, device_limited + sign_in_refused);

    // One entry per kind so far, whatever the number of refusals.
    assert_eq!(refusals(&app, "auth.rate_limited", None), (1, 1));
    assert_eq!(refusals(&app, "device.request_refused", Some("bad_signature")), (1, 1));

    // After the window: the next refusal writes the count of the closed window; the
    // minute job writes the ones no refusal followed.
    let window = app.state.config.rate_limit.refusal_audit_window_seconds;
    app.clock.advance(chrono::Duration::seconds(i64::from(window) + 1));
    let (status, _, _) = call(&service, via_proxy(sign_in_attempt("leitung@verein-a.example"), "2001:db8:5:6::1")).await;
    assert_eq!(status, StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(refusals(&app, "auth.rate_limited", None), (3, sign_in_refused + 1), "every refused sign-in is counted");
    assert_eq!(anwesend::server::every_minute(&app.state).expect("minute job"), 1);
    assert_eq!(refusals(&app, "device.request_refused", Some("bad_signature")), (2, forged_refused), "every refused signature is counted");

    // The chains hold together.
    let mut conn = app.db.inspect();
    for chain in ["platform", a.tenant_id()] {
        let report = anwesend::audit::verify_chain(&mut conn, chain).expect("verify");
        assert!(report.intact, "{chain}: {report:?}");
    }
    if app.db.backend == Backend::Sqlite {
        // Nothing was left open.
        assert_eq!(anwesend::server::every_minute(&app.state).expect("minute job"), 0);
    }
}

#[actix_web::test]
async fn avail_5_public_reads_do_not_wait_for_the_write_lock() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 4);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let staff = sign_in(&service, "leitung@verein-a.example").await;
    let event = published_event(&service, &staff, event_body("Sommerfest", 20, false)).await;
    let page = format!("/api/v1/public/verein-a/events/{event}");
    let (status, _, _) = call(&service, public("GET", &page, "198.51.100.20")).await;
    assert_eq!(status, StatusCode::OK);

    // Another connection holds the write lock (SQLite) or locks the event's tables against
    // every write and row lock (PostgreSQL) while the page is read.
    let mut writer = app.db.inspect();
    let hold = match app.db.backend {
        Backend::Sqlite => "BEGIN IMMEDIATE",
        Backend::Postgres => "BEGIN; LOCK TABLE events, event_sessions, bookings IN EXCLUSIVE MODE",
    };
    diesel::connection::SimpleConnection::batch_execute(&mut writer, hold).expect("hold the lock");
    let read = actix_web::rt::time::timeout(Duration::from_secs(120), call(&service, public("GET", &page, "198.51.100.21"))).await;
    diesel::connection::SimpleConnection::batch_execute(&mut writer, "ROLLBACK").expect("release");
    let (status, _, body) = read.expect("the read did not wait for the writer");
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(json_of(&body)["title"], "Sommerfest");

    // Reads take the public limit like every public call.
    let mut statuses = Vec::new();
    for _ in 0..8 {
        statuses.push(call(&service, public("GET", &page, "198.51.100.22")).await.0);
    }
    assert!(statuses.contains(&StatusCode::TOO_MANY_REQUESTS), "{statuses:?}");
}

#[actix_web::test]
async fn priv_5_far_future_event_dates_are_refused_and_cannot_break_taps() {
    let app = test_app_with(|c| c.rate_limit.public_per_ip_per_minute = 10_000);
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let service = app.service().await;
    let place = venue(&app, &service, "verein-a", ("Anna Beispiel", "anna@example.org")).await;
    let device = enrol(&service, &place.staff, &place.location, "Eingang Nord").await;
    bind_card(&app, &service, &place.staff, &device, &place.participant, "04A1B2C3D4E5F6").await;

    // Dates beyond ten years either way are refused with the field that holds them.
    let with = |sessions: Value, extra: Value| {
        let mut body = json!({
            "kind": "event", "title": "Fernes Fest", "capacity": 10, "waiting_list": false, "location_id": place.location,
            "sessions": sessions,
        });
        body.as_object_mut().expect("object").extend(extra.as_object().expect("object").clone());
        body
    };
    let session = |from: &str, to: &str| json!([{ "starts_at": from, "ends_at": to }]);
    let far = [
        (with(session("9999-12-31T18:00:00", "9999-12-31T20:00:00"), json!({})), "sessions"),
        (with(session("2026-12-01T18:00:00", "2040-12-01T20:00:00"), json!({})), "sessions"),
        (with(session("1990-01-01T18:00:00", "1990-01-01T20:00:00"), json!({})), "sessions"),
        (
            with(session("2026-12-01T18:00:00", "2026-12-01T20:00:00"), json!({ "booking_opens_at": "1900-01-01T00:00:00" })),
            "booking_opens_at",
        ),
        (
            with(session("2026-12-01T18:00:00", "2026-12-01T20:00:00"), json!({ "booking_closes_at": "9000-01-01T00:00:00" })),
            "booking_closes_at",
        ),
    ];
    for (body, field) in &far {
        let (status, _, answer) = call(&service, place.staff.request("POST", "/api/v1/events").set_json(body)).await;
        let answer = json_of(&answer);
        assert_eq!(
            (status, answer["code"].as_str(), answer["field"].as_str()),
            (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_field"), Some(*field)),
            "{body}"
        );
        let (status, _, answer) =
            call(&service, place.staff.request("PUT", &format!("/api/v1/events/{}", place.event)).set_json(body)).await;
        assert_eq!((status, json_of(&answer)["field"].as_str()), (StatusCode::UNPROCESSABLE_ENTITY, Some(*field)), "update: {body}");
    }
    // Nine years ahead and back are fine (planning ahead, recording the past).
    let (status, _, answer) = call(
        &service,
        place
            .staff
            .request("POST", "/api/v1/events")
            .set_json(with(session("2035-06-01T18:00:00", "2035-06-01T20:00:00"), json!({ "booking_opens_at": "2018-01-01T00:00:00" }))),
    )
    .await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&answer));

    // A row that got past the checks (an older version, a restore, a hand edit): a published
    // event at the same place whose session runs to the end of the calendar.
    let other = published_event(&service, &place.staff, with(session("2026-11-23T09:00:00", "2026-11-23T11:00:00"), json!({}))).await;
    {
        use anwesend::db::schema::event_sessions::dsl as s;
        let end = chrono::NaiveDate::MAX.and_hms_opt(23, 59, 0).expect("time");
        let start = app.clock.now().naive_utc() - chrono::Duration::hours(1);
        let n = diesel::update(s::event_sessions.filter(s::event_id.eq(&other)))
            .set((s::starts_at.eq(start), s::ends_at.eq(end)))
            .execute(&mut app.db.inspect())
            .expect("far session");
        assert_eq!(n, 1);
    }
    let (status, _, answer) =
        call(&service, signed(&app, &device, protocol::PATH_TAPS, &tap_body(&app, "tap-far-1", "04A1B2C3D4E5F6"))).await;
    assert_eq!(
        (status, json_of(&answer)["outcome"].as_str()),
        (StatusCode::OK, Some("checked_in")),
        "the tap still checks in: {}",
        String::from_utf8_lossy(&answer)
    );
    let (status, _, _) = call(&service, place.staff.request("GET", &format!("/api/v1/event-sessions/{}/attendance", place.session))).await;
    assert_eq!(status, StatusCode::OK);
}
