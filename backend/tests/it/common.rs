use std::sync::{Arc, Once};

use anwesend::clock::ManualClock;
use anwesend::config::{Config, Environment};
use anwesend::crypto::{MasterKey, MasterKeyOrigin};
use anwesend::db::{self, Db, DbConnection};
use anwesend::state::AppState;
use chrono::{TimeZone, Utc};
use diesel::connection::SimpleConnection;
use diesel::Connection;

pub const APP_ROLE: &str = "anwesend_app";
/// The read-only backup role of `deploy/postgres/roles.sql` (BYPASSRLS, CREATEDB).
pub const BACKUP_ROLE: &str = "anwesend_backup";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("ANWESEND_TEST_DATABASE").as_deref() {
        Ok("postgres") => Backend::Postgres,
        Ok("sqlite") | Err(_) => Backend::Sqlite,
        Ok(other) => panic!("ANWESEND_TEST_DATABASE must be sqlite or postgres, not {other}"),
    }
}

/// A superuser URL for creating test databases.
pub fn pg_admin_url() -> String {
    std::env::var("ANWESEND_TEST_PG_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into())
}

fn with_database(url: &str, name: &str) -> String {
    let (base, _) = url.rsplit_once('/').expect("database URL has a path");
    format!("{base}/{name}")
}

fn with_user(url: &str, user: &str, password: &str) -> String {
    let (scheme, rest) = url.split_once("://").expect("URL has a scheme");
    let host = rest.rsplit_once('@').map_or(rest, |(_, host)| host);
    format!("{scheme}://{user}:{password}@{host}")
}

/// One test's own database, removed when dropped.
pub struct TestDb {
    /// The URL the application uses: on PostgreSQL a non-owner role under RLS.
    pub app_url: String,
    /// The schema owner's URL (migrations, inspection that must see every row).
    pub owner_url: String,
    pub backend: Backend,
    _dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub fn new() -> Self {
        Self::for_backend(backend())
    }

    pub fn for_backend(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let path = dir.path().join("test.db");
                std::fs::copy(sqlite_template(), &path).expect("copy the migrated template database");
                let url = format!("sqlite://{}", path.display());
                Self { app_url: url.clone(), owner_url: url, backend, _dir: dir, pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("anw_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin)
                    .unwrap_or_else(|e| panic!("PostgreSQL at ANWESEND_TEST_PG_URL ({admin}) is not reachable: {e}"));
                ensure_app_role(&mut conn);
                let template = postgres_template(&mut conn);
                conn.batch_execute(&format!("CREATE DATABASE {name} TEMPLATE {template}")).expect("create test database");
                backup_role_reads_only(&mut conn, &name);
                let owner_url = with_database(&admin, &name);
                let app_url = with_user(&owner_url, APP_ROLE, APP_ROLE);
                Self { app_url, owner_url, backend, _dir: dir, pg_name: Some(name) }
            }
        }
    }

    pub fn db(&self) -> Db {
        Db::new(&self.app_url, 4).expect("pool")
    }

    /// An empty database to restore a backup into: SQLite no file yet, PostgreSQL no tables.
    pub fn empty(backend: Backend) -> Self {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend {
            Backend::Sqlite => {
                let url = format!("sqlite://{}", dir.path().join("restored.db").display());
                Self { app_url: url.clone(), owner_url: url, backend, _dir: dir, pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("anw_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin).expect("admin connection");
                ensure_app_role(&mut conn);
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create empty database");
                backup_role_reads_only(&mut conn, &name);
                let owner_url = with_database(&admin, &name);
                let app_url = with_user(&owner_url, APP_ROLE, APP_ROLE);
                Self { app_url, owner_url, backend, _dir: dir, pg_name: Some(name) }
            }
        }
    }

    /// PostgreSQL: this database's URL for the backup role (`backups.database_url`).
    pub fn backup_url(&self) -> Option<String> {
        self.pg_name.as_ref().map(|_| with_user(&self.owner_url, BACKUP_ROLE, BACKUP_ROLE))
    }

    /// Files beside the database (the server's data_dir in tests).
    pub fn dir(&self) -> &std::path::Path {
        self._dir.path()
    }

    /// A copy of the database as it is now, as a backup holds it: SQLite `VACUUM INTO`,
    /// PostgreSQL `pg_dump` restored with `pg_restore` into a new database.
    pub fn snapshot(&self) -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match self.backend {
            Backend::Sqlite => {
                let path = dir.path().join("copy.db");
                self.inspect().batch_execute(&format!("VACUUM INTO '{}'", path.display())).expect("VACUUM INTO");
                let url = format!("sqlite://{}", path.display());
                Self { app_url: url.clone(), owner_url: url, backend: self.backend, _dir: dir, pg_name: None }
            }
            Backend::Postgres => {
                let admin = pg_admin_url();
                let name = format!("anw_t_{}", uuid::Uuid::new_v4().simple());
                let mut conn = diesel::PgConnection::establish(&admin).expect("admin connection");
                conn.batch_execute(&format!("CREATE DATABASE {name}")).expect("create copy database");
                let dump = dir.path().join("backup.dump");
                let out = std::process::Command::new("pg_dump")
                    .args(["-Fc", "-f"])
                    .arg(&dump)
                    .arg(with_database(&admin, self.pg_name.as_deref().unwrap_or_default()))
                    .output()
                    .expect("pg_dump");
                assert!(out.status.success(), "pg_dump: {}", String::from_utf8_lossy(&out.stderr));
                let out = std::process::Command::new("pg_restore")
                    .arg("-d")
                    .arg(with_database(&admin, &name))
                    .arg(&dump)
                    .output()
                    .expect("pg_restore");
                assert!(out.status.success(), "pg_restore: {}", String::from_utf8_lossy(&out.stderr));
                let owner_url = with_database(&admin, &name);
                let app_url = with_user(&owner_url, APP_ROLE, APP_ROLE);
                Self { app_url, owner_url, backend: self.backend, _dir: dir, pg_name: Some(name) }
            }
        }
    }

    /// A connection as the schema owner, or on PostgreSQL as the superuser, which sees
    /// every row: for checks that look past the application.
    pub fn inspect(&self) -> DbConnection {
        let url = match self.backend {
            Backend::Sqlite => self.owner_url.clone(),
            Backend::Postgres => with_database(&pg_admin_url(), self.pg_name.as_deref().unwrap_or_default()),
        };
        db::DatabaseUrl::parse(&url).expect("url").connect().expect("connect")
    }

    pub fn pg_name(&self) -> Option<&str> {
        self.pg_name.as_deref()
    }
}

/// Plaintexts that tests use as personal data, tokens or secrets. Every test database is
/// scanned for them in its audit trail and deletion log before it is dropped (INPUT-1).
static SENSITIVE: std::sync::Mutex<Vec<String>> = std::sync::Mutex::new(Vec::new());

/// Personal data the fixtures use across tests.
pub const FIXTURE_PLAINTEXTS: &[&str] = &["anna@example.org", "Anna Beispiel", "ops@example.org", "korrekt Pferd Batterie Heftklammer"];

/// Registers `value` as something no audit entry may ever contain, and returns it.
pub fn sensitive(value: &str) -> String {
    SENSITIVE.lock().unwrap_or_else(|p| p.into_inner()).push(value.to_owned());
    value.to_owned()
}

#[derive(diesel::QueryableByName)]
struct Dump {
    #[diesel(sql_type = diesel::sql_types::Text)]
    row: String,
}

impl TestDb {
    /// Every audit entry and deletion-log row of this database as text (hex for binary).
    pub fn audit_text(&self) -> Vec<String> {
        use diesel::RunQueryDsl;
        let mut conn = self.inspect();
        let sql = match self.backend {
            Backend::Sqlite => {
                "SELECT chain || '|' || id || '|' || actor_type || '|' || COALESCE(actor_id, '') || '|' || COALESCE(actor_role, '') || '|' || action || '|' || target_type || '|' || COALESCE(target_id, '') || '|' || COALESCE(subject_ref, '') || '|' || COALESCE(company_id, '') || '|' || COALESCE(request_id, '') || '|' || COALESCE(hex(ip_hash), '') || '|' || COALESCE(ip_key_id, '') || '|' || detail AS row FROM audit_entries
                 UNION ALL SELECT category || '|' || COALESCE(subject_ref, '') || '|' || reason_code || '|' || reason_text || '|' || legal_basis || '|' || COALESCE(actor_id, '') AS row FROM deletion_log"
            }
            Backend::Postgres => {
                "SELECT concat_ws('|', chain, id, actor_type, actor_id, actor_role, action, target_type, target_id, subject_ref, company_id, request_id, encode(ip_hash, 'hex'), ip_key_id, detail) AS row FROM audit_entries
                 UNION ALL SELECT concat_ws('|', category, subject_ref, reason_code, reason_text, legal_basis, actor_id) AS row FROM deletion_log"
            }
        };
        diesel::sql_query(sql).load::<Dump>(&mut conn).map(|rows| rows.into_iter().map(|d| d.row).collect()).unwrap_or_default()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            let mut secrets = SENSITIVE.lock().unwrap_or_else(|p| p.into_inner()).clone();
            secrets.extend(FIXTURE_PLAINTEXTS.iter().map(|s| s.to_string()));
            for row in self.audit_text() {
                let lower = row.to_lowercase();
                if let Some(secret) = secrets.iter().find(|s| lower.contains(&s.to_lowercase())) {
                    panic!("INPUT-1: an audit or deletion-log entry holds the plaintext {secret:?}: {row}");
                }
            }
        }
        if let Some(name) = &self.pg_name {
            if let Ok(mut conn) = diesel::PgConnection::establish(&pg_admin_url()) {
                let _ = conn.batch_execute(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
            }
        }
    }
}

/// A migrated SQLite database, made once per test process; each test copies it.
fn sqlite_template() -> &'static std::path::Path {
    static TEMPLATE: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    let dir = TEMPLATE.get_or_init(|| {
        let dir = tempfile::tempdir().expect("temp dir");
        let url = format!("sqlite://{}", dir.path().join("template.db").display());
        db::migrate(&url).expect("migrate sqlite template");
        dir
    });
    static PATH: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    PATH.get_or_init(|| dir.path().join("template.db"))
}

/// The migrated PostgreSQL template database each test database is cloned from
/// (`CREATE DATABASE … TEMPLATE`). Named by a hash of the migrations, so a run reuses the
/// template of an earlier run with the same schema; templates of other schemas are dropped
/// once they are a day old (a younger one may belong to a run of another branch right now).
fn postgres_template(admin: &mut diesel::PgConnection) -> &'static str {
    static NAME: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    NAME.get_or_init(|| {
        let name = format!("anw_tpl_{}", migrations_digest());
        // One creator at a time across test processes.
        admin.batch_execute("SELECT pg_advisory_lock(727274)").expect("template lock");
        #[derive(diesel::QueryableByName)]
        struct Name {
            #[diesel(sql_type = diesel::sql_types::Text)]
            datname: String,
        }
        use diesel::RunQueryDsl;
        let existing: Vec<Name> = diesel::sql_query("SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'anw_tpl_%'")
            .load(admin)
            .expect("list templates");
        // The creation time is the template's comment (epoch seconds); none counts as old.
        let stale: Vec<Name> = diesel::sql_query(
            "SELECT datname::text AS datname FROM pg_database WHERE datname LIKE 'anw_tpl_%' \
             AND COALESCE(NULLIF(shobj_description(oid, 'pg_database'), '')::bigint, 0) < extract(epoch FROM now())::bigint - 86400",
        )
        .load(admin)
        .expect("list stale templates");
        for old in stale.iter().filter(|n| n.datname != name) {
            let _ = admin.batch_execute(&format!("DROP DATABASE IF EXISTS {} WITH (FORCE)", old.datname));
        }
        if !existing.iter().any(|n| n.datname == name) {
            let building = format!("{name}_building");
            admin.batch_execute(&format!("DROP DATABASE IF EXISTS {building} WITH (FORCE)")).expect("drop an unfinished template");
            admin.batch_execute(&format!("CREATE DATABASE {building}")).expect("create template");
            let url = with_database(&pg_admin_url(), &building);
            db::migrate(&url).expect("migrate postgres template");
            db::grant_app_role(&url, APP_ROLE).expect("grant app role");
            // Renamed only when complete: an interrupted run leaves no half-made template.
            admin.batch_execute(&format!("ALTER DATABASE {building} RENAME TO {name}")).expect("finish template");
            let created = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map(|d| d.as_secs()).unwrap_or(0);
            admin.batch_execute(&format!("COMMENT ON DATABASE {name} IS '{created}'")).expect("date the template");
        }
        admin.batch_execute("SELECT pg_advisory_unlock(727274)").expect("template unlock");
        name
    })
}

