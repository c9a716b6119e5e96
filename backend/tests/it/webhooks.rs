//! Webhooks and Microsoft Teams (TOM TRANS-2, TRANS-6): Standard Webhooks signatures
//! (the specification's vector, and the reference library verifying what a receiver got),
//! a loopback receiver that records deliveries, retries, 410 and redirects, the SSRF
//! refusals, Teams cards, personal fields and the processing record, bad input.

use std::collections::{BTreeMap, VecDeque};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::{Arc, Mutex};

use actix_web::http::StatusCode;
use anwesend::config::Environment;
use anwesend::webhooks::signature;
use anwesend::webhooks::target::{self, Policy, Refusal};
use serde_json::{json, Value};

use crate::common::{sensitive, test_app_with, TestApp};
use crate::fixtures::{
    admin, book_confirmed, call, count, event_body, json_of, platform_admin, published_event, sign_in, tenant, venue, Client,
};

const ADMIN: &str = "leitung@verein-a.example";

/// One request as the receiver saw it.
#[derive(Clone, Debug)]
struct Received {
    path: String,
    headers: BTreeMap<String, String>,
    body: String,
}

/// The answers a receiver gives next: status and `Location`.
type Script = Arc<Mutex<VecDeque<(u16, Option<String>)>>>;

/// A loopback HTTP receiver: records every request and answers the next scripted
/// (status, location) or 200.
struct Receiver {
    port: u16,
    got: Arc<Mutex<Vec<Received>>>,
    script: Script,
}

impl Receiver {
    fn start(ip: &str) -> Self {
        let listener = TcpListener::bind((ip, 0)).expect("bind receiver");
        let port = listener.local_addr().expect("addr").port();
        let got: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Script = Arc::default();
        let (g, s) = (got.clone(), script.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let mut reader = BufReader::new(stream.try_clone().expect("clone"));
                let mut line = String::new();
                if reader.read_line(&mut line).is_err() {
                    continue;
                }
                let path = line.split_whitespace().nth(1).unwrap_or_default().to_owned();
                let mut headers = BTreeMap::new();
                loop {
                    let mut h = String::new();
                    if reader.read_line(&mut h).unwrap_or(0) == 0 || h == "\r\n" {
                        break;
                    }
                    if let Some((k, v)) = h.trim_end().split_once(':') {
                        headers.insert(k.trim().to_lowercase(), v.trim().to_owned());
                    }
                }
                let len: usize = headers.get("content-length").and_then(|l| l.parse().ok()).unwrap_or(0);
                let mut body = vec![0; len];
                let _ = reader.read_exact(&mut body);
                g.lock().expect("lock").push(Received { path, headers, body: String::from_utf8_lossy(&body).into_owned() });
                let (status, location) = s.lock().expect("lock").pop_front().unwrap_or((200, None));
                let location = location.map(|l| format!("location: {l}\r\n")).unwrap_or_default();
                let _ = write!(stream, "HTTP/1.1 {status} X\r\n{location}content-length: 0\r\nconnection: close\r\n\r\n");
            }
        });
        Self { port, got, script }
    }

    fn answer(&self, status: u16, location: Option<String>) {
        self.script.lock().expect("lock").push_back((status, location));
    }

    fn got(&self) -> Vec<Received> {
        self.got.lock().expect("lock").clone()
    }
}

/// The app with loopback targets allowed (the test/dev setting) and its clock at the real
/// time (the reference verifier checks the signature's timestamp against the real clock).
fn app() -> TestApp {
    let app = test_app_with(|c| {
        c.webhooks.allow_loopback = true;
        c.rate_limit.public_per_ip_per_minute = 10_000;
    });
    app.clock.advance(chrono::Utc::now() - anwesend::clock::Clock::now(&*app.clock));
    app
}

/// Sends what is due, on a plain thread (the blocking client may not run on the test's runtime).
fn deliver(app: &TestApp) -> usize {
    let state = app.state.clone();
    std::thread::spawn(move || anwesend::webhooks::service::deliver_due(&state).expect("deliver")).join().expect("thread")
}

