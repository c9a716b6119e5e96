//! The database going away under load and coming back (TOM AVAIL-4, AVAIL-5): requests are
//! answered 503 at once instead of waiting the pool's 30 s, no acknowledged write is lost,
//! and service resumes by itself. On a PostgreSQL cluster of the test's own; SQLite is a
//! file inside the process, with no outage to survive.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::test;
use anwesend::clock::SystemClock;
use anwesend::config::{Config, Environment};
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::Db;
use anwesend::notify::Message;
use anwesend::state::AppState;
use chrono::Utc;
use diesel::prelude::*;

use crate::common::{backend, Backend};
use crate::fixtures::private_pg::PrivatePostgres;

/// One write attempt: when it started, how long it took, and the id if it was acknowledged.
struct Attempt {
    started: Instant,
    took: Duration,
    acknowledged: Option<String>,
}

fn wait_until(what: &str, timeout: Duration, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(started.elapsed() < timeout, "waited {timeout:?} for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[actix_web::test]
async fn avail_4_a_database_outage_is_answered_503_at_once_and_loses_no_acknowledged_write() {
    if backend() == Backend::Sqlite {
        return;
    }
    let pg = PrivatePostgres::start();
    let data = tempfile::tempdir().expect("dir");
    let config = Config {
        environment: Some(Environment::Dev),
        database_url: pg.app_url(),
        migration_database_url: Some(pg.owner_url()),
        data_dir: data.path().to_path_buf(),
        ..Config::default()
    };
    let state = AppState::new(
        config,
        Db::new(&pg.app_url(), 10).expect("pool"),
        MasterKey::generate(MasterKeyOrigin::Operator),
        Arc::new(SystemClock),
    );
    let service = test::init_service(anwesend::http::build_app(state.clone())).await;

    // Eight writers queue mails as fast as they can: each write commits whole or not at all.
    let attempts: Arc<Mutex<Vec<Attempt>>> = Arc::default();
    let stop = Arc::new(AtomicBool::new(false));
    let writers: Vec<_> = (0..8)
        .map(|w| {
            let (state, attempts, stop) = (state.clone(), attempts.clone(), stop.clone());
            std::thread::spawn(move || {
                let keys = state.master.platform_keys();
                let mut n = 0;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let message = Message { to: format!("w{w}-{n}@example.net"), subject: "Test".into(), text: "Hallo".into() };
                    let started = Instant::now();
                    let result =
                        state.db.platform_tx(|tx| anwesend::notify::enqueue(tx, &keys, None, "test", &message, Utc::now().naive_utc()));
                    let attempt = Attempt { started, took: started.elapsed(), acknowledged: result.ok() };
                    let failed = attempt.acknowledged.is_none();
                    attempts.lock().expect("attempts").push(attempt);
                    if failed {
                        // A client that was told to try again does so soon (the kiosk and the agent wait seconds).
                        std::thread::sleep(Duration::from_millis(50));
                    }
                }
            })
        })
        .collect();
    let acknowledged =
        |after: Instant| attempts.lock().expect("attempts").iter().filter(|a| a.started >= after && a.acknowledged.is_some()).count();
    let refused =
        |after: Instant| attempts.lock().expect("attempts").iter().filter(|a| a.started >= after && a.acknowledged.is_none()).count();
    let start = Instant::now();
    wait_until("writes while the database is up", Duration::from_secs(60), || acknowledged(start) >= 100);

    pg.stop();
    let down = Instant::now();
    wait_until("the writers to be refused while the database is down", Duration::from_secs(60), || refused(down) >= 40);
    // A request that needs the database is answered at once: 503 problem+json, Retry-After.
    let asked = Instant::now();
    let res = test::call_service(&service, test::TestRequest::get().uri("/api/v1/public/verein-a/events/x").to_request()).await;
    let answered = asked.elapsed();
    assert_eq!(res.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert_eq!(res.headers().get("retry-after").and_then(|v| v.to_str().ok()), Some("2"));
    assert_eq!(res.headers().get("content-type").and_then(|v| v.to_str().ok()), Some("application/problem+json"));
    let body: serde_json::Value = test::read_body_json(res).await;
    assert_eq!(body["code"], "unavailable");
    println!("AVAIL-4: a request during the outage was answered 503 after {answered:?}");

    let resuming = Instant::now();
    pg.resume();
    let back = Instant::now();
    wait_until("writes after the database is back", Duration::from_secs(60), || acknowledged(back) >= 100);
    stop.store(true, Ordering::SeqCst);
    for writer in writers {
        writer.join().expect("writer");
    }

    let attempts = attempts.lock().expect("attempts");
    // No attempt waited for the pool's 30 s: each was answered or refused within 2 s.
    let slowest = attempts.iter().map(|a| a.took).max().unwrap_or_default();
    let during: Vec<&Attempt> = attempts.iter().filter(|a| a.started >= down && a.started + a.took <= resuming).collect();
    let resumed_after = attempts.iter().filter(|a| a.started >= back && a.acknowledged.is_some()).map(|a| a.started + a.took - back).min();
    println!(
        "AVAIL-4: {} writes, {} during the outage (all refused: {}), slowest {slowest:?}; first acknowledged write {resumed_after:?} after the restart",
        attempts.len(),
        during.len(),
        during.iter().all(|a| a.acknowledged.is_none())
    );
    assert!(slowest < Duration::from_secs(2), "a write waited {slowest:?}");
    assert!(during.iter().all(|a| a.acknowledged.is_none()), "a write was acknowledged while the database was stopped");

    // Every acknowledged write is in the database.
    let ids: Vec<String> = attempts.iter().filter_map(|a| a.acknowledged.clone()).collect();
    let mut owner = anwesend::db::DatabaseUrl::parse(&pg.owner_url()).expect("url").connect().expect("connect");
    use anwesend::db::schema::mail_outbox::dsl as m;
    let stored: std::collections::HashSet<String> =
        m::mail_outbox.select(m::id).load::<String>(&mut owner).expect("outbox").into_iter().collect();
    let lost: Vec<&String> = ids.iter().filter(|id| !stored.contains(*id)).collect();
    assert!(lost.is_empty(), "{} of {} acknowledged writes lost", lost.len(), ids.len());
}