/// A short hash over every PostgreSQL migration file's path and content, and over the names
/// of the migrations built into this binary (which make the template): a binary built before
/// the files changed makes a template of its own name, not one later binaries would take.
fn migrations_digest() -> String {
    use sha2::{Digest, Sha256};
    fn walk(dir: &std::path::Path, files: &mut Vec<std::path::PathBuf>) {
        for entry in std::fs::read_dir(dir).expect("read migrations").flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(&path, files)
            } else {
                files.push(path)
            }
        }
    }
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../migrations/postgres");
    let mut files = Vec::new();
    walk(&root, &mut files);
    files.sort();
    let mut hash = Sha256::new();
    use diesel::migration::MigrationSource;
    let built = MigrationSource::<diesel::pg::Pg>::migrations(&anwesend::db::POSTGRES_MIGRATIONS).expect("built-in migrations");
    for migration in built {
        hash.update(migration.name().to_string().as_bytes());
    }
    for file in files {
        hash.update(file.strip_prefix(&root).unwrap_or(&file).to_string_lossy().as_bytes());
        hash.update(std::fs::read(&file).expect("read migration"));
    }
    hex::encode(&hash.finalize()[..8])
}

/// The backup role as `deploy/postgres/roles.sql` makes it, read-only in database `name`.
fn backup_role_reads_only(conn: &mut diesel::PgConnection, name: &str) {
    static ROLE: Once = Once::new();
    ROLE.call_once(|| {
        conn.batch_execute(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{BACKUP_ROLE}') THEN
                 CREATE ROLE {BACKUP_ROLE} LOGIN PASSWORD '{BACKUP_ROLE}' NOSUPERUSER CREATEDB NOCREATEROLE BYPASSRLS;
               END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;
             GRANT pg_read_all_data TO {BACKUP_ROLE};"
        ))
        .expect("create backup role");
    });
    conn.batch_execute(&format!("ALTER ROLE {BACKUP_ROLE} IN DATABASE {name} SET default_transaction_read_only = on"))
        .expect("backup role read-only");
}