async fn add<S, B>(service: &S, staff: &Client, body: Value) -> Value
where
    S: actix_web::dev::Service<actix_http::Request, Response = actix_web::dev::ServiceResponse<B>, Error = actix_web::Error>,
    B: actix_web::body::MessageBody,
{
    let (status, _, answer) = call(service, staff.request("POST", "/api/v1/webhooks").set_json(body)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&answer));
    json_of(&answer)
}

fn verify_with_library(secret: &str, r: &Received) -> String {
    let input = json!({
        "secret": secret,
        "headers": {
            "webhook-id": r.headers.get("webhook-id"),
            "webhook-timestamp": r.headers.get("webhook-timestamp"),
            "webhook-signature": r.headers.get("webhook-signature"),
        },
        "body": r.body,
    });
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/../tests/browser/verify-webhook.mjs");
    let mut child = std::process::Command::new("node")
        .arg(script)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("node (run deploy/dev/frontend.sh for tests/browser's node_modules)");
    child.stdin.take().expect("stdin").write_all(input.to_string().as_bytes()).expect("write");
    let out = child.wait_with_output().expect("node");
    String::from_utf8_lossy(&out.stdout).trim().to_owned()
}

#[test]
fn trans_2_webhook_signature_matches_the_standard_webhooks_vector() {
    let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let body = br#"{"test": 2432232314}"#;
    let signed = signature::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).expect("sign");
    assert_eq!(signed, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
    // Another id, time or body gives another signature.
    assert_ne!(signature::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJel", 1614265330, body).expect("sign"), signed);
    assert_ne!(signature::sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265331, body).expect("sign"), signed);
    // During a rotation: one signature per secret, space-separated.
    let other = signature::new_secret();
    assert!(other.starts_with("whsec_") && other.len() > 40);
    let header = signature::header(&[secret, &other], "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body).expect("header");
    let parts: Vec<&str> = header.split(' ').collect();
    assert_eq!(parts.len(), 2);
    assert_eq!(parts[0], signed);
    assert!(parts[1].starts_with("v1,") && parts[1] != signed);
}

#[actix_web::test]
async fn trans_2_the_reference_library_verifies_our_signatures_also_during_rotation() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let receiver = Receiver::start("127.0.0.1");
    let saved = add(
        &service,
        &staff,
        json!({ "kind": "standard", "name": "CRM", "url": format!("http://127.0.0.1:{}/hook", receiver.port), "events": ["booking.created"], "enabled": true }),
    )
    .await;
    let secret = saved["secret"].as_str().expect("secret shown once").to_owned();
    let event = published_event(&service, &staff, event_body("Yoga", 10, true)).await;
    let person = (sensitive("Wilhelmine Webhook"), sensitive("wilhelmine@example.org"));
    let (status, _) =
        book_confirmed(&app, &service, "verein-a", &event, json!({ "name": person.0, "email": person.1, "consent": true }), "198.51.100.7")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    let got = receiver.got();
    assert_eq!(got.len(), 1);
    let r = &got[0];
    assert_eq!(r.path, "/hook");
    assert_eq!(r.headers.get("content-type").map(String::as_str), Some("application/json"));
    assert!(r.headers.get("webhook-id").is_some_and(|id| id.starts_with("msg_")));
    assert_eq!(verify_with_library(&secret, r), "verified");
    // The library refuses a changed body and a wrong secret: the check can fail.
    let mut changed = r.clone();
    changed.body = changed.body.replacen("booking.created", "booking.cancelled", 1);
    assert!(verify_with_library(&secret, &changed).starts_with("refused"));
    assert!(verify_with_library(&signature::new_secret(), r).starts_with("refused"));
    // Ids and counts only: no name or email without the admin ticking them.
    let body: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(body["type"], "booking.created");
    assert!(body["data"]["booking_id"].is_string() && body["data"]["event_id"] == event.as_str());
    assert!(!r.body.contains(&person.0) && !r.body.contains(&person.1), "{}", r.body);

    // Rotation: the new secret is shown once; both sign for a day, so either verifies.
    let id = saved["endpoint"]["id"].as_str().expect("id");
    let (status, _, rotated) = call(&service, staff.request("POST", &format!("/api/v1/webhooks/{id}/secret"))).await;
    assert_eq!(status, StatusCode::OK);
    let new_secret = json_of(&rotated)["secret"].as_str().expect("new secret").to_owned();
    assert_ne!(new_secret, secret);
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Zweite Person", "email": "zweite@example.org", "consent": true }),
        "198.51.100.8",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    let r = &receiver.got()[1];
    assert_eq!(r.headers["webhook-signature"].split(' ').count(), 2, "{:?}", r.headers);
    assert_eq!(verify_with_library(&new_secret, r), "verified");
    assert_eq!(verify_with_library(&secret, r), "verified");
    // A day later the old secret signs no more (checked with our signer: the library
    // would refuse the day-ahead timestamp).
    app.clock.advance(chrono::Duration::hours(25));
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Dritte Person", "email": "dritte@example.org", "consent": true }),
        "198.51.100.9",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    let r = &receiver.got()[2];
    let (msg, ts) = (&r.headers["webhook-id"], r.headers["webhook-timestamp"].parse::<i64>().expect("timestamp"));
    assert_eq!(r.headers["webhook-signature"], signature::sign(&new_secret, msg, ts, r.body.as_bytes()).expect("sign"));
    // The secrets are stored encrypted.
    let stored: Vec<u8> = {
        use anwesend::db::schema::webhook_endpoints::dsl as e;
        use diesel::prelude::*;
        e::webhook_endpoints.select(e::secret_ciphertext).first::<Option<Vec<u8>>>(&mut app.db.inspect()).expect("row").expect("secret")
    };
    assert!(!String::from_utf8_lossy(&stored).contains(&new_secret["whsec_".len()..]));
}

