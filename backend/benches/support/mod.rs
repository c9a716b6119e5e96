//! What the HTTP benches share: settings from the environment, the real server on a
//! loopback port (in this process, or alone in a child process of the bench executable),
//! its memory read from /proc, and a fresh SQLite file and PostgreSQL database per run.
// Each bench is its own crate and uses a part of this.
#![allow(dead_code)]

use std::io::{BufRead, BufReader, Read};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::ServerHandle;
use actix_web::HttpServer;
use anwesend::clock::SystemClock;
use anwesend::config::Config;
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::{self, Db};
use anwesend::state::AppState;
use diesel::connection::SimpleConnection;
use diesel::Connection;
use serde::{Deserialize, Serialize};

pub const APP_ROLE: &str = "anwesend_app";
/// The read-only backup role of `deploy/postgres/roles.sql` (BYPASSRLS, CREATEDB).
pub const BACKUP_ROLE: &str = "anwesend_backup";
pub const SLUG: &str = "bench";
/// Set (to the job file) in a child process that only serves.
pub const SERVER_ENV: &str = "BENCH_SERVER_CHILD";

pub fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).unwrap_or(default)
}

/// A comma-separated list of positive numbers, e.g. `BENCH_CONNECTIONS=1,10,64`.
pub fn env_list(name: &str, default: &[usize]) -> Vec<usize> {
    std::env::var(name)
        .ok()
        .map(|v| v.split(',').filter_map(|c| c.trim().parse().ok()).filter(|&c: &usize| c > 0).collect::<Vec<_>>())
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| default.to_vec())
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
                // The audit sealer runs beside the requests, as in `anwesend serve`.
                anwesend::server::spawn_sealer(state.clone());
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

/// A master key in a file (mode 0600) in `data_dir`, with the tenant keyring beside it,
/// so that a server child process loads the same key as the bench process.
pub fn master_key(data_dir: &Path) -> (MasterKey, PathBuf) {
    let path = data_dir.join("master.key");
    MasterKey::generate(MasterKeyOrigin::Operator).write_file(&path).expect("master key file");
    (MasterKey::read_file(&path).expect("master key"), path)
}

/// What the bench process hands a server child process (a JSON file).
#[derive(Serialize, Deserialize)]
struct ServerJob {
    config: Config,
    master_key_file: PathBuf,
}

/// In a server child process (see `ServerProcess`): serves until its stdin closes, then
/// returns true. Elsewhere returns false at once. Call it first in `main`.
pub fn serve_if_child() -> bool {
    let Ok(file) = std::env::var(SERVER_ENV) else { return false };
    let job: ServerJob = serde_json::from_slice(&std::fs::read(file).expect("server job")).expect("server job JSON");
    let master = MasterKey::read_file(&job.master_key_file).expect("master key");
    let db = Db::new(&job.config.database_url, job.config.database_max_connections).expect("pool");
    let state = AppState::new(job.config, db, master, Arc::new(SystemClock));
    let server = Server::start(state);
    println!("{}", server.addr);
    // The bench process holds our stdin; its end (also when the bench dies) ends the server.
    let _ = std::io::stdin().read_to_end(&mut Vec::new());
    server.stop();
    true
}

/// The server alone in a child process of the bench executable: the actix-web app
/// (`build_app`) with its workers and database pool, nothing seeded or generated in it,
/// so its memory is the server's. Logging is not set up; of the background jobs only the
/// audit sealer runs (it works beside every request), not the mail worker, key rotation
/// or retention, as in the in-process `Server`.
pub struct ServerProcess {
    pub addr: SocketAddr,
    child: Child,
}

/// Memory of a process from /proc/<pid>/status, in KiB.
#[derive(Clone, Copy, Default)]
pub struct Memory {
    /// Resident now.
    pub rss_kib: u64,
    /// Resident at most, since the process started.
    pub hwm_kib: u64,
}

pub fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

pub fn memory(pid: u32) -> Memory {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap_or_default();
    let field = |name: &str| {
        status.lines().find_map(|l| l.strip_prefix(name)).and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok()).unwrap_or(0)
    };
    Memory { rss_kib: field("VmRSS:"), hwm_kib: field("VmHWM:") }
}

/// Samples a process's VmRSS every 20 ms until stopped; returns the largest sample.
pub struct RssSampler {
    stop: Arc<AtomicBool>,
    thread: std::thread::JoinHandle<u64>,
}

impl RssSampler {
    pub fn start(pid: u32) -> Self {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = std::thread::spawn(move || {
            let mut max = memory(pid).rss_kib;
            while !flag.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(20));
                max = max.max(memory(pid).rss_kib);
            }
            max
        });
        Self { stop, thread }
    }

    pub fn stop(self) -> u64 {
        self.stop.store(true, Ordering::Relaxed);
        self.thread.join().unwrap_or(0)
    }
}

