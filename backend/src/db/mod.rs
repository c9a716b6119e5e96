//! Connections, migrations and the tenant scope (TOM SEP-2).
//!
//! One code path serves SQLite (embedded default) and PostgreSQL (production): the
//! `DbConnection` enum is a diesel `MultiConnection`. Backend-specific SQL is matched
//! on the enum variant and kept in this module.

pub mod listen;
mod prepared;
pub mod schema;
mod scope;
mod writer;

use std::path::PathBuf;
use std::time::Duration;

use diesel::connection::{AnsiTransactionManager, SimpleConnection, TransactionManager};
use diesel::prelude::*;
use diesel::r2d2::{self, ManageConnection, R2D2Connection};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};

pub use prepared::{raw, with, FirstWriteReturned, Raw, Together};
pub use scope::TenantScope;

use crate::error::AppError;

pub const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/sqlite");
pub const POSTGRES_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations/postgres");

#[derive(diesel::MultiConnection)]
pub enum DbConnection {
    Postgres(diesel::PgConnection),
    Sqlite(diesel::SqliteConnection),
}

/// Which database a URL points at, parsed once.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum DatabaseUrl {
    Postgres(String),
    Sqlite(PathBuf),
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<Self, String> {
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Ok(Self::Postgres(url.to_owned()))
        } else if let Some(path) = url.strip_prefix("sqlite://") {
            if path.is_empty() {
                return Err("sqlite URL needs a file path, e.g. sqlite://data/anwesend.db".into());
            }
            Ok(Self::Sqlite(PathBuf::from(path)))
        } else {
            Err("must start with sqlite:// or postgres://".into())
        }
    }

    pub fn is_postgres(&self) -> bool {
        matches!(self, Self::Postgres(_))
    }

    /// Opens one connection; SQLite gets its pragmas here, on every connection.
    pub fn connect(&self) -> ConnectionResult<DbConnection> {
        match self {
            Self::Postgres(url) => Ok(DbConnection::Postgres(diesel::PgConnection::establish(url)?)),
            Self::Sqlite(path) => {
                let path = path.to_str().ok_or_else(|| ConnectionError::BadConnection("database path is not valid UTF-8".into()))?;
                let mut conn = diesel::SqliteConnection::establish(path)?;
                // The busy timeout first: the journal-mode pragma itself needs a lock and
                // would fail at once ("database is locked") while another connection writes.
                // secure_delete: deleted rows are overwritten, not left in free pages (PRIV-4).
                // No checkpoint by the committing writer: `Checkpointer` does it beside them.
                // Temporary data in memory: a shared commit's savepoints (`writer`) copy the
                // pages they change into a sub-journal, which would otherwise spill into a
                // temp file past 64 KiB; nor do pages of personal data land outside the file.
                conn.batch_execute(
                    "PRAGMA busy_timeout = 10000;
                     PRAGMA foreign_keys = ON;
                     PRAGMA journal_mode = WAL;
                     PRAGMA synchronous = NORMAL;
                     PRAGMA secure_delete = ON;
                     PRAGMA wal_autocheckpoint = 0;
                     PRAGMA temp_store = MEMORY;",
                )
                .map_err(ConnectionError::CouldntSetupConfiguration)?;
                Ok(DbConnection::Sqlite(conn))
            }
        }
    }
}

/// r2d2 manager that dispatches on the parsed URL instead of guessing per variant, and
/// reports failed connection attempts to the outage tracker.
pub struct Manager(DatabaseUrl, std::sync::Arc<Outage>);

/// A pooled connection and when it was last given back to the pool.
pub struct Idle {
    conn: DbConnection,
    returned: std::time::Instant,
}

/// A connection given back within this time is handed out again without a test query
/// (HikariCP's "alive bypass window"): under load every request would otherwise pay a
/// round trip for it. A connection that broke in between fails its one request with
/// `Unavailable` (libpq reports it closed) and is then dropped (`has_broken`).
const ALIVE_WITHOUT_TEST: Duration = Duration::from_secs(1);

impl ManageConnection for Manager {
    type Connection = Idle;
    type Error = r2d2::Error;

    fn connect(&self) -> Result<Idle, r2d2::Error> {
        let conn = self.0.connect().map_err(|e| {
            self.1.failed(&self.0);
            r2d2::Error::ConnectionError(e)
        })?;
        Ok(Idle { conn, returned: std::time::Instant::now() })
    }

    fn is_valid(&self, idle: &mut Idle) -> Result<(), r2d2::Error> {
        if idle.returned.elapsed() < ALIVE_WITHOUT_TEST {
            return Ok(());
        }
        idle.conn.ping().map_err(r2d2::Error::QueryError)
    }

