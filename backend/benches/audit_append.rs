//! Audit append throughput: 100,000 entries from 8 concurrent writers, each append its
//! own transaction, while a sealer runs as the server's does (`audit::sealer`, every
//! 250 ms); then the time the sealer needs to catch up once the writers stop, and one full
//! chain verification. Prints figures; asserts only that the chain verifies whole.
//!
//!   cargo bench -p anwesend --bench audit_append                       # SQLite
//!   ANWESEND_BENCH_PG_URL=postgres://anwesend_test:anwesend_test@127.0.0.1:5432/postgres \
//!     cargo bench -p anwesend --bench audit_append                     # and PostgreSQL
//! BENCH_ENTRIES and BENCH_WRITERS change the load; BENCH_DATABASES (`sqlite`, `postgres`)
//! measures only the databases it names.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

mod support;

use anwesend::audit::IpHasher;
use anwesend::audit::{self, AuditContext, Event};
use anwesend::config::IpHashConfig;
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::{Db, TenantScope};
use anwesend::tenants::{model::NewTenant, service as tenants};

fn run(label: &str, app_url: &str, entries: usize, writers: usize) {
    let db = Db::new(app_url, writers as u32 + 2).expect("pool");
    let master = Arc::new(MasterKey::generate(MasterKeyOrigin::Operator));
    let now = chrono::Utc::now();
    let ctx = AuditContext::system(now);
    let tenant =
        tenants::create(&db, &master, &ctx, NewTenant { slug: "bench".into(), name: "Bench".into(), is_demo: false }).expect("tenant");
    let scope = TenantScope::named_by_operator(tenant.id);
    let hasher = IpHasher::new(db.clone(), master.clone(), &IpHashConfig::default());
    let ip = hasher.hash("198.51.100.1".parse().expect("ip"), now).expect("ip hash");

    // The server's sealing loop, beside the writers.
    let stop = Arc::new(AtomicBool::new(false));
    let sealer = {
        let (db, stop) = (db.clone(), stop.clone());
        std::thread::spawn(move || {
            let mut sealed = 0;
            while !stop.load(Ordering::Acquire) {
                sealed += audit::sealer::seal(&db, None).expect("seal");
                std::thread::sleep(audit::sealer::INTERVAL);
            }
            sealed
        })
    };

    let started = Instant::now();
    let per_writer = entries / writers;
    let handles: Vec<_> = (0..writers)
        .map(|w| {
            let (db, scope, ip) = (db.clone(), scope.clone(), ip.clone());
            std::thread::spawn(move || {
                let ctx = AuditContext { ip: Some(ip), request_id: Some(format!("bench-{w}")), ..AuditContext::system(now) };
                let mut latencies = Vec::with_capacity(per_writer);
                for i in 0..per_writer {
                    let t = Instant::now();
                    db.tenant_tx(&scope, |tx| {
                        let id = format!("{w}-{i}");
                        audit::record(tx, &ctx, Event::new(audit::Action::LocationUpdated, "location", Some(&id)).detail("writer", w))?;
                        Ok(())
                    })
                    .expect("append");
                    latencies.push(t.elapsed());
                }
                latencies
            })
        })
        .collect();
    let mut latencies: Vec<Duration> = handles.into_iter().flat_map(|h| h.join().expect("writer")).collect();
    let elapsed = started.elapsed();
    stop.store(true, Ordering::Release);
    let sealed_meanwhile = sealer.join().expect("sealer");
    latencies.sort();
    let pct = |p: f64| latencies[((latencies.len() as f64 * p) as usize).min(latencies.len() - 1)];

    // What was still unsealed when the writers stopped.
    let catch_up_started = Instant::now();
    let caught_up = audit::sealer::seal(&db, Some(scope.tenant_id())).expect("seal");
    let catch_up = catch_up_started.elapsed();

    let verify_started = Instant::now();
    let report = db.tenant_tx(&scope, |tx| audit::verify_chain(tx, scope.tenant_id())).expect("verify");
    let verify_time = verify_started.elapsed();
    assert!(report.intact, "{report:?}");
    assert_eq!(report.entries_checked as usize, latencies.len() + 1, "every append and tenant.created, sealed once");

    println!(
        "{label:<10} {:>7} entries, {writers} writers: {:>8.0} appends/s, append p50 {:>7.2} ms, p99 {:>7.2} ms, max {:>7.2} ms",
        latencies.len(),
        latencies.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50).as_secs_f64() * 1e3,
        pct(0.99).as_secs_f64() * 1e3,
        pct(1.0).as_secs_f64() * 1e3,
    );
    println!(
        "{label:<10} sealer: {sealed_meanwhile} sealed while writing, {caught_up} left, caught up in {:.2} s ({:.0}/s)",
        catch_up.as_secs_f64(),
        caught_up as f64 / catch_up.as_secs_f64().max(1e-9),
    );
    println!(
        "{label:<10} verify: {} ({} entries, head {}) in {:.2} s ({:.0}/s)",
        if report.intact { "intact" } else { "BROKEN" },
        report.entries_checked,
        report.head_seq,
        verify_time.as_secs_f64(),
        report.entries_checked as f64 / verify_time.as_secs_f64(),
    );
}

fn main() {
    let entries = support::env_usize("BENCH_ENTRIES", 100_000);
    let writers = support::env_usize("BENCH_WRITERS", 8);
    support::each_database("audit", |label, app_url, _| run(label, app_url, entries, writers));
}