impl ServerProcess {
    pub fn start(dir: &Path, config: &Config, master_key_file: &Path) -> Self {
        let file = dir.join("server-job.json");
        let job = ServerJob { config: config.clone(), master_key_file: master_key_file.to_owned() };
        std::fs::write(&file, serde_json::to_vec(&job).expect("server job JSON")).expect("server job file");
        let mut child = Command::new(std::env::current_exe().expect("bench executable"))
            .env(SERVER_ENV, &file)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("server process");
        let mut line = String::new();
        BufReader::new(child.stdout.take().expect("server stdout")).read_line(&mut line).expect("server address");
        let addr = line.trim().parse().unwrap_or_else(|_| panic!("server process did not start: {line:?}"));
        Self { addr, child }
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn memory(&self) -> Memory {
        memory(self.child.id())
    }

    pub fn stop(mut self) {
        drop(self.child.stdin.take());
        let _ = self.child.wait();
    }
}

/// A fresh database for one run: a SQLite file, or a PostgreSQL database used through
/// the non-owner app role under row-level security, dropped when this is dropped.
pub struct Database {
    pub label: &'static str,
    pub app_url: String,
    /// PostgreSQL: the schema owner (for ANALYZE).
    pub owner_url: Option<String>,
    /// PostgreSQL: the backup role (`backups.database_url`).
    pub backup_url: Option<String>,
    _dir: Option<tempfile::TempDir>,
    admin: Option<(String, String)>,
    /// PostgreSQL without autovacuum (this machine's test server): its vacuums and analyses, by the bench.
    autovacuum: Option<Autovacuum>,
}

/// What PostgreSQL's autovacuum does, for a server that runs without it (the test server
/// here has `autovacuum = off`), by autovacuum's default rules, every `NAPTIME`: it
/// vacuums each table with more than 50 + 20 % dead rows or 1,000 + 20 % rows inserted
/// since its last vacuum, and analyses each table changed by more than 50 + 10 % rows
/// since its last analysis. Without the analyses, tables that start empty are planned as
/// tiny for ever: a cached plan reads every tap of a device to find one. Without the
/// vacuums, a row updated often (an event's booking count) leaves thousands of dead
/// versions that every later read of it walks: a tap's session lookup read 500 pages of
/// a 6-row `events` table. Stops when dropped.
struct Autovacuum {
    stop: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Autovacuum {
    /// Autovacuum's naptime is a minute; a bench level lasts seconds, and its tables grow
    /// from a few hundred rows to tens of thousands within it. Analysed once a minute, the
    /// cached plans made for the small tables read every row of the grown ones (344
    /// instead of about 500 check-ins/s at 10 connections).
    const NAPTIME: Duration = Duration::from_secs(2);

    /// `None` when the server runs its own autovacuum.
    fn start(owner_url: &str) -> Option<Self> {
        #[derive(diesel::QueryableByName)]
        struct Setting {
            #[diesel(sql_type = diesel::sql_types::Text)]
            setting: String,
        }
        #[derive(diesel::QueryableByName)]
        struct Changed {
            #[diesel(sql_type = diesel::sql_types::Text)]
            relname: String,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            needs_vacuum: bool,
            #[diesel(sql_type = diesel::sql_types::Bool)]
            needs_analysis: bool,
        }
        use diesel::RunQueryDsl;
        let mut conn = diesel::PgConnection::establish(owner_url).expect("owner connection");
        let on: Vec<Setting> =
            diesel::sql_query("SELECT setting FROM pg_settings WHERE name = 'autovacuum'").load(&mut conn).expect("autovacuum setting");
        if on.first().is_some_and(|s| s.setting == "on") {
            return None;
        }
        let stop = Arc::new(AtomicBool::new(false));
        let stopped = stop.clone();
        let thread = std::thread::spawn(move || {
            while !stopped.load(Ordering::Relaxed) {
                std::thread::sleep(Self::NAPTIME);
                let changed: Vec<Changed> = diesel::sql_query(
                    "SELECT relname, needs_vacuum, needs_analysis FROM (
                         SELECT s.relname::text AS relname,
                                s.n_dead_tup > 50 + 0.2 * greatest(c.reltuples, 0)
                                    OR s.n_ins_since_vacuum > 1000 + 0.2 * greatest(c.reltuples, 0) AS needs_vacuum,
                                s.n_mod_since_analyze > 50 + 0.1 * greatest(c.reltuples, 0) AS needs_analysis
                         FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid) t
                     WHERE needs_vacuum OR needs_analysis",
                )
                .load(&mut conn)
                .unwrap_or_else(|e| {
                    eprintln!("the bench's autovacuum stand-in failed: {e}");
                    Vec::new()
                });
                for table in changed {
                    let command = match (table.needs_vacuum, table.needs_analysis) {
                        (true, true) => "VACUUM (ANALYZE)",
                        (true, false) => "VACUUM",
                        _ => "ANALYZE",
                    };
                    if let Err(e) = conn.batch_execute(&format!("{command} \"{}\"", table.relname)) {
                        eprintln!("the bench's autovacuum stand-in failed: {command} {}: {e}", table.relname);
                    }
                }
            }
        });
        Some(Self { stop, thread: Some(thread) })
    }
}

impl Drop for Autovacuum {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// "sqlite", and "postgres" when ANWESEND_BENCH_PG_URL names a superuser; BENCH_DATABASES
/// (e.g. `postgres`) keeps only the ones it names.
pub fn database_kinds() -> Vec<&'static str> {
    let only = std::env::var("BENCH_DATABASES").unwrap_or_default();
    let wanted = |kind: &str| only.is_empty() || only.split(',').any(|k| k.trim() == kind);
    let mut kinds = Vec::new();
    if wanted("sqlite") {
        kinds.push("sqlite");
    }
    if std::env::var("ANWESEND_BENCH_PG_URL").is_ok() {
        if wanted("postgres") {
            kinds.push("postgres");
        }
    } else {
        println!("postgres skipped: set ANWESEND_BENCH_PG_URL to a superuser URL to measure PostgreSQL too");
    }
    kinds
}

impl Database {
    /// PostgreSQL: every table vacuumed and analysed, as autovacuum leaves a database within
    /// a minute: the planner knows the tables' sizes, and rows that were updated often (an
    /// event's booking count) have no dead versions left to walk.
    pub fn settle(&self) {
        if let Some(owner) = &self.owner_url {
            diesel::PgConnection::establish(owner).expect("owner connection").batch_execute("VACUUM (ANALYZE)").expect("VACUUM");
        }
    }

