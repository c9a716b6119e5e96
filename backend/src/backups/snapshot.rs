//! The database side of a backup: taking the copy (SQLite `VACUUM INTO`, PostgreSQL
//! `pg_dump -Fc` in an exported snapshot), loading it into a scratch database to verify,
//! and restoring it into an empty database. Plaintext exists only in a private directory
//! (0700, removed on every path) or in a scratch database that is dropped; PostgreSQL
//! passwords reach the tools through a 0600 passfile, never the command line.

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use diesel::connection::SimpleConnection;
use diesel::Connection;

use super::archive;
use super::model::{DatabaseKind, Manifest};
use super::store;
use crate::config::Config;
use crate::db::{DatabaseUrl, Db, DbConnection, TenantScope};
use crate::error::AppError;

fn internal(what: impl std::fmt::Display) -> AppError {
    AppError::Internal(what.to_string())
}

/// A directory only this user can enter, removed with everything in it when dropped.
pub struct PrivateDir(PathBuf);

impl PrivateDir {
    pub fn new(parent: &Path) -> Result<Self, AppError> {
        std::fs::create_dir_all(parent).map_err(|e| internal(format!("cannot create {}: {e}", parent.display())))?;
        let path = parent.join(format!(".work-{}", uuid::Uuid::new_v4().simple()));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path).map_err(|e| internal(format!("cannot create {}: {e}", path.display())))?;
        Ok(Self(path))
    }

    pub fn path(&self) -> &Path {
        &self.0
    }

    /// A new file in the directory, 0600.
    fn create_file(&self, name: &str) -> Result<(PathBuf, std::fs::File), AppError> {
        let path = self.0.join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&path).map_err(|e| internal(format!("cannot create {}: {e}", path.display())))?;
        Ok((path, file))
    }
}

impl Drop for PrivateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn kind_of(url: &str) -> Result<DatabaseKind, AppError> {
    Ok(match DatabaseUrl::parse(url).map_err(AppError::Config)? {
        DatabaseUrl::Sqlite(_) => DatabaseKind::Sqlite,
        DatabaseUrl::Postgres(_) => DatabaseKind::Postgres,
    })
}

/// Writes one backup of the configured database to `path` (encrypted to `recipients`).
/// Returns the manifest and the file's size.
pub fn take(
    config: &Config,
    db: &Db,
    path: &Path,
    recipients: &[age::x25519::Recipient],
    at: chrono::NaiveDateTime,
) -> Result<(Manifest, u64), AppError> {
    let manifest =
        |database, tables| Manifest { format: 1, database, created_at: at, app_version: env!("CARGO_PKG_VERSION").into(), tables };
    let work = PrivateDir::new(&config.backup_dir())?;
    match kind_of(&config.database_url)? {
        DatabaseKind::Sqlite => {
            let copy = work.path().join("snapshot.db");
            let copy_text = copy.to_str().ok_or_else(|| internal("the backup directory's path is not UTF-8"))?;
            store::sqlite_vacuum_into(&mut *db.conn()?, copy_text)?;
            let tables = store::count_rows(&mut plain_sqlite(&copy)?)?;
            let manifest = manifest(DatabaseKind::Sqlite, tables);
            let mut writer = archive::Writer::create(path, recipients, &manifest)?;
            let mut file = std::fs::File::open(&copy).map_err(|e| internal(format!("cannot read the snapshot: {e}")))?;
            io::copy(&mut file, &mut writer).map_err(|e| internal(format!("cannot write {}: {e}", path.display())))?;
            Ok((manifest, writer.finish()?))
        }
        DatabaseKind::Postgres => {
            let url = backup_role_url(config)?;
            // Counted in the very snapshot pg_dump reads, so the manifest matches the dump.
            let mut conn = DbConnection::Postgres(
                diesel::PgConnection::establish(&url.full()).map_err(|e| AppError::Unavailable(format!("backup role: {e}")))?,
            );
            conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")?;
            let snapshot = store::pg_export_snapshot(&mut conn)?;
            let tables = store::count_rows(&mut conn)?;
            let manifest = manifest(DatabaseKind::Postgres, tables);
            let mut writer = archive::Writer::create(path, recipients, &manifest)?;
            let mut dump = pg_tool("pg_dump", &url, &work)?;
            dump.args(["--format=custom", "--snapshot", &snapshot]).arg(format!("--dbname={}", url.without_password()));
            run_tool(dump, None, Some(&mut writer))?;
            conn.batch_execute("COMMIT")?;
            Ok((manifest, writer.finish()?))
        }
    }
}

