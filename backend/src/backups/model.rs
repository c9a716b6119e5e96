use std::collections::BTreeMap;

use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};

use crate::db::schema::backup_runs;

/// The first line of a backup's plaintext; the manifest follows on the second line, then
/// the database to the end.
pub const MAGIC: &str = "anwesend-backup 1";

closed_set! {
    /// Which database a backup holds, and so how it is restored.
    pub enum DatabaseKind {
        /// A SQLite database file (a `VACUUM INTO` snapshot).
        Sqlite = "sqlite",
        /// A `pg_dump -Fc` archive.
        Postgres = "postgres",
    }
}

/// What a backup says about itself (inside the encryption).
#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub database: DatabaseKind,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    pub app_version: String,
    /// Rows per table in the copy, counted in the same snapshot as the copy.
    pub tables: BTreeMap<String, i64>,
}

closed_set! {
    /// The kinds of backup work the platform records.
    pub enum RunKind {
        Create = "create",
        Verify = "verify",
        Prune = "prune",
    }
}

#[derive(Queryable, Insertable, Selectable, Debug, Clone)]
#[diesel(table_name = backup_runs)]
pub struct RunRow {
    pub id: String,
    pub kind: String,
    pub started_at: NaiveDateTime,
    pub finished_at: NaiveDateTime,
    pub ok: bool,
    pub file_name: Option<String>,
    pub size_bytes: Option<i64>,
    pub detail: String,
}

/// One backup, verification or prune, as platform admins see it.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct BackupRun {
    pub kind: RunKind,
    #[serde(with = "crate::timestamp")]
    pub started_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub finished_at: NaiveDateTime,
    pub ok: bool,
    /// The backup file's name (never a path).
    pub file_name: Option<String>,
    pub size_bytes: Option<i64>,
    /// What happened, or why it failed (no personal data).
    pub detail: String,
}

/// `GET /api/v1/platform/backups`: the last successful backup and verification, and the
/// latest runs of every kind.
#[derive(Serialize, Debug, Clone, utoipa::ToSchema)]
pub struct BackupStatus {
    pub last_backup: Option<BackupRun>,
    pub last_verification: Option<BackupRun>,
    /// The newest 20 runs, newest first, failures included.
    pub recent: Vec<BackupRun>,
    /// Whether the server takes and verifies backups itself.
    pub scheduled: bool,
    pub keep_days: u32,
}

impl RunRow {
    pub fn view(self) -> Result<BackupRun, crate::AppError> {
        Ok(BackupRun {
            kind: RunKind::from_stored(&self.kind)?,
            started_at: self.started_at,
            finished_at: self.finished_at,
            ok: self.ok,
            file_name: self.file_name,
            size_bytes: self.size_bytes,
            detail: self.detail,
        })
    }
}

/// What `verify` found.
#[derive(Debug, Clone)]
pub struct Verification {
    pub manifest: Manifest,
    pub tables: usize,
    pub rows: i64,
    /// Audit chains checked (the platform's and every tenant's).
    pub chains: usize,
}

/// What `restore` did after the copy was in place.
#[derive(Debug, Clone)]
pub struct Restored {
    pub manifest: Manifest,
    /// People erased after the backup was taken, erased again from the ledger.
    pub erased_again: usize,
    /// Tenants offboarded after the backup: their keys are destroyed, so their restored
    /// rows were deleted again and the tenant stays offboarded.
    pub offboarded_again: Vec<String>,
}
