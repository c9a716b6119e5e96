use diesel::prelude::*;

use super::model::Company;
use crate::db::schema::companies;
use crate::db::TenantTx;

pub fn insert(tx: &mut TenantTx<'_>, company: &Company) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(companies::table).values(company).execute(conn)
}

pub fn list(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Company>> {
    let (conn, tenant_id) = tx.parts();
    companies::table.filter(companies::tenant_id.eq(tenant_id)).order(companies::name.asc()).select(Company::as_select()).load(conn)
}

pub fn exists(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(companies::table.find((tenant_id, id)))).get_result(conn)
}
