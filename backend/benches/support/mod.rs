//! What the HTTP benches share: settings from the environment, the real server on a
//! loopback port, and a fresh SQLite file and PostgreSQL database per run.
// Each bench is its own crate and uses a part of this.
#![allow(dead_code)]

use std::net::SocketAddr;

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use anwesend::db;
use anwesend::state::AppState;
use diesel::connection::SimpleConnection;
use diesel::Connection;

pub const APP_ROLE: &str = "anwesend_app";
pub const SLUG: &str = "bench";

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// The real application on an ephemeral loopback port, in its own actix system.
pub struct Server {
    pub addr: SocketAddr,
    handle: ServerHandle,
    thread: std::thread::JoinHandle<()>,
}

impl Server {
    pub fn start(state: AppState) -> Self {
        let (tx, rx) = std::sync::mpsc::channel();
        let thread = std::thread::spawn(move || {
            actix_web::rt::System::new().block_on(async move {
                let server = HttpServer::new(move || anwesend::http::build_app(state.clone()))
                    .disable_signals()
                    .shutdown_timeout(1)
                    .bind(("127.0.0.1", 0))
                    .expect("bind 127.0.0.1");
                let addr = server.addrs()[0];
                let server = server.run();
                tx.send((addr, server.handle())).expect("report address");
                server.await.expect("server");
            });
        });
        let (addr, handle) = rx.recv().expect("server start");
        Self { addr, handle, thread }
    }

    pub fn stop(self) {
        actix_web::rt::System::new().block_on(self.handle.stop(true));
        self.thread.join().expect("server thread");
    }
}

/// Runs `run(label, app_url, owner_url)` on a fresh SQLite file, then, when
/// ANWESEND_BENCH_PG_URL names a superuser, on a fresh PostgreSQL database used through
/// the non-owner app role under row-level security (dropped afterwards, also on panic).
pub fn each_database(name: &str, run: impl Fn(&str, &str, Option<&str>)) {
    let dir = tempfile::tempdir().expect("dir");
    let sqlite = format!("sqlite://{}", dir.path().join("bench.db").display());
    db::migrate(&sqlite).expect("migrate");
    run("sqlite", &sqlite, None);

    let Ok(admin) = std::env::var("ANWESEND_BENCH_PG_URL") else {
        println!("postgres skipped: set ANWESEND_BENCH_PG_URL to a superuser URL to measure PostgreSQL too");
        return;
    };
    let database = format!("anw_bench_{name}_{}", std::process::id());
    let mut conn = diesel::PgConnection::establish(&admin).expect("PostgreSQL admin URL");
    conn.batch_execute(&format!(
        "DO $$ BEGIN
           IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
             CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
           END IF;
         EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
         END $$;"
    ))
    .expect("app role");
    conn.batch_execute(&format!("CREATE DATABASE {database}")).expect("bench database");
    let (base, _) = admin.rsplit_once('/').expect("URL path");
    let owner = format!("{base}/{database}");
    db::migrate(&owner).expect("migrate");
    db::grant_app_role(&owner, APP_ROLE).expect("grant");
    let host = owner.rsplit_once('@').map_or(owner.as_str(), |(_, h)| h);
    let app = format!("postgres://{APP_ROLE}:{APP_ROLE}@{host}");
    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run("postgres", &app, Some(&owner))));
    let _ = conn.batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"));
    if let Err(panic) = result {
        std::panic::resume_unwind(panic);
    }
}
