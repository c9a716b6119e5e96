//! Several `anwesend serve` nodes on one PostgreSQL database (TOM AVAIL-5): a tap taken
//! by one node reaches the kiosk screens of another, the mail outbox and the scheduled
//! jobs are shared without doing anything twice, and a node that dies in the middle of a
//! job leaves nothing half-done and the work to another. SQLite serves one node by design:
//! there the same tests run with that one node in both roles.

use std::collections::HashSet;
use std::process::{Command, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anwesend::audit::AuditContext;
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::TenantScope;
use anwesend::notify::Message;
use anwesend::state::AppState;
use anwesend_protocol as protocol;
use chrono::Utc;
use diesel::prelude::*;
use serde_json::{json, Value};

use crate::common::{backend, sensitive, test_app_beside_server, test_app_with, Backend, MailSink, TestApp, TestDb};
use crate::fixtures::server::{node, text, Lines, Server};
use crate::fixtures::{bind_card, enrol, tenant, venue, Device, Venue};

/// The test's database, the shared data directory (master key, keyring) and the nodes.
struct Cluster {
    app: TestApp,
    dir: tempfile::TempDir,
    env: Vec<(String, String)>,
    nodes: Vec<(Server, u16)>,
}

/// An operator master key in a data directory the nodes share, and an in-process app with
/// the same key for the set-up. No node runs yet.
fn cluster(env: &[(&str, String)]) -> Cluster {
    let test_db = TestDb::new();
    let dir = tempfile::tempdir().expect("dir");
    let key_file = dir.path().join("master.key");
    MasterKey::generate(MasterKeyOrigin::Operator).write_file(&key_file).expect("master key");
    let master = MasterKey::read_file(&key_file).expect("master key");
    let mut env: Vec<(String, String)> = env.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect();
    env.push(("ANWESEND_JOBS__CHECK_SECONDS".into(), "1".into()));
    // Every job of the schedule, the backup and its verification included (PostgreSQL: as
    // the backup role).
    env.push(("ANWESEND_BACKUPS__SCHEDULE".into(), "true".into()));
    if let Some(url) = test_db.backup_url() {
        env.push(("ANWESEND_BACKUPS__DATABASE_URL".into(), url));
    }
    Cluster { app: test_app_beside_server(test_db, master), dir, env, nodes: Vec::new() }
}

impl Cluster {
    fn start_node(&mut self) -> u16 {
        let started = node(&self.app.db, self.dir.path(), &self.env);
        let port = started.1;
        self.nodes.push(started);
        port
    }

    /// Another node: a new process on PostgreSQL; SQLite serves one node, so the first.
    fn other_node(&mut self) -> u16 {
        match backend() {
            Backend::Postgres => self.start_node(),
            Backend::Sqlite => self.nodes[0].1,
        }
    }

    fn logs(&self) -> String {
        self.nodes
            .iter()
            .map(|(_, port)| std::fs::read_to_string(self.dir.path().join(format!("node-{port}.log"))).unwrap_or_default())
            .collect::<Vec<_>>()
            .join("\n")
    }
}

fn cookie_header(venue: &Venue) -> String {
    let cookie = venue.staff.cookie.as_ref().expect("signed in");
    format!("Cookie: {}={}", cookie.name(), cookie.value())
}

/// A card tap as the agent sends it, signed, over HTTP to the node on `port`.
fn tap_over_http(port: u16, device: &Device, card: &str) -> (u16, Value) {
    let now = Utc::now().timestamp();
    let body =
        json!({ "idempotency_key": uuid::Uuid::new_v4().to_string(), "card_id": card, "tapped_at": now, "reader": "ACS ACR122U 00 00" })
            .to_string();
    let nonce = uuid::Uuid::new_v4().simple().to_string();
    let mut curl = Command::new("curl");
    curl.args(["-s", "--max-time", "10", "-o", "-", "-w", "\n%{http_code}", "-H", "content-type: application/json"]);
    for (name, value) in protocol::signed_headers(&device.id, &device.secret, "POST", protocol::PATH_TAPS, now, &nonce, body.as_bytes()) {
        curl.arg("-H").arg(format!("{name}: {value}"));
    }
    let out = curl.arg("--data-binary").arg(&body).arg(format!("http://127.0.0.1:{port}{}", protocol::PATH_TAPS)).output().expect("curl");
    let answer = text(&out.stdout);
    let (body, code) = answer.rsplit_once('\n').unwrap_or(("", "0"));
    (code.trim().parse().unwrap_or(0), serde_json::from_str(body).unwrap_or(Value::Null))
}

#[actix_web::test]
async fn avail_5_a_tap_on_one_node_reaches_the_kiosk_on_another() {
    let mut c = cluster(&[]);
    let first = c.start_node();
    let service = c.app.service().await;
    c.app.tenant_with_admin("verein-a", "leitung@verein-a.example");
    let v = venue(&c.app, &service, "verein-a", (&sensitive("Anna Beispiel"), &sensitive("anna@example.org"))).await;
    let device = enrol(&service, &v.staff, &v.location, "Eingang").await;
    let card = sensitive("04A1B2C3D4E5F6");
    bind_card(&c.app, &service, &v.staff, &device, &v.participant, &card).await;
    let second = c.other_node();

    // The kiosk screen follows node 2; the hello comes once its node listens.
    let mut kiosk = Command::new("curl")
        .args(["-sN", "--max-time", "120", "-H", &cookie_header(&v)])
        .arg(format!("http://127.0.0.1:{second}/api/v1/kiosk/stream"))
        .stdout(Stdio::piped())
        .spawn()
        .expect("curl");
    let stream = Lines::default();
    stream.follow(kiosk.stdout.take().expect("stdout"));
    stream.wait_for(": connected", 1, Duration::from_secs(30));

    // The card is tapped at a reader whose agent talks to node 1.
    let sent = Instant::now();
    let (status, answer) = tap_over_http(first, &device, &card);
    assert_eq!((status, answer["outcome"].as_str()), (200, Some("checked_in")), "{answer}\n{}", c.logs());
    stream.wait_for("Anna", 1, Duration::from_secs(30));
    let shown = stream.all().into_iter().find(|l| l.contains("Anna")).unwrap_or_default();
    assert!(shown.contains("\"outcome\":\"checked_in\"") && shown.contains("\"device_name\":\"Eingang\""), "{shown}");
    let latency = stream.arrived("Anna").map(|at| at.saturating_duration_since(sent)).unwrap_or_default();
    println!("AVAIL-5 ({:?}): tap answered by node 1, shown on the kiosk of node 2 after {latency:?}", backend());
    // Only ids cross between the nodes; each node's own log never names the person.
    assert!(!c.logs().contains("Anna"), "{}", c.logs());
    let _ = kiosk.kill();
    let _ = kiosk.wait();
}

fn mail_statuses(app: &TestApp) -> Vec<String> {
    use anwesend::db::schema::mail_outbox::dsl as m;
    m::mail_outbox.select(m::status).load(&mut app.db.inspect()).expect("outbox")
}

#[actix_web::test]
async fn input_6_two_nodes_send_200_queued_mails_exactly_once() {
    let sink = MailSink::start();
    let mut c = cluster(&[
        ("ANWESEND_MAIL__TRANSPORT", "smtp".into()),
        ("ANWESEND_MAIL__SMTP__HOST", "127.0.0.1".into()),
        ("ANWESEND_MAIL__SMTP__PORT", sink.port.to_string()),
        ("ANWESEND_MAIL__SMTP__SECURITY", "none".into()),
        ("ANWESEND_MAIL__POLL_SECONDS", "1".into()),
    ]);
    c.start_node();
    c.other_node();
    // 200 messages appear at once, while both nodes poll the outbox.
    let keys = c.app.state.master.platform_keys();
    let now = Utc::now().naive_utc();
    c.app
        .state
        .db
        .platform_tx(|tx| {
            for n in 0..200 {
                let message = Message { to: format!("person{n}@example.net"), subject: format!("Nachricht {n}"), text: "Hallo".into() };
                anwesend::notify::enqueue(tx, &keys, None, "test", &message, now)?;
            }
            Ok(())
        })
        .expect("queue");

    let started = Instant::now();
    while mail_statuses(&c.app).iter().any(|s| s != "sent") {
        assert!(started.elapsed() < Duration::from_secs(120), "not all sent: {:?}\n{}", mail_statuses(&c.app), c.logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    // A message is marked sent only after the SMTP server took it: all are in the sink now.
    let received = sink.messages();
    let recipients: Vec<String> =
        received.iter().filter_map(|m| m.lines().find_map(|l| l.strip_prefix("To: ").map(str::to_owned))).collect();
    let distinct: HashSet<&String> = recipients.iter().collect();
    assert_eq!((received.len(), distinct.len()), (200, 200), "each of the 200 mails arrived exactly once");
    // Meanwhile both nodes checked the schedule every second: each job ran on one of them, once.
    let started = Instant::now();
    let jobs = ["absence_alerts", "audit_verify", "backup", "backup_verify", "ip_hash_keys", "offboarding", "retention"];
    while job_runs(&c.app).iter().filter(|(_, runs)| *runs > 0).count() < jobs.len() {
        assert!(started.elapsed() < Duration::from_secs(120), "jobs not run: {:?}\n{}", job_runs(&c.app), c.logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    let runs = job_runs(&c.app);
    assert_eq!(runs, jobs.map(|j| (j.to_owned(), 1)), "{runs:?}");
}

/// A node in this process: its own pool and IP hasher on the test's database and keys.
fn node_state(app: &TestApp) -> AppState {
    let db = anwesend::db::Db::new(&app.db.app_url, 10).expect("pool");
    let ip_hasher = Arc::new(anwesend::audit::IpHasher::new(db.clone(), app.state.master.clone(), &app.state.config.ip_hash));
    AppState { db, ip_hasher, ..app.state.clone() }
}

fn job_runs(app: &TestApp) -> Vec<(String, i64)> {
    use anwesend::db::schema::scheduled_jobs::dsl as j;
    j::scheduled_jobs.select((j::name, j::runs)).order(j::name.asc()).load(&mut app.db.inspect()).expect("jobs")
}

#[actix_web::test]
async fn avail_5_each_due_job_runs_once_however_many_nodes_ask_at_once() {
    let app = test_app_with(|c| c.auth.disable_dormant = true);
    let nodes = [node_state(&app), node_state(&app)];
    // Three workers per node ask for due jobs at the same moment.
    let barrier = Arc::new(Barrier::new(6));
    let workers: Vec<_> = (0..6)
        .map(|n| {
            let (state, barrier) = (nodes[n % 2].clone(), barrier.clone());
            std::thread::spawn(move || {
                barrier.wait();
                anwesend::jobs::service::run_due(&state)
            })
        })
        .collect();
    let mut ran: Vec<&str> = workers.into_iter().flat_map(|w| w.join().expect("worker")).collect();
    ran.sort_unstable();
    assert_eq!(
        ran,
        ["absence_alerts", "audit_verify", "backup", "backup_verify", "dormant_accounts", "ip_hash_keys", "offboarding", "retention"],
        "each job ran exactly once"
    );
    assert!(job_runs(&app).iter().all(|(_, runs)| *runs == 1), "{:?}", job_runs(&app));
    // Asked again within their periods, no node runs them.
    for state in &nodes {
        assert!(anwesend::jobs::service::run_due(state).is_empty());
    }
    // An hour later the hourly jobs are due again, the daily one not.
    app.clock.advance(chrono::Duration::minutes(61));
    let mut again = anwesend::jobs::service::run_due(&nodes[1]);
    again.sort_unstable();
    assert_eq!(again, ["absence_alerts", "dormant_accounts", "ip_hash_keys", "offboarding"]);
}

/// Tenants whose offboarding export window ended yesterday: the hourly job deletes them.
fn offboardings_due(app: &TestApp, count: usize) -> Vec<TenantScope> {
    let ctx = AuditContext { at: Utc::now() - chrono::Duration::days(31), ..app.ctx() };
    (0..count)
        .map(|n| {
            let slug = format!("verein-{n:02}");
            let scope = tenant(app, &slug);
            anwesend::offboarding::service::start(
                &app.state,
                &ctx,
                &scope,
                &anwesend::offboarding::model::StartOffboarding { confirm_slug: slug },
            )
            .expect("start offboarding");
            scope
        })
        .collect()
}

#[derive(QueryableByName)]
struct Offboarded {
    #[diesel(sql_type = diesel::sql_types::Text)]
    tenant_id: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    status: String,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    completed: bool,
    #[diesel(sql_type = diesel::sql_types::Bool)]
    certified: bool,
    #[diesel(sql_type = diesel::sql_types::BigInt)]
    live_keys: i64,
}

/// Each offboarding's state as the database holds it.
fn offboarding_states(app: &TestApp) -> Vec<Offboarded> {
    diesel::sql_query(
        "SELECT o.tenant_id, t.status, o.completed_at IS NOT NULL AS completed, o.certificate IS NOT NULL AS certified,
                (SELECT COUNT(*) FROM tenant_keys k WHERE k.tenant_id = o.tenant_id AND k.destroyed_at IS NULL) AS live_keys
         FROM tenant_offboardings o JOIN tenants t ON t.id = o.tenant_id ORDER BY o.tenant_id",
    )
    .load(&mut app.db.inspect())
    .expect("offboardings")
}

#[actix_web::test]
async fn avail_5_a_node_killed_mid_job_leaves_nothing_half_done_and_another_finishes() {
    let mut c = cluster(&[]);
    let tenants = offboardings_due(&c.app, 60);
    c.start_node();
    // Node 1 works through the offboardings, one tenant per transaction; it dies midway.
    let started = Instant::now();
    let done = loop {
        let done = offboarding_states(&c.app).iter().filter(|o| o.completed).count();
        if done > 0 {
            break done;
        }
        assert!(started.elapsed() < Duration::from_secs(120), "node 1 did not start the job\n{}", c.logs());
        std::thread::sleep(Duration::from_millis(2));
    };
    c.nodes[0].0 .0.kill().expect("kill node 1");
    let _ = c.nodes[0].0 .0.wait();
    let at_kill = offboarding_states(&c.app);
    let finished = at_kill.iter().filter(|o| o.completed).count();
    println!("AVAIL-5 ({:?}): node 1 killed after {finished} of {} offboardings (first seen at {done})", backend(), tenants.len());
    // Nothing half-done: each tenant is either wholly offboarded or untouched.
    for o in &at_kill {
        let whole = o.status == "offboarded" && o.completed && o.certified && o.live_keys == 0;
        let untouched = o.status == "read_only" && !o.completed && !o.certified && o.live_keys > 0;
        assert!(whole || untouched, "tenant {} half-done: {} {} {} {}", o.tenant_id, o.status, o.completed, o.certified, o.live_keys);
    }

    // Another node takes the job up at its next check and finishes it.
    c.start_node();
    let started = Instant::now();
    while offboarding_states(&c.app).iter().any(|o| !o.completed) {
        assert!(started.elapsed() < Duration::from_secs(120), "node 2 did not finish the job\n{}", c.logs());
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = offboarding_states(&c.app);
    assert!(after.iter().all(|o| o.status == "offboarded" && o.certified && o.live_keys == 0));
    let ids: HashSet<&str> = after.iter().map(|o| o.tenant_id.as_str()).collect();
    assert_eq!(ids, tenants.iter().map(TenantScope::tenant_id).collect::<HashSet<_>>());
    // Each tenant certified once: one certificate entry per tenant in the audit trail.
    let certificates: Vec<String> = {
        use anwesend::db::schema::audit_entries::dsl as a;
        a::audit_entries
            .filter(a::action.eq("tenant.deletion_certificate_issued"))
            .select(a::chain)
            .load(&mut c.app.db.inspect())
            .expect("audit")
    };
    assert_eq!(certificates.len(), tenants.len(), "{certificates:?}");
}

/// What a test listener heard, passed on through a channel until `alive` is dropped.
fn test_listener(url: &str, channel: &'static str) -> (Arc<()>, std::sync::mpsc::Receiver<String>) {
    use anwesend::db::listen::{self, Heard, Keep};
    let alive = Arc::new(());
    let (weak, (tx, rx)) = (Arc::downgrade(&alive), std::sync::mpsc::channel());
    let url = anwesend::db::DatabaseUrl::parse(url).expect("url");
    let listening = listen::spawn(&url, channel, move |heard| {
        if weak.upgrade().is_none() {
            return Keep::Stop;
        }
        let _ = match heard {
            Heard::Message(payload) => tx.send(format!("message {payload}")),
            Heard::Resumed => tx.send("resumed".into()),
            Heard::Idle => Ok(()),
        };
        Keep::Listening
    });
    assert!(listening.wait(Duration::from_secs(20)), "the listener listens");
    (alive, rx)
}

fn notify(url: &str, channel: &str, payload: &str) {
    let mut conn = anwesend::db::DatabaseUrl::parse(url).expect("url").connect().expect("connect");
    let anwesend::db::DbConnection::Postgres(c) = &mut conn else { panic!("notifications are PostgreSQL's") };
    diesel::sql_query("SELECT pg_notify($1, $2)")
        .bind::<diesel::sql_types::Text, _>(channel)
        .bind::<diesel::sql_types::Text, _>(payload)
        .execute(c)
        .expect("notify");
}

/// The listener opens its connection as the pool does: a `database_url` that demands TLS
/// (`sslmode=require`) gives a listener on TLS, not one that never connects.
#[test]
fn avail_5_the_listener_uses_the_database_urls_tls_settings() {
    if backend() == Backend::Sqlite {
        return;
    }
    let test_db = TestDb::new();
    let separator = if test_db.app_url.contains('?') { '&' } else { '?' };
    let url = format!("{}{separator}sslmode=require&application_name=anwesend-listen-tls", test_db.app_url);
    let (alive, heard) = test_listener(&url, "anwesend_test_tls");
    notify(&test_db.app_url, "anwesend_test_tls", "{\"id\":\"1\"}");
    assert_eq!(heard.recv_timeout(Duration::from_secs(5)).expect("heard"), "message {\"id\":\"1\"}");
    #[derive(QueryableByName)]
    struct Ssl {
        #[diesel(sql_type = diesel::sql_types::Bool)]
        ssl: bool,
    }
    let rows: Vec<Ssl> = diesel::sql_query(
        "SELECT s.ssl FROM pg_stat_ssl s JOIN pg_stat_activity a ON a.pid = s.pid WHERE a.application_name = 'anwesend-listen-tls'",
    )
    .load(&mut anwesend::db::DatabaseUrl::parse(&test_db.app_url).expect("url").connect().expect("connect"))
    .expect("pg_stat_ssl");
    assert!(!rows.is_empty() && rows.iter().all(|r| r.ssl), "the listener's connection uses TLS");
    drop(alive);
}

/// After its database restarts, the listener listens again and says so (`Resumed`): the
/// kiosk feed then tells every open screen to resync.
#[test]
fn avail_5_the_listener_reconnects_after_a_database_restart_and_asks_for_a_resync() {
    if backend() == Backend::Sqlite {
        return;
    }
    let pg = crate::fixtures::private_pg::PrivatePostgres::start();
    let (alive, heard) = test_listener(&pg.app_url(), "anwesend_test_resync");
    notify(&pg.app_url(), "anwesend_test_resync", "before");
    assert_eq!(heard.recv_timeout(Duration::from_secs(5)).expect("heard"), "message before");
    pg.stop();
    pg.resume();
    assert_eq!(heard.recv_timeout(Duration::from_secs(30)).expect("resumed"), "resumed");
    notify(&pg.app_url(), "anwesend_test_resync", "after");
    assert_eq!(heard.recv_timeout(Duration::from_secs(5)).expect("heard"), "message after");
    drop(alive);
}

/// Taps announced faster than one send carries go out together, in order, and none is
/// lost, also those still queued when the notifier is dropped (issue #16: a tap no longer
/// pays for a transaction of its own to announce itself).
#[test]
fn avail_5_the_notifier_sends_every_queued_notice_in_order() {
    if backend() == Backend::Sqlite {
        return;
    }
    let test_db = TestDb::new();
    let (alive, heard) = test_listener(&test_db.app_url, "anwesend_test_batch");
    let notifier =
        anwesend::db::listen::Notifier::spawn(&anwesend::db::DatabaseUrl::parse(&test_db.app_url).expect("url"), "anwesend_test_batch");
    let sent: Vec<String> = (0..1_200).map(|i| format!("{{\"tap\":{i}}}")).collect();
    for payload in &sent {
        notifier.send(payload.clone());
    }
    drop(notifier);
    let heard: Vec<String> = sent.iter().map(|_| heard.recv_timeout(Duration::from_secs(20)).expect("heard")).collect();
    assert_eq!(heard, sent.iter().map(|p| format!("message {p}")).collect::<Vec<_>>());
    drop(alive);
}
