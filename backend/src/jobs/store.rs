use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::JobRow;
use crate::db::schema::scheduled_jobs;
use crate::db::DbConnection;

pub fn find(conn: &mut DbConnection, name: &str) -> QueryResult<Option<JobRow>> {
    scheduled_jobs::table.find(name).select(JobRow::as_select()).first(conn).optional()
}

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<JobRow>> {
    scheduled_jobs::table.order(scheduled_jobs::name.asc()).select(JobRow::as_select()).load(conn)
}

/// Records the start of a run (the row is made on a job's first run).
pub fn started(conn: &mut DbConnection, name: &str, at: NaiveDateTime) -> QueryResult<()> {
    let n = diesel::update(scheduled_jobs::table.find(name)).set(scheduled_jobs::last_started_at.eq(at)).execute(conn)?;
    if n == 0 {
        diesel::insert_into(scheduled_jobs::table)
            .values(&JobRow { name: name.to_owned(), last_started_at: Some(at), last_success_at: None, last_failure_at: None, runs: 0 })
            .execute(conn)?;
    }
    Ok(())
}

pub fn succeeded(conn: &mut DbConnection, name: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(scheduled_jobs::table.find(name))
        .set((scheduled_jobs::last_success_at.eq(at), scheduled_jobs::runs.eq(scheduled_jobs::runs + 1)))
        .execute(conn)
}

pub fn failed(conn: &mut DbConnection, name: &str, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(scheduled_jobs::table.find(name)).set(scheduled_jobs::last_failure_at.eq(at)).execute(conn)
}
