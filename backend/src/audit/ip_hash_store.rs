//! Queries for `ip_hash_keys`.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::ip_hash_keys;
use crate::db::DbConnection;

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = ip_hash_keys)]
pub struct IpHashKeyRow {
    pub id: String,
    pub valid_from: NaiveDateTime,
    pub valid_until: NaiveDateTime,
    pub wrapped_key: Option<Vec<u8>>,
    pub master_key_id: String,
    pub created_at: NaiveDateTime,
    pub destroyed_at: Option<NaiveDateTime>,
}

pub fn find(conn: &mut DbConnection, id: &str) -> QueryResult<Option<IpHashKeyRow>> {
    ip_hash_keys::table.find(id).select(IpHashKeyRow::as_select()).first(conn).optional()
}

pub fn insert(conn: &mut DbConnection, row: &IpHashKeyRow) -> QueryResult<usize> {
    diesel::insert_into(ip_hash_keys::table).values(row).execute(conn)
}

/// Destroys the key material of every key whose period ended before `cutoff`.
/// Returns the ids destroyed.
pub fn destroy_ended_before(conn: &mut DbConnection, cutoff: NaiveDateTime, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    let ids: Vec<String> = ip_hash_keys::table
        .filter(ip_hash_keys::valid_until.le(cutoff))
        .filter(ip_hash_keys::wrapped_key.is_not_null())
        .select(ip_hash_keys::id)
        .load(conn)?;
    if !ids.is_empty() {
        diesel::update(ip_hash_keys::table.filter(ip_hash_keys::id.eq_any(&ids)))
            .set((ip_hash_keys::wrapped_key.eq(None::<Vec<u8>>), ip_hash_keys::destroyed_at.eq(now)))
            .execute(conn)?;
    }
    Ok(ids)
}
