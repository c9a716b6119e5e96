use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::KeyRow;
use crate::db::schema::platform_signing_keys as k;
use crate::db::DbConnection;

pub fn all(conn: &mut DbConnection) -> QueryResult<Vec<KeyRow>> {
    k::table.order((k::valid_from.desc(), k::key_id)).select(KeyRow::as_select()).load(conn)
}

pub fn find(conn: &mut DbConnection, key_id: &str) -> QueryResult<Option<KeyRow>> {
    k::table.find(key_id).select(KeyRow::as_select()).first(conn).optional()
}

/// Ends the validity of every key still open.
pub fn close_open(conn: &mut DbConnection, at: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(k::table.filter(k::valid_until.is_null())).set(k::valid_until.eq(Some(at))).execute(conn)
}

/// Opens a key again (the master key was changed back).
pub fn reopen(conn: &mut DbConnection, key_id: &str) -> QueryResult<usize> {
    diesel::update(k::table.find(key_id)).set(k::valid_until.eq(None::<NaiveDateTime>)).execute(conn)
}

pub fn insert(conn: &mut DbConnection, row: &KeyRow) -> QueryResult<usize> {
    diesel::insert_into(k::table).values(row).execute(conn)
}