    fn has_broken(&self, idle: &mut Idle) -> bool {
        std::thread::panicking() || idle.conn.is_broken()
    }
}

/// What a 503 for an unreachable database asks clients to wait (`Retry-After`).
pub const RETRY_AFTER_SECONDS: u64 = 2;
/// How long requests are refused at once after a failed connection attempt, unless a probe
/// gets through earlier (TOM AVAIL-4, AVAIL-5).
const FAIL_FAST: Duration = Duration::from_secs(3);
/// How often the probe tries to connect while the database is down.
const PROBE_EVERY: Duration = Duration::from_millis(250);
/// The steps in which a request waits for a pooled connection, so a waiter learns of an
/// outage at once instead of after the whole wait.
const WAIT_STEP: Duration = Duration::from_millis(200);

/// Whether the database was just found unreachable. After a failed connection attempt
/// every request is refused at once (503 with `Retry-After`) instead of waiting the pool's
/// 30 s, while one probe thread tries to connect; its first success (or `FAIL_FAST` without
/// a new failure) opens the way again.
#[derive(Default)]
pub struct Outage {
    down_until: std::sync::Mutex<Option<std::time::Instant>>,
    probing: std::sync::atomic::AtomicBool,
}

impl Outage {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<std::time::Instant>> {
        self.down_until.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn is_down(&self) -> bool {
        self.lock().is_some_and(|until| std::time::Instant::now() < until)
    }

    fn failed(self: &std::sync::Arc<Self>, url: &DatabaseUrl) {
        *self.lock() = Some(std::time::Instant::now() + FAIL_FAST);
        if self.probing.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        tracing::warn!("the database is unreachable; refusing requests at once while probing");
        let (outage, url) = (std::sync::Arc::downgrade(self), url.clone());
        let started = std::thread::Builder::new().name("db-probe".into()).spawn(move || loop {
            std::thread::sleep(PROBE_EVERY);
            let Some(outage) = outage.upgrade() else { return };
            if url.connect().is_ok() {
                *outage.lock() = None;
                outage.probing.store(false, std::sync::atomic::Ordering::SeqCst);
                tracing::info!("the database is reachable again");
                return;
            }
            *outage.lock() = Some(std::time::Instant::now() + FAIL_FAST);
        });
        if started.is_err() {
            self.probing.store(false, std::sync::atomic::Ordering::SeqCst);
        }
    }
}

pub type Pool = r2d2::Pool<Manager>;

/// A connection of the pool; it notes when it goes back, so the next check-out can skip
/// its test query (`ALIVE_WITHOUT_TEST`).
pub struct PooledConnection(r2d2::PooledConnection<Manager>);

impl std::ops::Deref for PooledConnection {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        &self.0.conn
    }
}

impl std::ops::DerefMut for PooledConnection {
    fn deref_mut(&mut self) -> &mut DbConnection {
        &mut self.0.conn
    }
}

impl Drop for PooledConnection {
    fn drop(&mut self) {
        self.0.returned = std::time::Instant::now();
    }
}

/// The database handle shared by the whole application.
#[derive(Clone)]
pub struct Db {
    pool: Pool,
    url: DatabaseUrl,
    /// SQLite only: writers of this process take turns here, first come first served,
    /// so none waits in SQLite's busy handler (whose sleeps grow and let later writers
    /// overtake), and write on one connection. Readers never pass it (WAL, deferred read
    /// transactions).
    writers: Option<std::sync::Arc<writer::Writers>>,
    outage: std::sync::Arc<Outage>,
    /// Requests that found no idle connection at once (metrics).
    waits: std::sync::Arc<std::sync::atomic::AtomicU64>,
    /// SQLite only: keeps this database's checkpointer running while a handle lives.
    _checkpointer: Option<std::sync::Arc<Checkpointer>>,
    heads: std::sync::Arc<KnownHeads>,
}

/// How often the checkpointer copies the write-ahead log into the database file.
const CHECKPOINT_EVERY: Duration = Duration::from_millis(100);

/// SQLite: copies the write-ahead log into the database file on a thread of its own, so
/// no writer does it (and its fsync) while the others wait for their turn; by default
/// the writer whose commit fills the log to 1,000 pages does. A passive checkpoint waits
/// for nobody and nobody waits for it. Ends with the last handle of its `Db`.
struct Checkpointer;

