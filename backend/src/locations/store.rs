use diesel::prelude::*;

use super::model::Location;
use crate::db::schema::locations;
use crate::db::TenantTx;

pub fn insert(tx: &mut TenantTx<'_>, location: &Location) -> QueryResult<usize> {
    diesel::insert_into(locations::table).values(location).execute(tx.conn())
}

pub fn list(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Location>> {
    let (conn, t) = tx.parts();
    locations::table.filter(locations::tenant_id.eq(t)).order(locations::name.asc()).select(Location::as_select()).load(conn)
}

/// The ids of a location and of its rooms.
pub fn with_rooms(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Vec<String>> {
    let (conn, t) = tx.parts();
    locations::table
        .filter(locations::tenant_id.eq(t))
        .filter(locations::id.eq(id).or(locations::parent_id.eq(id)))
        .select(locations::id)
        .load(conn)
}

pub fn rename(tx: &mut TenantTx<'_>, id: &str, name: &str, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    diesel::update(locations::table.find((t, id))).set((locations::name.eq(name), locations::updated_at.eq(now))).execute(conn)
}