#[actix_web::test]
async fn trans_6_deliveries_retry_with_backoff_and_jitter_410_disables_and_every_attempt_is_audited() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let receiver = Receiver::start("127.0.0.1");
    let saved = add(
        &service,
        &staff,
        json!({ "kind": "standard", "name": "CRM", "url": format!("http://127.0.0.1:{}/in", receiver.port), "events": ["booking.created", "booking.cancelled", "waiting_list.promoted"], "enabled": true }),
    )
    .await;
    let id = saved["endpoint"]["id"].as_str().expect("id").to_owned();
    let event = published_event(&service, &staff, event_body("Pilates", 1, true)).await;

    // 500, then 200: one retry after the back-off (30 s ± 20 %), the same message id.
    receiver.answer(500, None);
    let (status, first) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Erste", "email": "erste@example.org", "consent": true }),
        "198.51.100.7",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 0);
    let uri = format!("/api/v1/webhooks/{id}/deliveries");
    macro_rules! deliveries {
        () => {{
            let (status, _, body) = call(&service, staff.request("GET", &uri)).await;
            assert_eq!(status, StatusCode::OK);
            json_of(&body)["deliveries"].as_array().cloned().expect("deliveries")
        }};
    }
    let list = deliveries!();
    assert_eq!(list.len(), 1);
    assert_eq!(
        (list[0]["status"].as_str(), list[0]["attempts"].as_i64(), list[0]["last_status"].as_i64()),
        (Some("pending"), Some(1), Some(500))
    );
    let next = anwesend::timestamp::parse(list[0]["next_attempt_at"].as_str().expect("next attempt")).expect("a time");
    let wait = next - anwesend::clock::Clock::now(&*app.clock).naive_utc();
    assert!(wait >= chrono::Duration::seconds(23) && wait <= chrono::Duration::seconds(37), "back-off with jitter: {wait}");
    assert_eq!(deliver(&app), 0, "not due yet");
    app.clock.advance(chrono::Duration::seconds(40));
    assert_eq!(deliver(&app), 1);
    let got = receiver.got();
    assert_eq!(got.len(), 2);
    assert_eq!(got[0].headers["webhook-id"], got[1].headers["webhook-id"], "a retry keeps the message id");
    let list = deliveries!();
    assert_eq!((list[0]["status"].as_str(), list[0]["attempts"].as_i64()), (Some("delivered"), Some(2)));

    // The second booking waits; cancelling the first moves it up: two events.
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Zweite", "email": "zweite@example.org", "consent": true }),
        "198.51.100.8",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    let booking = first["booking_id"].as_str().expect("booking");
    let (status, _, body) = call(&service, staff.request("POST", &format!("/api/v1/bookings/{booking}/cancel"))).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    // 410 on the first of them: the endpoint is disabled, the other is cancelled.
    receiver.answer(410, None);
    assert_eq!(deliver(&app), 0);
    let types: Vec<String> =
        receiver.got().iter().map(|r| json_of(r.body.as_bytes())["type"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(types[..3], ["booking.created", "booking.created", "booking.created"]);
    assert!(types.len() == 4 && (types[3] == "booking.cancelled" || types[3] == "waiting_list.promoted"), "{types:?}");
    let (_, _, listed) = call(&service, staff.request("GET", "/api/v1/webhooks")).await;
    let endpoint = json_of(&listed)["endpoints"][0].clone();
    assert_eq!((endpoint["enabled"].as_bool(), endpoint["disabled_reason"].as_str()), (Some(false), Some("gone")));
    let statuses: Vec<String> = deliveries!().iter().map(|d| d["status"].as_str().unwrap_or_default().to_owned()).collect();
    assert_eq!(statuses.iter().filter(|s| *s == "failed").count(), 1, "{statuses:?}");
    assert_eq!(statuses.iter().filter(|s| *s == "cancelled").count(), 1, "{statuses:?}");
    // Disabled: new events queue nothing, nothing more is sent.
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Dritte", "email": "dritte@example.org", "consent": true }),
        "198.51.100.9",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 0);
    assert_eq!(receiver.got().len(), 4);

    // TRANS-6: every attempt is on the tenant's chain with the recipient's host.
    let entries: Vec<(String, String)> = {
        use anwesend::db::schema::audit_entries::dsl as e;
        use diesel::prelude::*;
        e::audit_entries
            .filter(e::chain.eq(a.tenant_id()))
            .filter(e::action.like("webhook.%"))
            .order(e::seq.asc())
            .select((e::action, e::detail))
            .load(&mut app.db.inspect())
            .expect("audit")
    };
    let attempts: Vec<&(String, String)> =
        entries.iter().filter(|(a, _)| a == "webhook.delivered" || a == "webhook.delivery_failed").collect();
    assert_eq!(attempts.len(), 4, "{entries:?}");
    assert!(attempts.iter().all(|(_, d)| d.contains("\"host\":\"127.0.0.1\"")), "{entries:?}");
    assert!(entries.iter().any(|(a, d)| a == "webhook.endpoint_disabled" && d.contains("gone")));
}