impl Checkpointer {
    fn start(url: &DatabaseUrl) -> std::sync::Arc<Self> {
        let handle = std::sync::Arc::new(Self);
        let alive = std::sync::Arc::downgrade(&handle);
        let url = url.clone();
        let spawned = std::thread::Builder::new().name("sqlite-checkpoint".into()).spawn(move || {
            let mut conn = None;
            while alive.strong_count() > 0 {
                std::thread::sleep(CHECKPOINT_EVERY);
                if conn.is_none() {
                    conn = url.connect().ok();
                }
                if let Some(DbConnection::Sqlite(c)) = &mut conn {
                    if c.batch_execute("PRAGMA wal_checkpoint(PASSIVE);").is_err() {
                        conn = None;
                    }
                }
            }
        });
        if let Err(e) = spawned {
            tracing::error!(cause = %e, "the SQLite checkpointer did not start");
        }
        handle
    }
}

/// How long a request waits for a pooled connection while the database is up.
const POOL_WAIT: Duration = Duration::from_secs(30);

/// How long a writer waits for its turn before the request fails as unavailable; as long
/// as a request waits for a pooled connection.
const WRITE_TURN: Duration = POOL_WAIT;

thread_local! {
    /// Set while this thread is inside a write gate: a write transaction opened inside
    /// another (on a second connection) must not wait for the turn its own thread holds.
    static WRITING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// `Db::exclusively` on SQLite: the keys held in this process, per database file; given
/// back when dropped, also when the work panics.
struct ProcessLock {
    path: PathBuf,
    key: i64,
}

static PROCESS_LOCKS: std::sync::Mutex<Vec<(PathBuf, i64)>> = std::sync::Mutex::new(Vec::new());

impl ProcessLock {
    fn take(path: &std::path::Path, key: i64) -> Option<Self> {
        let mut held = PROCESS_LOCKS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if held.iter().any(|(p, k)| p == path && *k == key) {
            return None;
        }
        held.push((path.to_owned(), key));
        Some(Self { path: path.to_owned(), key })
    }
}

impl Drop for ProcessLock {
    fn drop(&mut self) {
        let mut held = PROCESS_LOCKS.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        held.retain(|(p, k)| !(p == &self.path && *k == self.key));
    }
}

impl Db {
    /// Builds the pool without connecting, so a server can start (and report
    /// "not ready") while its database is down.
    pub fn new(url: &str, max_connections: u32) -> Result<Self, AppError> {
        let url = DatabaseUrl::parse(url).map_err(|e| AppError::Config(format!("database_url {e}")))?;
        if let DatabaseUrl::Sqlite(path) = &url {
            if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                // Best effort: a missing directory is reported by the first connection.
                let _ = std::fs::create_dir_all(dir);
            }
        }
        let outage = std::sync::Arc::new(Outage::default());
        let pool = r2d2::Pool::builder()
            .max_size(max_connections)
            .min_idle(Some(0))
            // A burst (everyone books the moment a course opens) waits in line for a
            // connection rather than failing; readiness checks use their own short wait.
            .connection_timeout(POOL_WAIT)
            .test_on_check_out(true)
            .build_unchecked(Manager(url.clone(), outage.clone()));
        let sqlite = matches!(url, DatabaseUrl::Sqlite(_));
        let writers = sqlite.then(|| std::sync::Arc::new(writer::Writers::new()));
        let checkpointer = sqlite.then(|| Checkpointer::start(&url));
        Ok(Self { pool, url, writers, outage, waits: Default::default(), _checkpointer: checkpointer, heads: Default::default() })
    }

    /// Runs `f` in a write transaction in `scope` (none: platform work). SQLite: in the
    /// writers' turn, on their connection, in a commit it may share with the writes next
    /// in line (`writer`); a write opened inside another on the same thread (which holds
    /// the turn) takes a pooled connection. PostgreSQL: a pooled connection.
    fn write<T>(&self, scope: Option<&TenantScope>, f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let Some(writers) = self.writers.as_deref().filter(|_| !WRITING.with(std::cell::Cell::get)) else {
            let mut conn = self.conn()?;
            return transaction(&mut conn, Mode::Write, scope, &self.heads, f);
        };
        writers.write(&self.url, &self.heads, scope, WRITE_TURN, f)
    }

    pub fn url(&self) -> &DatabaseUrl {
        &self.url
    }

    /// SQLite: this handle's writes and commits so far (writes queued behind one another
    /// share a commit); `None` on PostgreSQL, where each write commits on its own.
    pub fn write_counts(&self) -> Option<(u64, u64)> {
        self.writers.as_deref().map(writer::Writers::counts)
    }

    /// SQLite: writers waiting for their turn now; 0 on PostgreSQL, where none waits.
    pub fn writers_waiting(&self) -> usize {
        self.writers.as_deref().map_or(0, writer::Writers::waiting)
    }

    /// A pooled connection. A burst waits up to 30 s for one; while the database is
    /// unreachable the answer is `Unavailable` at once (`Outage`), also for those waiting.
    pub fn conn(&self) -> Result<PooledConnection, AppError> {
        let deadline = std::time::Instant::now() + POOL_WAIT;
        loop {
            if self.outage.is_down() {
                return Err(AppError::Unavailable("the database is unreachable".into()));
            }
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            match self.pool.get_timeout(left.min(WAIT_STEP)) {
                Ok(conn) => return Ok(PooledConnection(conn)),
                Err(e) if left <= WAIT_STEP => return Err(AppError::Unavailable(e.to_string())),
                Err(_) if left == POOL_WAIT => {
                    self.waits.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                }
                Err(_) => {}
            }
        }
    }

    /// Connections of this node's pool: open and idle.
    pub fn pool_state(&self) -> r2d2::State {
        self.pool.state()
    }

    /// How many requests so far waited for a pooled connection.
    pub fn waits(&self) -> u64 {
        self.waits.load(std::sync::atomic::Ordering::Relaxed)
    }

    /// True while requests are refused at once because the database is unreachable.
    pub fn is_unreachable(&self) -> bool {
        self.outage.is_down()
    }

    /// SQLite: copies the write-ahead log into the database and empties it, so earlier
    /// versions of erased rows leave the disk (PRIV-4). A checkpoint running at the same
    /// moment (the checkpointer's, every 100 ms) makes SQLite give this one up at once, so
    /// it is tried again for up to a second. Best effort beyond that: readers holding old
    /// pages make it a partial checkpoint, and the log is reset by the next one.
    /// PostgreSQL keeps no such log in files the application reads.
    pub fn flush_log(&self) {
        #[derive(QueryableByName)]
        struct Checkpoint {
            #[diesel(sql_type = diesel::sql_types::Integer)]
            busy: i32,
        }
        if let (DatabaseUrl::Sqlite(_), Ok(mut conn)) = (&self.url, self.conn()) {
            if let DbConnection::Sqlite(c) = &mut *conn {
                let started = std::time::Instant::now();
                while started.elapsed() < Duration::from_secs(1) {
                    match diesel::sql_query("PRAGMA wal_checkpoint(TRUNCATE)").get_result::<Checkpoint>(c) {
                        Ok(Checkpoint { busy: 0 }) => return,
                        _ => std::thread::sleep(Duration::from_millis(5)),
                    }
                }
            }
        }
    }

    /// `SELECT 1` with a short wait: used by `/readyz`.
    pub fn ping(&self) -> Result<(), AppError> {
        let mut conn = self.pool.get_timeout(Duration::from_secs(2)).map_err(|e| AppError::Unavailable(e.to_string()))?;
        conn.conn.ping().map_err(|e| AppError::Unavailable(e.to_string()))?;
        Ok(())
    }

    /// Runs `f` unless work under the same `key` runs right now, on any node: `None` then.
    /// PostgreSQL: a transaction-level advisory lock (`pg_try_advisory_xact_lock`) held on a
    /// pooled connection of its own while `f` runs, so it is released when `f` ends or when
    /// the node dies and its connection closes. SQLite serves one node: a lock of this
    /// process. `f` does its work on other connections.
    pub fn exclusively<T>(&self, key: i64, f: impl FnOnce() -> Result<T, AppError>) -> Result<Option<T>, AppError> {
        match &self.url {
            DatabaseUrl::Postgres(_) => {
                let mut conn = self.conn()?;
                let DbConnection::Postgres(c) = &mut *conn else { return Err(AppError::Internal("not a PostgreSQL connection".into())) };
                AnsiTransactionManager::begin_transaction(c)?;
                #[derive(QueryableByName)]
                struct Locked {
                    #[diesel(sql_type = diesel::sql_types::Bool)]
                    locked: bool,
                }
                let locked = diesel::sql_query("SELECT pg_try_advisory_xact_lock($1) AS locked")
                    .bind::<diesel::sql_types::BigInt, _>(key)
                    .get_result::<Locked>(c)
                    .map(|l| l.locked);
                let result = match locked {
                    Ok(true) => f().map(Some),
                    Ok(false) => Ok(None),
                    Err(e) => Err(e.into()),
                };
                // Nothing was written here; ending the transaction releases the lock.
                AnsiTransactionManager::rollback_transaction(c)?;
                result
            }
            DatabaseUrl::Sqlite(path) => {
                let Some(_held) = ProcessLock::take(path, key) else { return Ok(None) };
                f().map(Some)
            }
        }
    }

    /// A write transaction on platform tables (no tenant data reachable on PostgreSQL).
    pub fn platform_tx<T>(&self, f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        self.write(None, f)
    }

    /// A write transaction in the tenant of `scope`, or on the platform without one: for
    /// work that serves either, e.g. the audit chain a grant names.
    pub fn tx_in<T>(&self, scope: Option<&TenantScope>, f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        self.write(scope, f)
    }

    /// A write transaction inside one tenant. On PostgreSQL `app.tenant_id` is set for
    /// this transaction only, so row-level security hides every other tenant (SEP-2).
    pub fn tenant_tx<T>(&self, scope: &TenantScope, f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        self.write(Some(scope), |tx| f(&mut TenantTx::new(tx, scope)))
    }

    /// A read-only transaction inside one tenant: SQLite `BEGIN` (deferred, takes no write
    /// lock), PostgreSQL `BEGIN READ ONLY` with `app.tenant_id` set, so row-level security
    /// covers reads as it covers writes. Every read of tenant data goes through here (or
    /// through `tenant_tx` when it belongs to a write).
    pub fn tenant_read<T>(&self, scope: &TenantScope, f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let mut conn = self.conn()?;
        transaction(&mut conn, Mode::Read, Some(scope), &self.heads, |tx| f(&mut TenantTx::new(tx, scope)))
    }

    /// A write transaction in one tenant that stays open between calls: for a request
    /// whose first read decides whether it writes at all. A device request's signature is
    /// checked on that read, and its change follows in the same transaction, so the
    /// request makes one transaction, not a read and a write. PostgreSQL only: SQLite's
    /// writers take turns (`Db::write`), and a turn is not held across other work.
    pub fn open_tenant_tx(&self, scope: &TenantScope) -> Result<OpenTx, AppError> {
        if !self.url.is_postgres() {
            return Err(AppError::Internal("an open write transaction is for PostgreSQL only".into()));
        }
        let mut conn = self.conn()?;
        begin(&mut conn, Mode::Device, Some(scope))?;
        Ok(OpenTx { conn: Some(conn), scope: scope.clone(), heads: TxHeads::new(self.heads.clone()) })
    }
}