fn ensure_app_role(conn: &mut diesel::PgConnection) {
    static ROLE: Once = Once::new();
    ROLE.call_once(|| {
        conn.batch_execute(&format!(
            "DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{APP_ROLE}') THEN
                 CREATE ROLE {APP_ROLE} LOGIN PASSWORD '{APP_ROLE}' NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS;
               END IF;
             EXCEPTION WHEN duplicate_object OR unique_violation THEN NULL;
             END $$;"
        ))
        .expect("create app role");
    });
}

pub fn dev_config(test_db: &TestDb) -> Config {
    Config {
        environment: Some(Environment::Dev),
        database_url: test_db.app_url.clone(),
        migration_database_url: Some(test_db.owner_url.clone()),
        data_dir: test_db.dir().join("data"),
        backups: anwesend::config::BackupConfig { database_url: test_db.backup_url(), ..Default::default() },
        ..Config::default()
    }
}

pub fn start_time() -> chrono::DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 23, 9, 30, 0).single().expect("valid time")
}

pub struct TestApp {
    pub state: AppState,
    pub clock: Arc<ManualClock>,
    pub db: TestDb,
}

pub fn test_app() -> TestApp {
    test_app_with(|_| {})
}

pub fn test_app_with(adjust: impl FnOnce(&mut Config)) -> TestApp {
    let test_db = TestDb::new();
    let mut config = dev_config(&test_db);
    adjust(&mut config);
    let clock = Arc::new(ManualClock::new(start_time()));
    // As `MasterKey::load` sets it up: the tenant keyring beside the database (DEL-4).
    let master = MasterKey::generate(MasterKeyOrigin::Operator).with_keyring(anwesend::crypto::keyring_dir(&config));
    let state = AppState::new(config, test_db.db(), master, clock.clone());
    TestApp { state, clock, db: test_db }
}