/// Loads a backup into a scratch database and checks it: integrity, every row count of
/// the manifest, every audit chain. The scratch copy is gone afterwards. Returns the
/// manifest, the tables and rows compared and the chains verified.
pub fn verify(config: &Config, path: &Path, identity: &age::x25519::Identity) -> Result<(Manifest, i64, usize), AppError> {
    let (manifest, mut reader) = archive::open(path, identity)?;
    let work = PrivateDir::new(&config.backup_dir())?;
    match manifest.database {
        DatabaseKind::Sqlite => {
            let (copy, mut file) = work.create_file("scratch.db")?;
            copy_all(&mut reader, &mut file)?;
            drop(file);
            check_sqlite_integrity(&copy)?;
            let db = Db::new(&format!("sqlite://{}", copy.display()), 1)?;
            let (rows, chains) = check_copy(&db, &manifest)?;
            Ok((manifest, rows, chains))
        }
        DatabaseKind::Postgres => {
            let url = backup_role_url(config)?;
            // The archive's table of contents must read, then the whole archive is restored.
            let mut list = pg_tool("pg_restore", &url, &work)?;
            list.arg("--list");
            run_tool(list, Some(&mut reader), None)?;
            let (_, mut reader) = archive::open(path, identity)?;
            let scratch = ScratchDatabase::create(&url)?;
            let mut restore = pg_tool("pg_restore", &scratch.url, &work)?;
            restore.args(["--exit-on-error", "--no-owner", "--no-privileges"]).arg(format!("--dbname={}", scratch.url.without_password()));
            run_tool(restore, Some(&mut reader), None)?;
            let db = Db::new(&scratch.url.full(), 1)?;
            let (rows, chains) = check_copy(&db, &manifest)?;
            drop(db);
            drop(scratch);
            Ok((manifest, rows, chains))
        }
    }
}

/// Restores a backup into the configured database, which must be empty (SQLite: no file
/// or an empty one; PostgreSQL: no tables), and checks its rows against the manifest.
pub fn restore(config: &Config, path: &Path, identity: &age::x25519::Identity) -> Result<Manifest, AppError> {
    let (manifest, mut reader) = archive::open(path, identity)?;
    let target = kind_of(&config.database_url)?;
    if manifest.database != target {
        return Err(AppError::Config(format!("the backup holds a {} database, the configuration names a {target} one", manifest.database)));
    }
    match DatabaseUrl::parse(&config.database_url).map_err(AppError::Config)? {
        DatabaseUrl::Sqlite(live) => {
            if std::fs::metadata(&live).is_ok_and(|m| m.len() > 0) {
                return Err(AppError::Conflict(format!("{} exists and is not empty: restore only into an empty database", live.display())));
            }
            let dir = live.parent().filter(|d| !d.as_os_str().is_empty()).unwrap_or(Path::new("."));
            let work = PrivateDir::new(dir)?;
            let (copy, mut file) = work.create_file("restoring.db")?;
            copy_all(&mut reader, &mut file)?;
            file.sync_all().map_err(|e| internal(format!("cannot sync {}: {e}", copy.display())))?;
            drop(file);
            check_sqlite_integrity(&copy)?;
            compare(&manifest, &store::count_rows(&mut plain_sqlite(&copy)?)?)?;
            std::fs::rename(&copy, &live).map_err(|e| internal(format!("cannot move the database into {}: {e}", live.display())))?;
        }
        DatabaseUrl::Postgres(_) => {
            let owner = PgUrl::parse(config.migration_url())?;
            if !store::pg_is_empty(&mut connect(&owner)?)? {
                return Err(AppError::Conflict("the target database has tables: restore only into an empty database".into()));
            }
            let work = PrivateDir::new(&config.backup_dir())?;
            let mut restore = pg_tool("pg_restore", &owner, &work)?;
            restore.args(["--exit-on-error", "--no-owner"]).arg(format!("--dbname={}", owner.without_password()));
            run_tool(restore, Some(&mut reader), None)?;
            // The schema owner is under FORCE RLS too: the backup role (BYPASSRLS) counts.
            let mut conn = connect(&backup_role_url(config)?.with_database(&owner.database))?;
            compare(&manifest, &store::count_rows(&mut conn)?)?;
        }
    }
    Ok(manifest)
}

fn copy_all(reader: &mut impl Read, file: &mut std::fs::File) -> Result<u64, AppError> {
    io::copy(reader, file).map_err(|e| AppError::Invalid { field: "backup", message: format!("damaged: {e}") })
}

