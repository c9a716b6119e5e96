use std::collections::BTreeMap;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};

use super::model::{RunKind, RunRow};
use crate::db::schema::backup_runs;
use crate::db::DbConnection;

pub fn insert_run(conn: &mut DbConnection, row: &RunRow) -> QueryResult<usize> {
    diesel::insert_into(backup_runs::table).values(row).execute(conn)
}

/// The newest successful run of a kind.
pub fn last_ok(conn: &mut DbConnection, kind: RunKind) -> QueryResult<Option<RunRow>> {
    backup_runs::table
        .filter(backup_runs::kind.eq(kind.as_str()))
        .filter(backup_runs::ok.eq(true))
        .order(backup_runs::finished_at.desc())
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

/// The newest run of a kind, failed or not.
pub fn last_of(conn: &mut DbConnection, kind: RunKind) -> QueryResult<Option<RunRow>> {
    backup_runs::table
        .filter(backup_runs::kind.eq(kind.as_str()))
        .order(backup_runs::finished_at.desc())
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

/// The successful backup that wrote the file `name`.
pub fn created_file(conn: &mut DbConnection, name: &str) -> QueryResult<Option<RunRow>> {
    backup_runs::table
        .filter(backup_runs::kind.eq(RunKind::Create.as_str()))
        .filter(backup_runs::ok.eq(true))
        .filter(backup_runs::file_name.eq(name))
        .select(RunRow::as_select())
        .first(conn)
        .optional()
}

pub fn recent(conn: &mut DbConnection, limit: i64) -> QueryResult<Vec<RunRow>> {
    backup_runs::table.order(backup_runs::finished_at.desc()).limit(limit).select(RunRow::as_select()).load(conn)
}

#[derive(QueryableByName)]
struct Name {
    #[diesel(sql_type = Text)]
    name: String,
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

/// Rows per table of the database behind `conn` (every table of the schema, the
/// migrations' own included), as the connection's transaction sees them.
pub fn count_rows(conn: &mut DbConnection) -> QueryResult<BTreeMap<String, i64>> {
    let list = match conn {
        DbConnection::Postgres(_) => "SELECT tablename::text AS name FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename",
        DbConnection::Sqlite(_) => "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name",
    };
    let names: Vec<Name> = diesel::sql_query(list).load(conn)?;
    let mut counts = BTreeMap::new();
    for Name { name } in names {
        // Our own schema's names; anything else is not counted into a quoted identifier.
        if !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(diesel::result::Error::QueryBuilderError(format!("unexpected table name {name:?}").into()));
        }
        let Count { n } = diesel::sql_query(format!("SELECT COUNT(*) AS n FROM \"{name}\"")).get_result(conn)?;
        counts.insert(name, n);
    }
    Ok(counts)
}

/// `PRAGMA integrity_check` of a SQLite database: "ok", or what is broken.
pub fn sqlite_integrity(conn: &mut DbConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Check {
        #[diesel(sql_type = Text)]
        integrity_check: String,
    }
    let rows: Vec<Check> = diesel::sql_query("PRAGMA integrity_check").load(conn)?;
    Ok(rows.into_iter().map(|r| r.integrity_check).collect::<Vec<_>>().join("; "))
}

/// SQLite: a consistent copy of the whole database into a new file, while others write.
pub fn sqlite_vacuum_into(conn: &mut DbConnection, path: &str) -> QueryResult<usize> {
    diesel::sql_query("VACUUM INTO ?").bind::<Text, _>(path).execute(conn)
}

/// PostgreSQL: a snapshot that `pg_dump --snapshot` shares, in the open repeatable-read
/// transaction of `conn`.
pub fn pg_export_snapshot(conn: &mut DbConnection) -> QueryResult<String> {
    #[derive(QueryableByName)]
    struct Snapshot {
        #[diesel(sql_type = Text)]
        id: String,
    }
    Ok(diesel::sql_query("SELECT pg_export_snapshot() AS id").get_result::<Snapshot>(conn)?.id)
}

/// PostgreSQL: whether the database has no table yet (a restore goes only there).
pub fn pg_is_empty(conn: &mut DbConnection) -> QueryResult<bool> {
    let Count { n } = diesel::sql_query("SELECT COUNT(*) AS n FROM pg_tables WHERE schemaname = 'public'").get_result(conn)?;
    Ok(n == 0)
}

/// `CREATE DATABASE` / `DROP DATABASE` of a verification's scratch copy (names we made).
pub fn pg_create_database(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::sql_query(format!("CREATE DATABASE \"{name}\"")).execute(conn)
}

pub fn pg_drop_database(conn: &mut DbConnection, name: &str) -> QueryResult<usize> {
    diesel::sql_query(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)")).execute(conn)
}
