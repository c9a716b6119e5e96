//! Prometheus metrics (TOM AVAIL-3), served in the text format on a listen address of their
//! own (`metrics.listen`), never on the public one. Labels are closed sets only: route
//! patterns (`/api/v1/events/{id}`, never the path), methods, statuses, tap outcomes, job
//! names; never tenant names, emails, ids or tokens.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use crate::error::AppError;
use crate::state::AppState;

/// Upper bounds of the request latency histogram, in seconds.
const BUCKETS: [f64; 11] = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0];

#[derive(Default)]
struct Latency {
    /// Requests per bucket (not cumulative), the last for slower than every bound.
    buckets: [u64; BUCKETS.len() + 1],
    sum: f64,
}

/// Counters kept in this node's memory since it started.
#[derive(Default)]
pub struct Metrics {
    requests: Mutex<BTreeMap<(String, String, u16), u64>>,
    latency: Mutex<BTreeMap<String, Latency>>,
    taps: Mutex<BTreeMap<String, u64>>,
    security: Mutex<BTreeMap<&'static str, u64>>,
}

fn bump<K: Ord>(map: &Mutex<BTreeMap<K, u64>>, key: K) {
    *map.lock().unwrap_or_else(std::sync::PoisonError::into_inner).entry(key).or_default() += 1;
}

/// What a refused request says about an attacker (TOM AVAIL-3 security events).
fn security_event(route: &str, status: u16) -> Option<&'static str> {
    match (route, status) {
        (_, 429) => Some("rate_limited"),
        ("/api/v1/auth/login", 401) => Some("sign_in_failed"),
        (route, 401) if route.starts_with("/api/v1/device/") => Some("signature_refused"),
        _ => None,
    }
}

impl Metrics {
    /// One answered request, by route pattern (from the route table, or `(unmatched)` /
    /// `(static)`: never the path), method and status.
    pub fn request(&self, method: &str, route: &str, status: u16, took: Duration) {
        bump(&self.requests, (method.to_owned(), route.to_owned(), status));
        let seconds = took.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = latency.entry(route.to_owned()).or_default();
        entry.buckets[BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len())] += 1;
        entry.sum += seconds;
        if let Some(kind) = security_event(route, status) {
            bump(&self.security, kind);
        }
    }

    /// One card tap, by its outcome code.
    pub fn tap(&self, outcome: String) {
        bump(&self.taps, outcome);
    }
}

/// A label value in the text format's quoting.
fn label(value: &str) -> String {
    value.replace('\\', "\\\\").replace('"', "\\\"").replace('\n', "\\n")
}

fn header(out: &mut String, name: &str, kind: &str, help: &str) {
    let _ = writeln!(out, "# HELP {name} {help}\n# TYPE {name} {kind}");
}

fn seconds(at: chrono::NaiveDateTime) -> i64 {
    at.and_utc().timestamp()
}