/// A SQLite file opened without the server's pragmas (no WAL switch on a copy).
fn plain_sqlite(path: &Path) -> Result<DbConnection, AppError> {
    let text = path.to_str().ok_or_else(|| internal("path is not UTF-8"))?;
    Ok(DbConnection::Sqlite(diesel::SqliteConnection::establish(text).map_err(|e| internal(format!("cannot open the copy: {e}")))?))
}

fn check_sqlite_integrity(path: &Path) -> Result<(), AppError> {
    let result = store::sqlite_integrity(&mut plain_sqlite(path)?)?;
    if result != "ok" {
        return Err(AppError::Invalid { field: "backup", message: format!("integrity check failed: {result}") });
    }
    Ok(())
}

/// The copy's rows per table must be the manifest's, and every audit chain must verify.
fn check_copy(db: &Db, manifest: &Manifest) -> Result<(i64, usize), AppError> {
    let counts = store::count_rows(&mut *db.conn()?)?;
    compare(manifest, &counts)?;
    let mut chains = vec![(crate::audit::model::PLATFORM_CHAIN.to_owned(), None)];
    for tenant in crate::tenants::store::list(&mut *db.conn()?)? {
        chains.push((tenant.slug, Some(TenantScope::named_by_operator(tenant.id))));
    }
    for (name, scope) in &chains {
        let report = match scope {
            Some(s) => db.tenant_tx(s, |tx| crate::audit::verify_chain(tx, s.tenant_id()))?,
            None => db.platform_tx(|tx| crate::audit::verify_chain(tx, crate::audit::model::PLATFORM_CHAIN))?,
        };
        if let Some(b) = report.first_break {
            return Err(AppError::Invalid {
                field: "backup",
                message: format!("audit chain {name} is broken at entry {}: {}", b.seq, b.reason),
            });
        }
    }
    Ok((counts.values().sum(), chains.len()))
}

fn compare(manifest: &Manifest, counts: &BTreeMap<String, i64>) -> Result<(), AppError> {
    for (table, expected) in &manifest.tables {
        let found = counts.get(table).copied();
        if found != Some(*expected) {
            let found = found.map_or_else(|| "no such table".to_owned(), |n| format!("{n} rows"));
            return Err(AppError::Invalid {
                field: "backup",
                message: format!("table {table}: the manifest says {expected} rows, the copy has {found}"),
            });
        }
    }
    if let Some(extra) = counts.keys().find(|t| !manifest.tables.contains_key(*t)) {
        return Err(AppError::Invalid { field: "backup", message: format!("table {extra} is in the copy but not in the manifest") });
    }
    Ok(())
}

fn backup_role_url(config: &Config) -> Result<PgUrl, AppError> {
    let url = config.backups.database_url.as_deref().ok_or_else(|| {
        AppError::Config(
            "backups.database_url is not set: PostgreSQL backups run as the read-only backup role (deploy/postgres/roles.sql)".into(),
        )
    })?;
    PgUrl::parse(url)
}

/// A PostgreSQL URL taken apart, so the password can go to a passfile.
#[derive(Clone, Debug)]
pub struct PgUrl {
    /// `postgres://user@host:port`
    base: String,
    /// As written in the URL (percent-encoded) and decoded.
    password: Option<(String, String)>,
    database: String,
    /// `?…` or empty.
    query: String,
}

impl PgUrl {
    pub fn parse(url: &str) -> Result<Self, AppError> {
        let bad = || AppError::Config("a PostgreSQL URL must look like postgres://user:password@host:port/database".into());
        let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
        let (rest, query) = rest.split_once('?').map_or((rest, String::new()), |(r, q)| (r, format!("?{q}")));
        let (authority, database) = rest.split_once('/').ok_or_else(bad)?;
        let (base, password) = match authority.rsplit_once('@') {
            Some((userinfo, host)) => match userinfo.split_once(':') {
                Some((user, raw)) => (
                    format!("{scheme}://{user}@{host}"),
                    Some((raw.to_owned(), percent_encoding::percent_decode_str(raw).decode_utf8_lossy().into_owned())),
                ),
                None => (format!("{scheme}://{userinfo}@{host}"), None),
            },
            None => (format!("{scheme}://{authority}"), None),
        };
        if database.is_empty() {
            return Err(bad());
        }
        Ok(Self { base, password, database: database.to_owned(), query })
    }

    pub fn with_database(&self, database: &str) -> Self {
        Self { database: database.to_owned(), ..self.clone() }
    }

    pub fn without_password(&self) -> String {
        format!("{}/{}{}", self.base, self.database, self.query)
    }

