use diesel::prelude::*;

use super::model::Location;
use crate::db::schema::locations;
use crate::db::DbConnection;

pub fn insert(conn: &mut DbConnection, location: &Location) -> QueryResult<usize> {
    diesel::insert_into(locations::table).values(location).execute(conn)
}

pub fn list(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Vec<Location>> {
    locations::table.filter(locations::tenant_id.eq(tenant_id)).order(locations::name.asc()).select(Location::as_select()).load(conn)
}

pub fn rename(conn: &mut DbConnection, tenant_id: &str, id: &str, name: &str, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    diesel::update(locations::table.find((tenant_id, id))).set((locations::name.eq(name), locations::updated_at.eq(now))).execute(conn)
}