/// An in-process app on the database and master key of a real `anwesend serve`, its
/// clock at the real time: sets up what the server's real clients (the agent) then use.
pub fn test_app_beside_server(test_db: TestDb, master: MasterKey) -> TestApp {
    let mut config = dev_config(&test_db);
    config.rate_limit.public_per_ip_per_minute = 10_000;
    let clock = Arc::new(ManualClock::new(Utc::now()));
    let state = AppState::new(config, test_db.db(), master, clock.clone());
    TestApp { state, clock, db: test_db }
}

impl TestApp {
    /// Acting as a staff account from a request, with a hashed client IP.
    pub fn ctx(&self) -> anwesend::audit::AuditContext {
        use anwesend::clock::Clock;
        let at = self.clock.now();
        anwesend::audit::AuditContext {
            actor: anwesend::audit::Actor {
                kind: anwesend::audit::ActorKind::Account,
                id: Some("0193-test-admin".into()),
                role: Some("tenant_admin".into()),
            },
            at,
            request_id: Some(uuid::Uuid::now_v7().to_string()),
            ip: Some(self.state.ip_hasher.hash(sensitive("203.0.113.9").parse().expect("ip"), at).expect("ip hash")),
        }
    }
}

/// A real SMTP server for the tests: Debian's aiosmtpd, storing what it receives in a
/// maildir (installed by deploy/dev/system.sh); recipients `bounce…@` are refused (550).
pub struct MailSink {
    child: std::process::Child,
    pub port: u16,
    dir: tempfile::TempDir,
}

