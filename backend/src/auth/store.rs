use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{Membership, Session};
use crate::db::schema::{memberships, sessions};
use crate::db::DbConnection;

pub fn insert_membership(conn: &mut DbConnection, m: &Membership) -> QueryResult<usize> {
    diesel::insert_into(memberships::table).values(m).execute(conn)
}

pub fn memberships_of(conn: &mut DbConnection, account_id: &str) -> QueryResult<Vec<Membership>> {
    memberships::table
        .filter(memberships::account_id.eq(account_id))
        .order(memberships::created_at.asc())
        .select(Membership::as_select())
        .load(conn)
}

pub fn insert_session(conn: &mut DbConnection, s: &Session) -> QueryResult<usize> {
    diesel::insert_into(sessions::table).values(s).execute(conn)
}

pub fn session_by_token_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Session>> {
    sessions::table.filter(sessions::token_hash.eq(hash)).select(Session::as_select()).first(conn).optional()
}

pub fn touch_session(conn: &mut DbConnection, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id)).set(sessions::last_seen_at.eq(now)).execute(conn)
}

/// Ends a live session; returns 0 when it had already ended.
pub fn end_session(conn: &mut DbConnection, id: &str, now: NaiveDateTime, reason: &str) -> QueryResult<usize> {
    diesel::update(sessions::table.find(id).filter(sessions::ended_at.is_null()))
        .set((sessions::ended_at.eq(now), sessions::end_reason.eq(reason)))
        .execute(conn)
}

/// Live sessions of an account (not ended, not past their absolute end), newest first.
pub fn live_sessions(conn: &mut DbConnection, account_id: &str, now: NaiveDateTime) -> QueryResult<Vec<Session>> {
    sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::expires_at.gt(now))
        .order(sessions::last_seen_at.desc())
        .select(Session::as_select())
        .load(conn)
}

/// Ends every live session of an account except `keep`; returns the ended ids.
pub fn end_sessions_of(conn: &mut DbConnection, account_id: &str, keep: Option<&str>, now: NaiveDateTime, reason: &str) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = sessions::table
        .filter(sessions::account_id.eq(account_id))
        .filter(sessions::ended_at.is_null())
        .filter(sessions::id.ne(keep.unwrap_or("")))
        .select(sessions::id)
        .load(conn)?;
    if !ids.is_empty() {
        diesel::update(sessions::table.filter(sessions::id.eq_any(&ids)))
            .set((sessions::ended_at.eq(now), sessions::end_reason.eq(reason)))
            .execute(conn)?;
    }
    Ok(ids)
}

pub fn set_password_hash(conn: &mut DbConnection, account_id: &str, hash: &str, now: NaiveDateTime) -> QueryResult<usize> {
    use crate::db::schema::accounts;
    diesel::update(accounts::table.find(account_id))
        .set((accounts::password_hash.eq(hash), accounts::updated_at.eq(now)))
        .execute(conn)
}