    /// A fresh, migrated database of `kind`; `name` tells the PostgreSQL databases apart.
    pub fn fresh(kind: &'static str, name: &str) -> Self {
        if kind == "sqlite" {
            let dir = tempfile::tempdir().expect("dir");
            let url = format!("sqlite://{}", dir.path().join("bench.db").display());
            db::migrate(&url).expect("migrate");
            return Self {
                label: "sqlite",
                app_url: url,
                owner_url: None,
                backup_url: None,
                _dir: Some(dir),
                admin: None,
                autovacuum: None,
            };
        }
        let admin = std::env::var("ANWESEND_BENCH_PG_URL").expect("ANWESEND_BENCH_PG_URL");
        let database = format!("anw_bench_{name}_{}", std::process::id());
        let mut conn = diesel::PgConnection::establish(&admin).expect("PostgreSQL admin URL");
        conn.batch_execute(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                 CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
               END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{BACKUP_ROLE}') THEN
                 CREATE ROLE {BACKUP_ROLE} LOGIN PASSWORD '{BACKUP_ROLE}' NOSUPERUSER CREATEDB NOCREATEROLE BYPASSRLS;
               END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             GRANT pg_read_all_data TO {BACKUP_ROLE};"
        ))
        .expect("app and backup roles");
        conn.batch_execute(&format!("DROP DATABASE IF EXISTS {database} WITH (FORCE)")).expect("old bench database");
        conn.batch_execute(&format!("CREATE DATABASE {database}")).expect("bench database");
        // The admin URL's parameters (e.g. `?sslmode=disable`) hold for every role's URL.
        let owner = anwesend::backups::PgUrl::parse(&admin).expect("PostgreSQL admin URL").with_database(&database).full();
        let host = owner.rsplit_once('@').map_or(owner.as_str(), |(_, h)| h);
        let app_url = format!("postgres://{APP_ROLE}:{APP_ROLE}@{host}");
        let backup_url = Some(format!("postgres://{BACKUP_ROLE}:{BACKUP_ROLE}@{host}"));
        // Built first, so that a failure below still drops the database.
        let mut this = Self {
            label: "postgres",
            app_url,
            owner_url: Some(owner.clone()),
            backup_url,
            _dir: None,
            admin: Some((admin, database.clone())),
            autovacuum: None,
        };
        conn.batch_execute(&format!("ALTER ROLE {BACKUP_ROLE} IN DATABASE {database} SET default_transaction_read_only = on"))
            .expect("backup role read-only");
        db::migrate(&owner).expect("migrate");
        db::grant_app_role(&owner, APP_ROLE).expect("grant");
        this.autovacuum = Autovacuum::start(&owner);
        this
    }
}

impl Drop for Database {
    fn drop(&mut self) {
        // Stopped first: its connection does not outlive the database.
        drop(self.autovacuum.take());
        if let Some((admin, database)) = self.admin.take() {
            if let Ok(mut conn) = diesel::PgConnection::establish(&admin) {
                let _ = conn.batch_execute(&format!("DROP DATABASE {database} WITH (FORCE)"));
            }
        }
    }
}

/// Runs `run(label, app_url, owner_url)` on a fresh SQLite file, then, when
/// ANWESEND_BENCH_PG_URL names a superuser, on a fresh PostgreSQL database used through
/// the non-owner app role under row-level security (dropped afterwards, also on panic).
pub fn each_database(name: &str, run: impl Fn(&str, &str, Option<&str>)) {
    for kind in database_kinds() {
        let database = Database::fresh(kind, name);
        run(database.label, &database.app_url, database.owner_url.as_deref());
    }
}