impl MailSink {
    pub fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let dir = tempfile::tempdir().expect("maildir");
        // Mailbox, except that it refuses recipients starting with `bounce` for good, as a
        // real server refuses an unknown mailbox.
        std::fs::write(
            dir.path().join("anwesend_sink.py"),
            "from aiosmtpd.handlers import Mailbox\n\n\
             class Sink(Mailbox):\n\
             \x20   async def handle_RCPT(self, server, session, envelope, address, rcpt_options):\n\
             \x20       if address.startswith('bounce'):\n\
             \x20           return '550 5.1.1 mailbox unavailable'\n\
             \x20       envelope.rcpt_tos.append(address)\n\
             \x20       return '250 OK'\n",
        )
        .expect("sink handler");
        let child = std::process::Command::new("/usr/bin/python3")
            .env("PYTHONPATH", dir.path())
            .args(["-m", "aiosmtpd", "-n", "-l", &format!("127.0.0.1:{port}"), "-c", "anwesend_sink.Sink"])
            // Maildir creates its folders only for a path that does not exist yet.
            .arg(dir.path().join("maildir"))
            .stdout(std::process::Stdio::null())
            .spawn()
            .expect("/usr/bin/python3 -m aiosmtpd (run deploy/dev/system.sh)");
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(std::time::Instant::now() < deadline, "aiosmtpd did not start on port {port}");
            std::thread::sleep(std::time::Duration::from_millis(50));
        }
        Self { child, port, dir }
    }

    /// Points the server's mail at this sink over plain SMTP.
    pub fn configure(&self, config: &mut Config) {
        config.mail.transport = anwesend::config::MailTransport::Smtp;
        config.mail.smtp.host = "127.0.0.1".into();
        config.mail.smtp.port = self.port;
        config.mail.smtp.security = anwesend::config::SmtpSecurity::None;
    }

    /// Every received message, headers and body, with quoted-printable decoded.
    pub fn messages(&self) -> Vec<String> {
        let Ok(entries) = std::fs::read_dir(self.dir.path().join("maildir").join("new")) else { return Vec::new() };
        entries.filter_map(Result::ok).filter_map(|e| std::fs::read(e.path()).ok()).map(|raw| decode_quoted_printable(&raw)).collect()
    }

    /// The one message to `to`, or a panic naming what arrived.
    pub fn message_to(&self, to: &str) -> String {
        let all = self.messages();
        let mine: Vec<&String> = all.iter().filter(|m| m.lines().any(|l| l.eq_ignore_ascii_case(&format!("To: {to}")))).collect();
        assert_eq!(mine.len(), 1, "one message to {to}; received: {all:?}");
        mine[0].clone()
    }
}

impl Drop for MailSink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn decode_quoted_printable(raw: &[u8]) -> String {
    let text = String::from_utf8_lossy(raw).replace("\r\n", "\n").replace("=\n", "");
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes.get(i + 1..i + 3).and_then(|h| std::str::from_utf8(h).ok()).and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'=', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    String::from_utf8_lossy(&out).into_owned()
}
