use diesel::prelude::*;

use super::model::Company;
use crate::db::schema::companies;
use crate::db::DbConnection;

pub fn insert(conn: &mut DbConnection, company: &Company) -> QueryResult<usize> {
    diesel::insert_into(companies::table).values(company).execute(conn)
}

pub fn list(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Vec<Company>> {
    companies::table.filter(companies::tenant_id.eq(tenant_id)).order(companies::name.asc()).select(Company::as_select()).load(conn)
}

pub fn exists(conn: &mut DbConnection, tenant_id: &str, id: &str) -> QueryResult<bool> {
    diesel::select(diesel::dsl::exists(companies::table.find((tenant_id, id)))).get_result(conn)
}