/// The metrics of this node and of the shared database, in Prometheus' text format. Blocking
/// (reads the outbox and the job table).
pub fn render(state: &AppState) -> Result<String, AppError> {
    let metrics = &state.metrics;
    let mut out = String::new();
    header(&mut out, "anwesend_http_requests_total", "counter", "Requests answered, by method, route pattern and status.");
    for ((method, route, status), n) in metrics.requests.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        let _ = writeln!(
            out,
            "anwesend_http_requests_total{{method=\"{}\",route=\"{}\",status=\"{status}\"}} {n}",
            label(method),
            label(route)
        );
    }
    header(&mut out, "anwesend_http_request_duration_seconds", "histogram", "Request latency by route pattern.");
    for (route, latency) in metrics.latency.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        let route = label(route);
        let mut cumulative = 0;
        for (bound, n) in BUCKETS.iter().zip(latency.buckets.iter()) {
            cumulative += n;
            let _ = writeln!(out, "anwesend_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"{bound}\"}} {cumulative}");
        }
        cumulative += latency.buckets[BUCKETS.len()];
        let _ = writeln!(out, "anwesend_http_request_duration_seconds_bucket{{route=\"{route}\",le=\"+Inf\"}} {cumulative}");
        let _ = writeln!(out, "anwesend_http_request_duration_seconds_sum{{route=\"{route}\"}} {}", latency.sum);
        let _ = writeln!(out, "anwesend_http_request_duration_seconds_count{{route=\"{route}\"}} {cumulative}");
    }
    header(&mut out, "anwesend_checkins_total", "counter", "Card taps by outcome.");
    for (outcome, n) in metrics.taps.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        let _ = writeln!(out, "anwesend_checkins_total{{outcome=\"{}\"}} {n}", label(outcome));
    }
    header(
        &mut out,
        "anwesend_security_events_total",
        "counter",
        "Refused requests that point at an attack: sign-in failures, device signature refusals, rate limiting.",
    );
    for (kind, n) in metrics.security.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        let _ = writeln!(out, "anwesend_security_events_total{{kind=\"{kind}\"}} {n}");
    }
    let pool = state.db.pool_state();
    header(&mut out, "anwesend_db_pool_connections", "gauge", "Pooled database connections of this node by state.");
    let _ = writeln!(out, "anwesend_db_pool_connections{{state=\"in_use\"}} {}", pool.connections - pool.idle_connections);
    let _ = writeln!(out, "anwesend_db_pool_connections{{state=\"idle\"}} {}", pool.idle_connections);
    header(&mut out, "anwesend_db_pool_waits_total", "counter", "Requests that had to wait for a pooled connection.");
    let _ = writeln!(out, "anwesend_db_pool_waits_total {}", state.db.waits());
    header(&mut out, "anwesend_db_unreachable", "gauge", "1 while this node finds the database unreachable and answers 503 at once.");
    let _ = writeln!(out, "anwesend_db_unreachable {}", u8::from(state.db.is_unreachable()));

    let mut conn = state.db.conn()?;
    header(&mut out, "anwesend_mail_outbox_messages", "gauge", "Messages in the mail outbox by status.");
    for (status, n) in crate::notify::store::count_by_status(&mut conn)? {
        let _ = writeln!(out, "anwesend_mail_outbox_messages{{status=\"{}\"}} {n}", label(&status));
    }
    header(&mut out, "anwesend_mail_outbox_oldest_queued_seconds", "gauge", "Age of the oldest queued message (0: none queued).");
    let oldest = crate::notify::store::oldest_queued(&mut conn)?;
    let age = oldest.map(|at| (state.clock.now().naive_utc() - at).num_seconds().max(0)).unwrap_or(0);
    let _ = writeln!(out, "anwesend_mail_outbox_oldest_queued_seconds {age}");
    let jobs = crate::jobs::store::all(&mut conn)?;
    header(&mut out, "anwesend_job_last_success_timestamp_seconds", "gauge", "When each scheduled job last succeeded (Unix time).");
    for job in jobs.iter() {
        if let Some(at) = job.last_success_at {
            let _ = writeln!(out, "anwesend_job_last_success_timestamp_seconds{{job=\"{}\"}} {}", label(&job.name), seconds(at));
        }
    }
    header(&mut out, "anwesend_job_last_failure_timestamp_seconds", "gauge", "When each scheduled job last failed (Unix time).");
    for job in jobs.iter() {
        if let Some(at) = job.last_failure_at {
            let _ = writeln!(out, "anwesend_job_last_failure_timestamp_seconds{{job=\"{}\"}} {}", label(&job.name), seconds(at));
        }
    }
    Ok(out)
}

/// The metrics listener: `GET /metrics` only.
pub fn app(
    state: AppState,
) -> actix_web::App<
    impl actix_web::dev::ServiceFactory<
        actix_web::dev::ServiceRequest,
        Config = (),
        Response = actix_web::dev::ServiceResponse<impl actix_web::body::MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    actix_web::App::new().app_data(actix_web::web::Data::new(state)).route("/metrics", actix_web::web::get().to(scrape))
}

async fn scrape(state: actix_web::web::Data<AppState>) -> actix_web::HttpResponse {
    match actix_web::web::block(move || render(&state)).await {
        Ok(Ok(text)) => actix_web::HttpResponse::Ok().content_type("text/plain; version=0.0.4; charset=utf-8").body(text),
        Ok(Err(e)) => {
            tracing::error!(cause = %e, "metrics unavailable");
            actix_web::HttpResponse::ServiceUnavailable().finish()
        }
        Err(_) => actix_web::HttpResponse::InternalServerError().finish(),
    }
}
