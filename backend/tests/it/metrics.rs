//! Prometheus metrics (TOM AVAIL-3): served apart from the application, labelled by route
//! pattern and closed sets only, so no id, token, email or tenant name becomes a label.

use std::process::Command;
use std::time::Duration;

use actix_web::http::StatusCode;
use anwesend::clock::Clock;

use crate::common::{sensitive, test_app};
use crate::fixtures::server::{free_port, node, text};
use crate::fixtures::{bind_card, call, enrol, json_of, login, public, signed, tap_body, venue};

#[actix_web::test]
async fn avail_3_metrics_labels_carry_route_patterns_never_ids_tokens_or_names() {
    let app = test_app();
    let service = app.service().await;
    app.tenant_with_admin("verein-geheim", "leitung@verein-geheim.example");
    let v = venue(&app, &service, "verein-geheim", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let card = sensitive("04A1B2C3D4E5F6");
    bind_card(&app, &service, &v.staff, &device, &v.participant, &card).await;
    let (status, _, answer) = call(&service, signed(&app, &device, anwesend_protocol::PATH_TAPS, &tap_body(&app, "tap-1", &card))).await;
    assert_eq!((status, json_of(&answer)["outcome"].as_str()), (StatusCode::OK, Some("checked_in")));

    // Requests whose paths carry ids and tokens, known and unknown.
    let token = sensitive("7f3c9a1e5b2d4c6f8a0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d");
    let (status, _, _) = call(&service, v.staff.request("GET", &format!("/api/v1/events/{}", v.event))).await;
    assert_eq!(status, StatusCode::OK);
    call(&service, public("GET", &format!("/api/v1/public/verein-geheim/events/{}", v.event), "198.51.100.9")).await;
    call(&service, public("GET", &format!("/api/v1/invitations/{token}"), "198.51.100.9")).await;
    call(&service, public("GET", &format!("/api/v1/no-such-thing/{token}?email=anna@example.org"), "198.51.100.9")).await;
    // A wrong password and a forged device request count as security events.
    let (status, _, _, _) = login(&service, "leitung@verein-geheim.example", "falsch falsch falsch").await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let forged = crate::fixtures::Device { id: device.id.clone(), secret: b"not the secret".to_vec() };
    let (status, _, _) = call(&service, signed(&app, &forged, anwesend_protocol::PATH_TAPS, &tap_body(&app, "tap-2", &card))).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let text = anwesend::metrics::render(&app.state).expect("metrics");
    for expected in [
        "anwesend_http_requests_total{method=\"GET\",route=\"/api/v1/events/{id}\",status=\"200\"}",
        "route=\"/api/v1/public/{tenant}/events/{id}\"",
        "route=\"(unmatched)\"",
        "anwesend_checkins_total{outcome=\"checked_in\"} 1",
        "anwesend_security_events_total{kind=\"sign_in_failed\"} 1",
        "anwesend_security_events_total{kind=\"signature_refused\"} 1",
        "anwesend_http_request_duration_seconds_bucket{route=\"/api/v1/auth/login\",le=\"+Inf\"}",
        "anwesend_db_pool_connections{state=\"idle\"}",
        "anwesend_mail_outbox_messages{status=\"queued\"}",
    ] {
        assert!(text.contains(expected), "missing {expected}:\n{text}");
    }
    // No label value is anything but a route pattern or a code.
    let lower = text.to_lowercase();
    for secret in [
        v.event.as_str(),
        v.participant.as_str(),
        device.id.as_str(),
        v.location.as_str(),
        &token,
        "anna",
        "verein-geheim",
        "example.org",
        "04a1b2",
    ] {
        assert!(!lower.contains(&secret.to_lowercase()), "{secret} in the metrics:\n{text}");
    }
}

#[actix_web::test]
async fn avail_3_metrics_are_served_on_their_own_address_only() {
    let test_db = crate::common::TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let port = free_port();
    let (_server, app_port) = node(&test_db, dir.path(), &[("ANWESEND_METRICS__LISTEN".into(), format!("127.0.0.1:{port}"))]);
    let get = |port: u16, path: &str| {
        let out = Command::new("curl")
            .args(["-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}"])
            .arg(format!("http://127.0.0.1:{port}{path}"))
            .output()
            .expect("curl");
        let answer = text(&out.stdout);
        let (body, code) = answer.rsplit_once('\n').unwrap_or(("", "0"));
        (code.trim().to_owned(), body.to_owned())
    };
    let started = std::time::Instant::now();
    let (code, body) = loop {
        let (code, body) = get(port, "/metrics");
        // The server's first check runs the jobs: their last success shows as a time, not 0.
        let ran =
            |job: &str| value(&body, &format!("anwesend_job_last_success_timestamp_seconds{{job=\"{job}\"}}")).is_some_and(|t| t > 0.0);
        if code == "200" && ran("retention") && ran("audit_verify") {
            break (code, body);
        }
        assert!(started.elapsed() < Duration::from_secs(60), "{code}: {body}");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(code, "200");
    assert!(body.contains("# TYPE anwesend_http_requests_total counter"), "{body}");
    assert_eq!(value(&body, "anwesend_audit_chains{result=\"broken\"}"), Some(0.0), "{body}");
    assert_eq!(value(&body, "anwesend_devices_heartbeat_overdue"), Some(0.0), "{body}");
    // The application's address does not serve them.
    assert!(!get(app_port, "/metrics").1.contains("anwesend_http_requests_total"));
}

/// The value of one metric line (`name{labels} value`), as a scraper reads it.
fn value(text: &str, series: &str) -> Option<f64> {
    text.lines().find_map(|l| l.strip_prefix(series)?.strip_prefix(' ')?.trim().parse().ok())
}

/// What an operator must notice reads right off the scrape (TOM AVAIL-3): a silent device,
/// bookings, every scheduled job's last success (0 for one that never ran, so an age alert
/// fires), and the audit chains' verification, which turns to broken when an entry is changed.
#[actix_web::test]
async fn avail_3_metrics_show_silent_devices_bookings_jobs_and_broken_audit_chains() {
    let app = crate::common::test_app_with(|c| c.backups.schedule = false);
    let service = app.service().await;
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let v = venue(&app, &service, "verein-a", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    enrol(&service, &v.staff, &v.location, "Eingang").await;

    let scrape = || anwesend::metrics::render(&app.state).expect("metrics");
    let text = scrape();
    // The venue's booking: a request held for its link, then confirmed.
    assert_eq!(value(&text, "anwesend_bookings_total{outcome=\"held\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "anwesend_bookings_total{outcome=\"confirmed\"}"), Some(1.0), "{text}");
    assert_eq!(value(&text, "anwesend_devices_heartbeat_overdue"), Some(0.0), "a device enrolled just now is not overdue");
    for job in ["audit_verify", "ip_hash_keys", "offboarding", "retention"] {
        assert_eq!(value(&text, &format!("anwesend_job_last_success_timestamp_seconds{{job=\"{job}\"}}")), Some(0.0), "{job}: {text}");
    }
    assert_eq!(value(&text, "anwesend_backup_last_success_timestamp_seconds"), Some(0.0), "no backup yet");

    // Eleven minutes without a heartbeat: overdue. The jobs run.
    app.clock.advance(chrono::Duration::minutes(11));
    let ran = anwesend::jobs::service::run_due(&app.state);
    assert!(ran.contains(&"audit_verify"), "{ran:?}");
    let text = scrape();
    assert_eq!(value(&text, "anwesend_devices_heartbeat_overdue"), Some(1.0), "{text}");
    let now = app.clock.now().timestamp() as f64;
    for job in ["audit_verify", "ip_hash_keys", "offboarding", "retention"] {
        assert_eq!(value(&text, &format!("anwesend_job_last_success_timestamp_seconds{{job=\"{job}\"}}")), Some(now), "{job}");
    }
    assert_eq!(value(&text, "anwesend_audit_chains{result=\"checked\"}"), Some(2.0), "the platform's chain and the tenant's: {text}");
    assert_eq!(value(&text, "anwesend_audit_chains{result=\"broken\"}"), Some(0.0));
    assert_eq!(value(&text, "anwesend_audit_last_verification_timestamp_seconds"), Some(now));

    // Someone changes an audit entry in the database: the next daily check finds it.
    crate::audit::tamper(&app, "UPDATE audit_entries SET target_type = 'changed' WHERE seq = 2 AND chain <> 'platform'");
    app.clock.advance(chrono::Duration::days(1));
    let ran = anwesend::jobs::service::run_due(&app.state);
    assert!(!ran.contains(&"audit_verify"), "a broken chain fails the job: {ran:?}");
    let text = scrape();
    assert_eq!(value(&text, "anwesend_audit_chains{result=\"broken\"}"), Some(1.0), "{text}");
    let failed = app.clock.now().timestamp() as f64;
    assert_eq!(value(&text, "anwesend_job_last_failure_timestamp_seconds{job=\"audit_verify\"}"), Some(failed));
}

/// Repeated sign-in failures are security events (TOM AVAIL-3): each is counted, and the
/// threshold crossed within the window writes one `security.events_detected` entry on the
/// platform chain, not one per failure; a new window past the threshold writes the next.
#[actix_web::test]
async fn avail_3_repeated_sign_in_failures_raise_one_platform_audit_entry_per_window() {
    let app = crate::common::test_app_with(|c| {
        c.metrics.security_event_threshold = 3;
        c.metrics.security_event_window_seconds = 600;
        c.rate_limit.sign_in_per_ip_per_minute = 10_000;
        c.rate_limit.sign_in_per_account_per_minute = 10_000;
    });
    let service = app.service().await;
    app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let detected = || {
        use anwesend::db::schema::audit_entries::dsl as a;
        use diesel::prelude::*;
        a::audit_entries
            .filter(a::chain.eq("platform"))
            .filter(a::action.eq("security.events_detected"))
            .order(a::seq.asc())
            .select(a::detail)
            .load::<String>(&mut app.db.inspect())
            .expect("audit")
    };
    for n in 1..=5 {
        let (status, _, _, _) = login(&service, "leitung@verein-a.example", "falsch falsch falsch").await;
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(detected().len(), usize::from(n >= 3), "after {n} failures");
    }
    let entry: serde_json::Value = serde_json::from_str(&detected()[0]).expect("detail");
    assert_eq!((entry["kind"].as_str(), entry["count"].as_u64(), entry["threshold"].as_u64()), (Some("sign_in_failed"), Some(3), Some(3)));
    assert!(!detected()[0].contains("leitung") && !detected()[0].contains("verein"), "names nobody: {}", detected()[0]);
    let text = anwesend::metrics::render(&app.state).expect("metrics");
    assert_eq!(value(&text, "anwesend_security_events_total{kind=\"sign_in_failed\"}"), Some(5.0), "{text}");

    // Two failures in a new window stay below the threshold; the third is reported again.
    app.clock.advance(chrono::Duration::minutes(11));
    for _ in 0..2 {
        login(&service, "leitung@verein-a.example", "falsch falsch falsch").await;
    }
    assert_eq!(detected().len(), 1);
    login(&service, "leitung@verein-a.example", "falsch falsch falsch").await;
    assert_eq!(detected().len(), 2);
}