    /// With the password, for our own connections (never a command line).
    pub fn full(&self) -> String {
        match &self.password {
            Some((raw, _)) => {
                let (scheme, rest) = self.base.split_once("://").unwrap_or(("postgres", &self.base));
                let (user, host) = rest.rsplit_once('@').unwrap_or(("", rest));
                format!("{scheme}://{user}:{raw}@{host}/{}{}", self.database, self.query)
            }
            None => self.without_password(),
        }
    }
}

/// `pg_dump`/`pg_restore` with the password of `url` in a 0600 passfile in `work`.
fn pg_tool(program: &str, url: &PgUrl, work: &PrivateDir) -> Result<Command, AppError> {
    let mut command = Command::new(program);
    command.env_remove("PGPASSWORD").env_remove("PGPASSFILE");
    if let Some((_, password)) = &url.password {
        let (path, mut file) = work.create_file(&format!("pgpass-{}", uuid::Uuid::new_v4().simple()))?;
        let escaped = password.replace('\\', "\\\\").replace(':', "\\:");
        file.write_all(format!("*:*:*:*:{escaped}\n").as_bytes()).map_err(|e| internal(format!("cannot write the passfile: {e}")))?;
        command.env("PGPASSFILE", path);
    }
    Ok(command)
}

/// Runs a tool, feeding it `input` and/or copying its output into `output`; its exit
/// status decides, and a failure names the end of what it said on stderr.
fn run_tool(mut command: Command, input: Option<&mut dyn Read>, output: Option<&mut dyn Write>) -> Result<(), AppError> {
    let program = command.get_program().to_string_lossy().into_owned();
    command
        .stdin(if input.is_some() { Stdio::piped() } else { Stdio::null() })
        .stdout(if output.is_some() { Stdio::piped() } else { Stdio::null() })
        .stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| internal(format!("cannot run {program} (installed? PostgreSQL client tools): {e}")))?;
    let mut stderr = child.stderr.take().ok_or_else(|| internal("no stderr"))?;
    let said = std::thread::spawn(move || {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text);
        text
    });
    let mut fed = Ok(0);
    let feeder = match (input, child.stdin.take()) {
        (Some(input), Some(mut stdin)) => {
            // Input and output at once would need two threads; no caller needs both.
            fed = io::copy(input, &mut stdin);
            None
        }
        _ => child.stdout.take(),
    };
    let copied = match (feeder, output) {
        (Some(mut stdout), Some(output)) => io::copy(&mut stdout, output),
        _ => Ok(0),
    };
    let status = child.wait().map_err(|e| internal(format!("{program}: {e}")))?;
    let said = said.join().unwrap_or_default();
    if !status.success() {
        let tail: String = said.trim().chars().rev().take(400).collect::<Vec<_>>().into_iter().rev().collect();
        return Err(AppError::Internal(format!("{program} failed ({status}): {tail}")));
    }
    // A tool that succeeded may stop reading early (`pg_restore --list` reads the table
    // of contents only); the full restore that follows reads, and so authenticates, all.
    match fed {
        Err(e) if e.kind() != io::ErrorKind::BrokenPipe => {
            return Err(AppError::Invalid { field: "backup", message: format!("damaged: {e}") })
        }
        _ => {}
    }
    copied.map_err(|e| internal(format!("{program}: cannot write its output: {e}")))?;
    Ok(())
}

/// A scratch PostgreSQL database made by the backup role (CREATEDB), dropped when dropped.
struct ScratchDatabase {
    maintenance: PgUrl,
    name: String,
    url: PgUrl,
}

impl ScratchDatabase {
    fn create(backup: &PgUrl) -> Result<Self, AppError> {
        let maintenance = backup.with_database("postgres");
        let name = format!("anwesend_verify_{}", uuid::Uuid::new_v4().simple());
        let mut conn = connect(&maintenance)?;
        store::pg_create_database(&mut conn, &name)?;
        Ok(Self { url: backup.with_database(&name), maintenance, name })
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        match connect(&self.maintenance).and_then(|mut c| Ok(store::pg_drop_database(&mut c, &self.name)?)) {
            Ok(_) => {}
            Err(e) => tracing::error!(database = %self.name, cause = %e, "cannot drop the scratch database of a backup verification"),
        }
    }
}

fn connect(url: &PgUrl) -> Result<DbConnection, AppError> {
    Ok(DbConnection::Postgres(diesel::PgConnection::establish(&url.full()).map_err(|e| AppError::Unavailable(e.to_string()))?))
}