/// A write transaction left open (`Db::open_tenant_tx`); rolled back if dropped before
/// `finish`.
pub struct OpenTx {
    conn: Option<PooledConnection>,
    scope: TenantScope,
    heads: TxHeads,
}

impl OpenTx {
    /// Runs `f` in the transaction and leaves it open. After an error the transaction may
    /// be aborted: drop it (rolled back) rather than run more in it.
    pub fn run<T>(&mut self, f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let conn = self.conn.as_mut().ok_or_else(|| AppError::Internal("this transaction has ended".into()))?;
        let mut tx = Tx { conn, scope: Some(self.scope.clone()), heads: &self.heads };
        f(&mut TenantTx::new(&mut tx, &self.scope))
    }

    /// Runs `f` and ends the transaction: committed if `f` returns a value, rolled back if
    /// it fails.
    pub fn finish<T>(mut self, f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let result = self.run(f);
        let mut conn = self.conn.take().ok_or_else(|| AppError::Internal("this transaction has ended".into()))?;
        end(&mut conn, &self.heads, result)
    }
}

impl Drop for OpenTx {
    fn drop(&mut self) {
        if let Some(mut conn) = self.conn.take() {
            // A connection that cannot roll back is broken, and the pool drops it.
            let _ = <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(&mut conn);
        }
    }
}