#[test]
fn trans_2_ssrf_targets_are_refused_by_form_and_after_resolution() {
    let prod = Policy { https_only: true, allow_loopback: false };
    let dev = Policy { https_only: false, allow_loopback: true };
    assert_eq!(target::check_form("http://example.org/hook", prod), Err(Refusal::NotHttps));
    assert!(target::check_form("https://example.org/hook", prod).is_ok());
    assert_eq!(target::check_form("https://user:pw@example.org/", prod), Err(Refusal::Credentials));
    assert_eq!(target::check_form("ftp://example.org/", dev), Err(Refusal::Malformed));
    assert_eq!(target::check_form(&format!("https://example.org/{}", "a".repeat(3000)), prod), Err(Refusal::Malformed));
    // Literal addresses: metadata services, private, link-local, mapped, even with loopback allowed.
    for url in [
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://172.16.0.1/",
        "http://[fe80::1]/",
        "http://[fd00::1]/",
        "http://[::ffff:169.254.169.254]/",
        "http://[::ffff:10.0.0.1]/",
        "http://0.0.0.0/",
        "http://100.64.0.1/",
    ] {
        assert!(matches!(target::check_form(url, dev), Err(Refusal::PrivateAddress(_))), "{url}");
    }
    assert!(matches!(target::check_form("https://127.0.0.1/", prod), Err(Refusal::PrivateAddress(_))));
    assert!(matches!(target::check_form("https://[::1]/", prod), Err(Refusal::PrivateAddress(_))));
    // A host name is checked after resolution: `localhost` resolves to loopback.
    let url = target::check_form("https://localhost:9/hook", prod).expect("form is fine");
    assert!(matches!(target::resolve(&url, prod), Err(Refusal::PrivateAddress(ip)) if ip.is_loopback()));
    assert!(target::resolve(&url, dev).is_ok_and(|a| a.ip().is_loopback()));
    // Prod refuses the loopback setting, and the policy ignores it there.
    let mut config = anwesend::config::Config { environment: Some(Environment::Prod), ..Default::default() };
    config.webhooks.allow_loopback = true;
    assert!(config.validate().is_err_and(|e| e.setting == "webhooks.allow_loopback"));
    assert!(!Policy::of(&config).allow_loopback);
}

