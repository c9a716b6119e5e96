//! Prometheus metrics (TOM AVAIL-3), served in the text format on a listen address of their
//! own (`metrics.listen`), never on the public one. Labels are closed sets only: route
//! patterns (`/api/v1/events/{id}`, never the path), methods, statuses, tap outcomes, job
//! names; never tenant names, emails, ids or tokens.

use std::collections::BTreeMap;
use std::fmt::Write;
use std::sync::Mutex;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::audit::{Action, AuditContext, Event};
use crate::config::MetricsConfig;
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
    bookings: Mutex<BTreeMap<&'static str, u64>>,
    security: Mutex<BTreeMap<&'static str, u64>>,
    /// Per kind of security event: when this node's current window opened, the events
    /// counted in it, and whether it was reported already.
    watch: Mutex<BTreeMap<&'static str, Watched>>,
}

struct Watched {
    opened: DateTime<Utc>,
    count: u64,
    reported: bool,
}

/// Security events of one kind that crossed the threshold within the window (TOM AVAIL-3):
/// written once per window as `security.events_detected` on the platform chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Detected {
    pub kind: &'static str,
    pub count: u64,
    pub since: DateTime<Utc>,
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
    /// `(static)`: never the path), method and status. A request that points at an attack
    /// is a security event; when its kind crosses `config`'s threshold in the window, the
    /// answer says so, once per window (the caller audits it).
    pub fn request(
        &self,
        method: &str,
        route: &str,
        status: u16,
        took: Duration,
        at: DateTime<Utc>,
        config: &MetricsConfig,
    ) -> Option<Detected> {
        bump(&self.requests, (method.to_owned(), route.to_owned(), status));
        let seconds = took.as_secs_f64();
        let mut latency = self.latency.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = latency.entry(route.to_owned()).or_default();
        entry.buckets[BUCKETS.iter().position(|b| seconds <= *b).unwrap_or(BUCKETS.len())] += 1;
        entry.sum += seconds;
        drop(latency);
        let kind = security_event(route, status)?;
        bump(&self.security, kind);
        self.watch(kind, at, config)
    }

    /// Counts one security event of `kind` in this node's window of it.
    fn watch(&self, kind: &'static str, at: DateTime<Utc>, config: &MetricsConfig) -> Option<Detected> {
        let window = chrono::Duration::seconds(i64::from(config.security_event_window_seconds));
        let mut watch = self.watch.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        let entry = watch.entry(kind).or_insert(Watched { opened: at, count: 0, reported: false });
        if at >= entry.opened + window {
            *entry = Watched { opened: at, count: 0, reported: false };
        }
        entry.count += 1;
        if entry.reported || entry.count < u64::from(config.security_event_threshold) {
            return None;
        }
        entry.reported = true;
        Some(Detected { kind, count: entry.count, since: entry.opened })
    }

    /// One booking request, confirmation or cancellation, by its outcome code.
    pub fn booking(&self, outcome: &'static str) {
        bump(&self.bookings, outcome);
    }

    /// One card tap, by its outcome code.
    pub fn tap(&self, outcome: String) {
        bump(&self.taps, outcome);
    }
}