/// An open write transaction and the scope it runs in. It dereferences to the
/// connection for queries; the audit trail takes its chain from here, so an entry can
/// only land in the chain of the transaction that makes the change (TOM INPUT-1).
pub struct Tx<'c> {
    conn: &'c mut DbConnection,
    scope: Option<TenantScope>,
    heads: &'c TxHeads,
}

/// Audit chains whose head row this database holds, as far as this handle has seen. Heads
/// are never deleted (the app role may not), so an append to a known chain need not ask
/// for its head again (`audit::store::ensure_head`). A chain becomes known when a
/// transaction that found or made its head has committed.
#[derive(Default)]
pub struct KnownHeads(std::sync::RwLock<std::collections::HashSet<String>>);

/// The heads one transaction has found or made; known to all once it commits.
pub struct TxHeads {
    known: std::sync::Arc<KnownHeads>,
    seen: std::cell::RefCell<Vec<String>>,
}

impl TxHeads {
    fn new(known: std::sync::Arc<KnownHeads>) -> Self {
        Self { known, seen: Default::default() }
    }

    /// True if `chain`'s head is committed, or found or made in this transaction.
    pub fn holds(&self, chain: &str) -> bool {
        self.seen.borrow().iter().any(|c| c == chain)
            || self.known.0.read().unwrap_or_else(std::sync::PoisonError::into_inner).contains(chain)
    }

    /// This transaction found or made `chain`'s head.
    pub fn found(&self, chain: &str) {
        self.seen.borrow_mut().push(chain.to_owned());
    }