#[actix_web::test]
async fn trans_2_a_redirect_and_a_name_resolving_to_loopback_in_production_are_refused_at_send_time() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let receiver = Receiver::start("127.0.0.1");
    let elsewhere = Receiver::start("127.0.0.2");
    let statuses = |app: &TestApp| -> Vec<(String, Option<String>)> {
        use anwesend::db::schema::webhook_deliveries::dsl as d;
        use diesel::prelude::*;
        d::webhook_deliveries.order(d::created_at.asc()).select((d::status, d::last_error)).load(&mut app.db.inspect()).expect("rows")
    };

    // A redirect to another address: not followed, the delivery refused (no retry).
    receiver.answer(302, Some(format!("http://127.0.0.2:{}/stolen", elsewhere.port)));
    let saved = add(&service, &staff, json!({ "kind": "standard", "name": "Umleitung", "url": format!("http://127.0.0.1:{}/r", receiver.port), "events": ["booking.created"], "enabled": true })).await;
    let event = published_event(&service, &staff, event_body("Yoga", 10, true)).await;
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Erste", "email": "erste@example.org", "consent": true }),
        "198.51.100.7",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 0);
    assert_eq!(receiver.got().len(), 1);
    assert!(elsewhere.got().is_empty(), "the redirect was not followed");
    let rows = statuses(&app);
    assert_eq!(rows[0].0, "refused");
    assert!(rows[0].1.as_deref().is_some_and(|e| e.contains("redirects are not followed") && e.contains("127.0.0.2")), "{rows:?}");
    let id = saved["endpoint"]["id"].as_str().expect("id");
    let (status, _, _) = call(&service, staff.request("POST", &format!("/api/v1/webhooks/{id}/delete"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);

    // A host name that resolves to loopback, sent by a production node: refused after
    // resolution, before any connection.
    add(&service, &staff, json!({ "kind": "standard", "name": "Name", "url": format!("https://localhost:{}/n", receiver.port), "events": ["booking.created"], "enabled": true })).await;
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Zweite", "email": "zweite@example.org", "consent": true }),
        "198.51.100.8",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    let dir = tempfile::tempdir().expect("dir");
    app.state.master.write_file(&dir.path().join("k")).expect("key");
    let master = anwesend::crypto::MasterKey::read_file(&dir.path().join("k"))
        .expect("key")
        .with_keyring(anwesend::crypto::keyring_dir(&app.state.config));
    let mut config = (*app.state.config).clone();
    config.environment = Some(Environment::Prod);
    let prod = anwesend::state::AppState::new(config, app.db.db(), master, app.clock.clone());
    let sent = std::thread::spawn(move || anwesend::webhooks::service::deliver_due(&prod).expect("deliver")).join().expect("thread");
    assert_eq!(sent, 0);
    assert_eq!(receiver.got().len(), 1, "nothing reached the receiver");
    let rows = statuses(&app);
    assert_eq!(rows.len(), 1);
    assert_eq!(rows[0].0, "refused");
    assert!(rows[0].1.as_deref().is_some_and(|e| e.contains("127.0.0.1") || e.contains("::1")), "{rows:?}");
}

#[actix_web::test]
async fn trans_6_teams_cards_personal_fields_and_the_processing_record() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let receiver = Receiver::start("127.0.0.1");
    let token = "sig=geheimes-teams-token-4711";
    let teams_url = format!("http://127.0.0.1:{}/workflows/abc?{token}", receiver.port);
    let saved = add(
        &service,
        &staff,
        json!({ "kind": "teams", "name": "Teams Kanal", "url": teams_url, "events": ["booking.created", "subject_request.received"], "personal_fields": ["name"], "enabled": true }),
    )
    .await;
    assert!(saved["secret"].is_null(), "a Teams URL is the credential; no signing secret");
    let shown = saved["endpoint"]["url_display"].as_str().expect("masked");
    assert!(!shown.contains("geheimes") && !shown.contains("workflows") && shown.contains("127.0.0.1"), "{shown}");
    let (_, _, listed) = call(&service, staff.request("GET", "/api/v1/webhooks")).await;
    assert!(!String::from_utf8_lossy(&listed).contains("geheimes"));
    let stored: Vec<u8> = {
        use anwesend::db::schema::webhook_endpoints::dsl as e;
        use diesel::prelude::*;
        e::webhook_endpoints.select(e::url_ciphertext).first(&mut app.db.inspect()).expect("row")
    };
    assert!(!String::from_utf8_lossy(&stored).contains("geheimes"), "the URL is stored encrypted");

    let event = published_event(&service, &staff, event_body("Yoga", 10, true)).await;
    let person = (sensitive("Theodora Teams"), sensitive("theodora@example.org"));
    let (status, _) =
        book_confirmed(&app, &service, "verein-a", &event, json!({ "name": person.0, "email": person.1, "consent": true }), "198.51.100.7")
            .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    let r = &receiver.got()[0];
    assert_eq!(r.path, format!("/workflows/abc?{token}"));
    let card: Value = serde_json::from_str(&r.body).expect("json");
    assert_eq!(card["type"], "message");
    assert_eq!(card["attachments"][0]["contentType"], "application/vnd.microsoft.card.adaptive");
    assert_eq!(card["attachments"][0]["content"]["type"], "AdaptiveCard");
    assert_eq!(card["attachments"][0]["content"]["version"], "1.4");
    // The ticked field only: the name, never the email.
    assert!(r.body.contains(&person.0) && !r.body.contains(&person.1), "{}", r.body);
    assert!(!r.headers.contains_key("webhook-signature"));

    // The processing record lists the recipient with the field (RIGHTS-3, TRANS-6).
    let (status, _, record) = call(&service, staff.request("GET", "/api/v1/processing-record?lang=de")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&record));
    let record = json_of(&record);
    let recipients = record["activities"].as_array().expect("activities").iter().find(|a| a["id"] == "bookings").expect("bookings")
        ["recipients"]
        .to_string();
    assert!(recipients.contains("Teams Kanal") && recipients.contains("127.0.0.1") && recipients.contains("Name"), "{recipients}");
    // Untick it: ids only, and the record no longer lists it.
    let id = saved["endpoint"]["id"].as_str().expect("id");
    let (status, _, body) = call(
        &service,
        staff.request("PUT", &format!("/api/v1/webhooks/{id}")).set_json(
            json!({ "kind": "teams", "name": "Teams Kanal", "events": ["booking.created"], "personal_fields": [], "enabled": true }),
        ),
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let (_, _, record) = call(&service, staff.request("GET", "/api/v1/processing-record?lang=de")).await;
    assert!(!String::from_utf8_lossy(&record).contains("Teams Kanal"));
    let (status, _) = book_confirmed(
        &app,
        &service,
        "verein-a",
        &event,
        json!({ "name": "Zweite Person", "email": "zweite@example.org", "consent": true }),
        "198.51.100.8",
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(deliver(&app), 1);
    assert!(!receiver.got()[1].body.contains("Zweite Person"));
}

/// Closing a session's list sends its check-in summary, and an incident notice from the
/// platform reaches the tenant's endpoints: ids and numbers only, even where the admin
/// ticked personal fields (these events are about no single person).
#[actix_web::test]
async fn trans_6_a_closed_list_and_an_incident_notice_arrive_as_numbers_only() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    platform_admin(&app, "betrieb@anwesend.example");
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let receiver = Receiver::start("127.0.0.1");
    let url = format!("http://127.0.0.1:{}/hook", receiver.port);
    let events = json!(["session.check_in_summary", "incident.notice"]);
    add(&service, &staff, json!({ "kind": "standard", "name": "Auswertung", "url": url, "events": events, "personal_fields": ["name", "email"], "enabled": true }))
        .await;

    let person = (sensitive("Quirin Zusammenfassung"), sensitive("quirin.z@example.org"));
    let v = venue(&app, &service, "verein-a", (&person.0, &person.1)).await;
    let manual = json!({ "session_id": v.session, "booking_id": v.booking, "kind": "check_in" });
    let (status, _, _) = call(&service, v.staff.request("POST", "/api/v1/attendance").set_json(manual)).await;
    assert_eq!(status, StatusCode::CREATED);
    let strokes = json!({ "strokes": [[10.0, 20.0, 30.0, 40.0]] });
    let (status, _, body) =
        call(&service, v.staff.request("POST", &format!("/api/v1/event-sessions/{}/close", v.session)).set_json(strokes)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(deliver(&app), 1);
    let summary: Value = serde_json::from_str(&receiver.got()[0].body).expect("json");
    assert_eq!(summary["type"], "session.check_in_summary");
    let data = &summary["data"];
    assert_eq!((data["session_id"].as_str(), data["event_id"].as_str()), (Some(v.session.as_str()), Some(v.event.as_str())));
    assert_eq!(
        (data["present"].as_u64(), data["late"].as_u64(), data["left_early"].as_u64(), data["absent"].as_u64()),
        (Some(1), Some(0), Some(0), Some(0))
    );

    let operator = crate::fixtures::sign_in_with_factor(&app, &service, "betrieb@anwesend.example").await;
    let mut incident = crate::fixtures::incident_body("confidentiality", json!([a.tenant_id()]));
    let now = anwesend::clock::Clock::now(&*app.clock).naive_utc();
    incident["scope"]["window_from"] = anwesend::timestamp::rfc3339(now - chrono::Duration::hours(1)).into();
    incident["scope"]["window_to"] = anwesend::timestamp::rfc3339(now).into();
    let (status, _, body) = call(&service, operator.request("POST", "/api/v1/platform/incidents").set_json(incident)).await;
    assert_eq!(status, StatusCode::CREATED, "{}", String::from_utf8_lossy(&body));
    let incident = json_of(&body)["id"].as_str().expect("id").to_owned();
    assert_eq!(deliver(&app), 0, "a draft is not sent");
    let send = format!("/api/v1/platform/incidents/{incident}/notices/{}/send", a.tenant_id());
    let (status, _, body) = call(&service, operator.request("POST", &send)).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(deliver(&app), 1);
    let notice: Value = serde_json::from_str(&receiver.got()[1].body).expect("json");
    assert_eq!(notice["type"], "incident.notice");
    assert_eq!(notice["data"]["incident_id"], incident);
    assert_eq!((notice["data"]["persons"].as_i64(), notice["data"]["records"].as_i64()), (Some(1), Some(2)), "{notice}");

    for r in receiver.got() {
        assert!(!r.body.contains("Quirin") && !r.body.contains("quirin.z@"), "no names or addresses: {}", r.body);
    }
}

#[actix_web::test]
async fn priv_5_bad_webhook_input_is_refused_and_writes_nothing() {
    let app = app();
    let a = tenant(&app, "verein-a");
    admin(&app, &a, ADMIN);
    let b = tenant(&app, "verein-b");
    admin(&app, &b, "leitung@verein-b.example");
    let service = app.service().await;
    let staff = sign_in(&service, ADMIN).await;
    let good =
        json!({ "kind": "standard", "name": "CRM", "url": "https://crm.example.org/hook", "events": ["booking.created"], "enabled": true });
    let with = |key: &str, value: Value| {
        let mut body = good.clone();
        body[key] = value;
        body
    };
    let before_audit = count(&app, "audit_entries");
    let cases: Vec<(&str, Value)> = vec![
        ("no url", {
            let mut b = good.clone();
            b.as_object_mut().expect("obj").remove("url");
            b
        }),
        ("empty name", with("name", json!("  "))),
        ("long name", with("name", json!("n".repeat(81)))),
        ("control name", with("name", json!("a\u{7}b"))),
        ("ftp", with("url", json!("ftp://crm.example.org/"))),
        ("credentials", with("url", json!("https://u:p@crm.example.org/"))),
        ("fragment", with("url", json!("https://crm.example.org/#x"))),
        ("metadata", with("url", json!("http://169.254.169.254/latest/meta-data/"))),
        ("private", with("url", json!("http://10.1.2.3/"))),
        ("huge url", with("url", json!(format!("https://crm.example.org/{}", "x".repeat(5000))))),
        ("not a url", with("url", json!("crm.example.org"))),
        ("no events", with("events", json!([]))),
        ("unknown event", with("events", json!(["booking.exploded"]))),
        ("twice", with("events", json!(["booking.created", "booking.created"]))),
        ("unknown field", with("personal_fields", json!(["phone"]))),
        ("field twice", with("personal_fields", json!(["name", "name"]))),
        ("unknown kind", with("kind", json!("slack"))),
        ("extra key", with("secret", json!("whsec_mine"))),
        ("wrong type", with("events", json!("booking.created"))),
    ];
    for (what, body) in cases {
        let (status, headers, answer) = call(&service, staff.request("POST", "/api/v1/webhooks").set_json(body)).await;
        assert!(status.is_client_error(), "{what}: {status} {}", String::from_utf8_lossy(&answer));
        assert_eq!(headers.get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"), "{what}");
    }
    let raw = staff.request("POST", "/api/v1/webhooks").insert_header(("content-type", "application/json")).set_payload("{\"kind\": ");
    let (status, _, _) = call(&service, raw).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    let huge = staff
        .request("POST", "/api/v1/webhooks")
        .insert_header(("content-type", "application/json"))
        .set_payload(format!("{{\"name\": \"{}\"}}", "x".repeat(200_000)));
    let (status, _, _) = call(&service, huge).await;
    assert_eq!(status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(count(&app, "webhook_endpoints"), 0, "nothing written");
    assert_eq!(count(&app, "audit_entries"), before_audit, "nothing audited but denials");

    // Unknown, overlong and other tenants' ids: 404; a Teams endpoint has no secret to rotate.
    let saved = add(
        &service,
        &staff,
        json!({ "kind": "teams", "name": "T", "url": "https://x.webhook.office.com/w", "events": ["booking.created"], "enabled": true }),
    )
    .await;
    let id = saved["endpoint"]["id"].as_str().expect("id").to_owned();
    let other = sign_in(&service, "leitung@verein-b.example").await;
    for (client, uri) in [
        (&staff, format!("/api/v1/webhooks/{}/deliveries", "0193ffff-0000-7000-8000-000000000000")),
        (&staff, format!("/api/v1/webhooks/{}/deliveries", "x".repeat(200))),
        (&other, format!("/api/v1/webhooks/{id}/deliveries")),
    ] {
        let (status, _, _) = call(&service, client.request("GET", &uri)).await;
        assert_eq!(status, StatusCode::NOT_FOUND, "{uri}");
    }
    let (status, _, _) = call(&service, other.request("POST", &format!("/api/v1/webhooks/{id}/delete"))).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (status, _, _) = call(
        &service,
        staff
            .request("PUT", &format!("/api/v1/webhooks/{id}"))
            .set_json(json!({ "kind": "standard", "name": "T", "events": ["booking.created"], "enabled": true })),
    )
    .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "the kind cannot change");
    let (status, _, _) = call(&service, staff.request("POST", &format!("/api/v1/webhooks/{id}/secret"))).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY);
    let (status, _, _) = call(&service, staff.request("POST", &format!("/api/v1/webhooks/{id}/delete"))).await;
    assert_eq!(status, StatusCode::NO_CONTENT);
    assert_eq!(count(&app, "webhook_endpoints"), 0);
}