/// Writes `security.events_detected` on the platform chain: which kind, how many in how
/// long, on which threshold; no address, account or tenant (those are in the entries of
/// the refusals themselves). Blocking.
pub fn record_detected(state: &AppState, detected: &Detected) -> Result<(), AppError> {
    let ctx = AuditContext::system(state.clock.now());
    let config = &state.config.metrics;
    let event = Event::new(Action::SecurityEventsDetected, "security_event", Some(detected.kind))
        .detail("kind", detected.kind)
        .detail("count", detected.count)
        .detail("since", crate::timestamp::rfc3339(detected.since.naive_utc()))
        .detail("threshold", config.security_event_threshold)
        .detail("window_seconds", config.security_event_window_seconds);
    state.db.platform_tx(|tx| crate::audit::record(tx, &ctx, event).map(|_| ()))?;
    tracing::warn!(kind = detected.kind, count = detected.count, "security events above the threshold");
    Ok(())
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
    header(&mut out, "anwesend_bookings_total", "counter", "Booking requests, confirmations and cancellations by outcome.");
    for (outcome, n) in metrics.bookings.lock().unwrap_or_else(std::sync::PoisonError::into_inner).iter() {
        let _ = writeln!(out, "anwesend_bookings_total{{outcome=\"{outcome}\"}} {n}");
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
    if let Some((writes, commits)) = state.db.write_counts() {
        header(&mut out, "anwesend_db_writes_total", "counter", "SQLite: write transactions of this node.");
        let _ = writeln!(out, "anwesend_db_writes_total {writes}");
        header(
            &mut out,
            "anwesend_db_write_commits_total",
            "counter",
            "SQLite: commits of this node; writes queued behind one another share one.",
        );
        let _ = writeln!(out, "anwesend_db_write_commits_total {commits}");
    }
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
    header(
        &mut out,
        "anwesend_job_last_success_timestamp_seconds",
        "gauge",
        "When each scheduled job last succeeded (Unix time; 0: never).",
    );
    // Every job of this node's schedule, those that never succeeded as 0 (an alert on age fires).
    let mut names: Vec<String> = crate::jobs::service::schedule(state).iter().map(|j| j.name.to_owned()).collect();
    names.extend(jobs.iter().map(|j| j.name.clone()));
    names.sort();
    names.dedup();
    for name in &names {
        let at = jobs.iter().find(|j| &j.name == name).and_then(|j| j.last_success_at).map_or(0, seconds);
        let _ = writeln!(out, "anwesend_job_last_success_timestamp_seconds{{job=\"{}\"}} {at}", label(name));
    }
    header(&mut out, "anwesend_job_last_failure_timestamp_seconds", "gauge", "When each scheduled job last failed (Unix time).");
    for job in jobs.iter() {
        if let Some(at) = job.last_failure_at {
            let _ = writeln!(out, "anwesend_job_last_failure_timestamp_seconds{{job=\"{}\"}} {}", label(&job.name), seconds(at));
        }
    }
    backups(&mut out, state, &mut conn)?;
    header(&mut out, "anwesend_audit_chains", "gauge", "Audit chains walked by the last scheduled verification, and those found broken.");
    header(
        &mut out,
        "anwesend_audit_last_verification_timestamp_seconds",
        "gauge",
        "When every audit chain was last verified (Unix time).",
    );
    if let Some(checked) = crate::audit::service::last_verification(&mut conn)? {
        let _ = writeln!(out, "anwesend_audit_chains{{result=\"checked\"}} {}", checked.chains);
        let _ = writeln!(out, "anwesend_audit_chains{{result=\"broken\"}} {}", checked.broken);
        let _ = writeln!(out, "anwesend_audit_last_verification_timestamp_seconds {}", seconds(checked.checked_at));
    }
    drop(conn);
    header(
        &mut out,
        "anwesend_devices_heartbeat_overdue",
        "gauge",
        "Active check-in devices of every tenant whose last heartbeat is older than 10 minutes.",
    );
    let _ = writeln!(out, "anwesend_devices_heartbeat_overdue {}", devices_overdue(state)?);
    let (open, overdue) = crate::incidents::service::overdue_counts(state)?;
    header(&mut out, "anwesend_incidents_open", "gauge", "Incidents of the register not closed yet (TOM BREACH-1).");
    let _ = writeln!(out, "anwesend_incidents_open {open}");
    header(
        &mut out,
        "anwesend_incident_notices_overdue",
        "gauge",
        "Notifications to affected tenants still unsent 72 hours after the incident's discovery.",
    );
    let _ = writeln!(out, "anwesend_incident_notices_overdue {overdue}");
    Ok(out)
}

/// The last backup and verification, whoever made them (the schedule or `anwesend backup`).
fn backups(out: &mut String, state: &AppState, conn: &mut crate::db::DbConnection) -> Result<(), AppError> {
    use crate::backups::model::RunKind;
    use crate::backups::store;
    let now = state.clock.now().naive_utc();
    header(
        out,
        "anwesend_backup_last_success_timestamp_seconds",
        "gauge",
        "When the last successful backup was taken (Unix time; 0: never).",
    );
    header(out, "anwesend_backup_age_seconds", "gauge", "Age of the last successful backup.");
    header(out, "anwesend_backup_last_size_bytes", "gauge", "Size of the last successful backup file.");
    if let Some(last) = store::last_ok(conn, RunKind::Create)? {
        let _ = writeln!(out, "anwesend_backup_last_success_timestamp_seconds {}", seconds(last.started_at));
        let _ = writeln!(out, "anwesend_backup_age_seconds {}", (now - last.started_at).num_seconds().max(0));
        let _ = writeln!(out, "anwesend_backup_last_size_bytes {}", last.size_bytes.unwrap_or(0));
    } else {
        let _ = writeln!(out, "anwesend_backup_last_success_timestamp_seconds 0");
    }
    header(out, "anwesend_backup_verification_ok", "gauge", "1 if the last backup verification passed, 0 if it failed.");
    header(
        out,
        "anwesend_backup_last_verification_timestamp_seconds",
        "gauge",
        "When a backup was last verified, passed or failed (Unix time).",
    );
    if let Some(last) = store::last_of(conn, RunKind::Verify)? {
        let _ = writeln!(out, "anwesend_backup_verification_ok {}", u8::from(last.ok));
        let _ = writeln!(out, "anwesend_backup_last_verification_timestamp_seconds {}", seconds(last.finished_at));
    }
    Ok(())
}

/// Devices silent past `home::service::DEVICE_SILENT_MINUTES`, summed over the active
/// tenants, each read in its own scope (row-level security); no tenant is named.
pub(crate) fn devices_overdue(state: &AppState) -> Result<usize, AppError> {
    let silent_since = state.clock.now().naive_utc() - chrono::Duration::minutes(crate::home::service::DEVICE_SILENT_MINUTES);
    let mut overdue = 0;
    for tenant in crate::tenants::service::list(&state.db)? {
        if tenant.status != crate::tenants::model::TenantStatus::Active.as_str() {
            continue;
        }
        let scope = crate::db::TenantScope::named_by_operator(tenant.id);
        overdue += state.db.tenant_read(&scope, |tx| {
            Ok(crate::home::store::active_devices(tx)?
                .iter()
                .filter(|d| d.last_heartbeat_at.unwrap_or(d.created_at) < silent_since)
                .count())
        })?;
    }
    Ok(overdue)
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