    fn committed(&self) {
        let seen = self.seen.take();
        if !seen.is_empty() {
            self.known.0.write().unwrap_or_else(std::sync::PoisonError::into_inner).extend(seen);
        }
    }
}

impl Tx<'_> {
    /// The tenant this transaction serves; `None` for platform work.
    pub fn scope(&self) -> Option<&TenantScope> {
        self.scope.as_ref()
    }

    /// Moves a platform transaction into one tenant, so platform and tenant records of one
    /// operator action (e.g. tenant creation: platform entry, keys, the tenant's first
    /// audit entry) commit together. Only once, and only from platform scope. From here on
    /// this transaction serves the tenant (its audit entries go to the tenant's chain); the
    /// returned handle reaches the tenant's stores.
    pub fn enter_tenant(&mut self, scope: &TenantScope) -> Result<TenantTx<'_>, AppError> {
        if self.scope.is_some() {
            return Err(AppError::Internal("a tenant transaction cannot change tenant".into()));
        }
        set_tenant(self.conn, scope.tenant_id())?;
        self.scope = Some(scope.clone());
        Ok(TenantTx::new(self, scope))
    }

    /// The tenant handle of a platform transaction that has entered a tenant
    /// (`enter_tenant`); an error before that.
    pub fn tenant(&mut self) -> Result<TenantTx<'_>, AppError> {
        let scope = self.scope.clone().ok_or_else(|| AppError::Internal("this transaction has entered no tenant".into()))?;
        Ok(TenantTx::new(self, &scope))
    }
}

/// A transaction that always runs inside one tenant: what every store function of a
/// tenant table takes, so tenant data cannot be reached without a scope (SEP-2). Made by
/// `Db::tenant_tx` (write), `Db::tenant_read` (read-only) and `Tx::enter_tenant`. It
/// dereferences to the connection (for platform stores); store functions of tenant tables
/// split it with [`TenantTx::parts`] to filter by the tenant.
pub struct TenantTx<'c> {
    conn: &'c mut DbConnection,
    scope: TenantScope,
    heads: &'c TxHeads,
}

impl TenantTx<'_> {
    fn new<'a>(tx: &'a mut Tx<'_>, scope: &TenantScope) -> TenantTx<'a> {
        TenantTx { conn: &mut *tx.conn, scope: scope.clone(), heads: tx.heads }
    }

    pub fn scope(&self) -> &TenantScope {
        &self.scope
    }

    pub fn tenant_id(&self) -> &str {
        self.scope.tenant_id()
    }

    pub fn conn(&mut self) -> &mut DbConnection {
        self.conn
    }

    /// The connection and the tenant id at once, for a query that filters by the tenant.
    pub fn parts(&mut self) -> (&mut DbConnection, &str) {
        (&mut *self.conn, self.scope.tenant_id())
    }
}

impl std::ops::Deref for TenantTx<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl std::ops::DerefMut for TenantTx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

impl std::ops::Deref for Tx<'_> {
    type Target = DbConnection;
    fn deref(&self) -> &DbConnection {
        self.conn
    }
}

impl std::ops::DerefMut for Tx<'_> {
    fn deref_mut(&mut self) -> &mut DbConnection {
        self.conn
    }
}

/// Either kind of transaction, for what serves platform and tenant work alike: the audit
/// trail writes to the chain of the scope (the platform's without one), the mail outbox
/// records the sending tenant.
pub trait Scoped: std::ops::DerefMut<Target = DbConnection> {
    /// The tenant this transaction serves; `None` for platform work.
    fn tenant_scope(&self) -> Option<&TenantScope>;
    /// The audit heads this transaction knows of.
    fn heads(&self) -> &TxHeads;
}

impl Scoped for Tx<'_> {
    fn tenant_scope(&self) -> Option<&TenantScope> {
        self.scope.as_ref()
    }
    fn heads(&self) -> &TxHeads {
        self.heads
    }
}

impl Scoped for TenantTx<'_> {
    fn tenant_scope(&self) -> Option<&TenantScope> {
        Some(&self.scope)
    }
    fn heads(&self) -> &TxHeads {
        self.heads
    }
}

fn set_tenant(conn: &mut DbConnection, tenant: &str) -> Result<(), AppError> {
    if let DbConnection::Postgres(c) = conn {
        diesel::sql_query("SELECT set_config('app.tenant_id', $1, true)").bind::<diesel::sql_types::Text, _>(tenant).execute(c)?;
    }
    Ok(())
}

/// Locks one tenant row until the transaction ends, so check-then-write sequences on it
/// (seats left → booking) are serialised. PostgreSQL: `SELECT … FOR UPDATE`; SQLite needs
/// nothing, its write transactions already run one at a time (`BEGIN IMMEDIATE`).
/// A row found by a token, a code or a device id before its tenant is known: only the
/// tenant and the row id. The caller makes the scope from the tenant and reads the row in
/// it (TOM SEP-2). On PostgreSQL such lookups go through one `SECURITY DEFINER` function
/// per key (migration `rls_everywhere`), the only way past row-level security.
#[derive(QueryableByName, Debug, Clone, PartialEq, Eq)]
pub struct Located {
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub found_tenant: String,
    #[diesel(sql_type = diesel::sql_types::Text)]
    pub found_id: String,
}

impl From<(String, String)> for Located {
    fn from((found_tenant, found_id): (String, String)) -> Self {
        Self { found_tenant, found_id }
    }
}

pub fn lock_row(tx: &mut TenantTx<'_>, table: Locked, id: &str) -> Result<(), AppError> {
    let (conn, tenant_id) = tx.parts();
    if let DbConnection::Postgres(c) = conn {
        let pieces: &'static [&'static str] = match table {
            Locked::Bookings => &["SELECT 1 FROM bookings WHERE tenant_id = ", " AND id = ", " FOR UPDATE"],
            Locked::EventSessions => &["SELECT 1 FROM event_sessions WHERE tenant_id = ", " AND id = ", " FOR UPDATE"],
            Locked::Events => &["SELECT 1 FROM events WHERE tenant_id = ", " AND id = ", " FOR UPDATE"],
            Locked::Participants => &["SELECT 1 FROM participants WHERE tenant_id = ", " AND id = ", " FOR UPDATE"],
        };
        raw(pieces).bind::<diesel::sql_types::Text, _>(tenant_id).bind::<diesel::sql_types::Text, _>(id).execute(c)?;
    }
    Ok(())
}

/// The tables whose rows `lock_row` locks.
#[derive(Debug, Clone, Copy)]
pub enum Locked {
    Bookings,
    EventSessions,
    Events,
    Participants,
}

/// What a transaction may do.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// SQLite takes the write lock up front (`BEGIN IMMEDIATE`, after the writer's turn at
    /// `Db::writers`), so a writer never fails on lock upgrade.
    Write,
    /// SQLite `BEGIN` (deferred: a snapshot, no write lock); PostgreSQL `BEGIN READ ONLY`.
    Read,
    /// PostgreSQL: a device request's write transaction (`Db::open_tenant_tx`), whose
    /// statements run with their generic plans. A tap makes the same few statements every
    /// time, with the same plans for any values (checked with EXPLAIN), but PostgreSQL kept
    /// planning each one again for its values: about 0.3 ms of its CPU per tap (issue #16).
    Device,
}

/// Runs `f` in a write transaction (see `Mode::Write`), in `scope` if given.
pub fn write_transaction<T>(
    conn: &mut DbConnection,
    scope: Option<&TenantScope>,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    transaction(conn, Mode::Write, scope, &Default::default(), f)
}

/// Runs `f` in a transaction; on PostgreSQL `app.tenant_id` is the scope's tenant (empty
/// for platform work) until the transaction ends.
fn transaction<T>(
    conn: &mut DbConnection,
    mode: Mode,
    scope: Option<&TenantScope>,
    known: &std::sync::Arc<KnownHeads>,
    f: impl FnOnce(&mut Tx<'_>) -> Result<T, AppError>,
) -> Result<T, AppError> {
    begin(conn, mode, scope)?;
    let heads = TxHeads::new(known.clone());
    let result = f(&mut Tx { conn: &mut *conn, scope: scope.cloned(), heads: &heads });
    end(conn, &heads, result)
}

/// Opens a transaction (see `Mode`); on PostgreSQL with `app.tenant_id` set to the
/// scope's tenant (empty for platform work) until it ends.
fn begin(conn: &mut DbConnection, mode: Mode, scope: Option<&TenantScope>) -> Result<(), AppError> {
    let tenant = scope.map(TenantScope::tenant_id).unwrap_or("");
    // PostgreSQL: the scope is set with BEGIN in one round trip when the id is plain
    // (ids are UUIDs: letters, digits, dashes), bound as a parameter otherwise.
    let plain = tenant.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-');
    let scoped = |begin: &str| format!("{begin}; SELECT set_config('app.tenant_id', '{tenant}', true)");
    let generic = "SELECT set_config('plan_cache_mode', 'force_generic_plan', true)";
    match (&mut *conn, mode) {
        (DbConnection::Sqlite(c), Mode::Write | Mode::Device) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN IMMEDIATE")?,
        (DbConnection::Sqlite(c), Mode::Read) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN")?,
        (DbConnection::Postgres(c), Mode::Write) if plain => AnsiTransactionManager::begin_transaction_sql(c, &scoped("BEGIN"))?,
        (DbConnection::Postgres(c), Mode::Device) if plain => {
            AnsiTransactionManager::begin_transaction_sql(c, &format!("{}; {generic}", scoped("BEGIN")))?
        }
        (DbConnection::Postgres(c), Mode::Read) if plain => AnsiTransactionManager::begin_transaction_sql(c, &scoped("BEGIN READ ONLY"))?,
        (DbConnection::Postgres(c), Mode::Write) => AnsiTransactionManager::begin_transaction(c)?,
        (DbConnection::Postgres(c), Mode::Device) => AnsiTransactionManager::begin_transaction_sql(c, &format!("BEGIN; {generic}"))?,
        (DbConnection::Postgres(c), Mode::Read) => AnsiTransactionManager::begin_transaction_sql(c, "BEGIN READ ONLY")?,
    }
    if plain {
        return Ok(());
    }
    set_tenant(conn, tenant).or_else(|e| {
        <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn)?;
        Err(e)
    })
}

/// Commits the transaction if `result` is a value (its audit heads become known), rolls
/// it back if it is an error.
fn end<T>(conn: &mut DbConnection, heads: &TxHeads, result: Result<T, AppError>) -> Result<T, AppError> {
    match result {
        Ok(value) => {
            <DbConnection as TransactionManager<DbConnection>>::commit_transaction(conn)?;
            heads.committed();
            Ok(value)
        }
        Err(e) => {
            <DbConnection as TransactionManager<DbConnection>>::rollback_transaction(conn)?;
            Err(e)
        }
    }
}

/// Applies pending migrations (run with the schema owner's URL on PostgreSQL).
pub fn migrate(url: &str) -> Result<Vec<String>, AppError> {
    let url = DatabaseUrl::parse(url).map_err(|e| AppError::Config(format!("database_url {e}")))?;
    if let DatabaseUrl::Sqlite(path) = &url {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| AppError::Config(format!("cannot create {}: {e}", dir.display())))?;
        }
    }
    let mut conn = url.connect().map_err(|e| AppError::Unavailable(e.to_string()))?;
    let applied = match &mut conn {
        DbConnection::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS),
        DbConnection::Postgres(c) => c.run_pending_migrations(POSTGRES_MIGRATIONS),
    }
    .map_err(|e| AppError::Internal(format!("migration failed: {e}")))?;
    Ok(applied.iter().map(|v| v.to_string()).collect())
}

/// PostgreSQL: lets the application's non-owner role read and write rows, nothing more.
/// Row-level security still applies to it (`FORCE ROW LEVEL SECURITY` in the migrations).
/// The audit trail and the deletion log are append-only for it: no DELETE, and on
/// `audit_entries` UPDATE of the seal columns only (`seq`, `prev_hash`, `entry_hash`), which
/// a trigger allows once, on an unsealed entry (`audit::sealer`); on `audit_heads` it
/// writes the head columns but not the anchor; old audit entries leave
/// only through the `audit_prune` function (TOM INPUT-5, PRIV-6).
pub fn grant_app_role(owner_url: &str, role: &str) -> Result<(), AppError> {
    if role.is_empty() || !role.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_') {
        return Err(AppError::Config("the app role name may hold only a-z, 0-9 and _".into()));
    }
    let url = DatabaseUrl::parse(owner_url).map_err(AppError::Config)?;
    let DatabaseUrl::Postgres(_) = url else {
        return Err(AppError::Config("roles exist only on PostgreSQL".into()));
    };
    let mut conn = url.connect().map_err(|e| AppError::Unavailable(e.to_string()))?;
    conn.batch_execute(&format!(
        "GRANT USAGE ON SCHEMA public TO {role};
         GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role};
         REVOKE UPDATE, DELETE ON audit_entries, deletion_log FROM {role};
         GRANT UPDATE (seq, prev_hash, entry_hash) ON audit_entries TO {role};
         GRANT EXECUTE ON FUNCTION audit_pending_chains() TO {role};
         REVOKE INSERT, UPDATE, DELETE ON audit_heads FROM {role};
         GRANT INSERT (chain, seq, head_hash, updated_at), UPDATE (seq, head_hash, updated_at) ON audit_heads TO {role};
         REVOKE ALL ON audit_prune_guard FROM {role};
         GRANT EXECUTE ON FUNCTION audit_prune(TEXT, BIGINT) TO {role};
         REVOKE ALL ON __diesel_schema_migrations FROM {role};
         GRANT SELECT ON __diesel_schema_migrations TO {role};
         ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO {role};"
    ))?;
    Ok(())
}
