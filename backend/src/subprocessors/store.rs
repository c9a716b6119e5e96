//! The register's queries: changes and versions (platform tables, only ever added to), each
//! tenant's notice period and objections (row-level security).

use diesel::prelude::*;

use super::model::{ChangeRow, ObjectionRow, SettingsRow, VersionRow, SETTING_NOTICE};
use crate::db::schema::{subprocessor_changes, subprocessor_objections, subprocessor_settings, subprocessor_versions};
use crate::db::{DbConnection, TenantTx};

pub fn insert_change(conn: &mut DbConnection, row: &ChangeRow) -> QueryResult<usize> {
    diesel::insert_into(subprocessor_changes::table).values(row).execute(conn)
}

pub fn insert_version(conn: &mut DbConnection, row: &VersionRow) -> QueryResult<usize> {
    diesel::insert_into(subprocessor_versions::table).values(row).execute(conn)
}

pub fn find_change(conn: &mut DbConnection, id: &str) -> QueryResult<Option<ChangeRow>> {
    subprocessor_changes::table.find(id).select(ChangeRow::as_select()).first(conn).optional()
}

/// Every change, newest effective date first.
pub fn changes(conn: &mut DbConnection) -> QueryResult<Vec<ChangeRow>> {
    subprocessor_changes::table
        .order((subprocessor_changes::effective_on.desc(), subprocessor_changes::id.desc()))
        .select(ChangeRow::as_select())
        .load(conn)
}

/// Every version, in the order they take effect (ids are UUIDv7: creation order on a tie).
pub fn versions(conn: &mut DbConnection) -> QueryResult<Vec<VersionRow>> {
    subprocessor_versions::table
        .order((subprocessor_versions::effective_on.asc(), subprocessor_versions::id.asc()))
        .select(VersionRow::as_select())
        .load(conn)
}

/// The tenant's notice period row, if a platform admin set one.
pub fn settings(tx: &mut TenantTx<'_>) -> QueryResult<Option<SettingsRow>> {
    let (conn, tenant_id) = tx.parts();
    subprocessor_settings::table.find((tenant_id, SETTING_NOTICE)).select(SettingsRow::as_select()).first(conn).optional()
}

/// Sets the tenant's notice period (insert or update; write transactions are serial per tenant row).
pub fn set_settings(tx: &mut TenantTx<'_>, row: &SettingsRow) -> QueryResult<usize> {
    let exists = settings(tx)?.is_some();
    let (conn, tenant_id) = tx.parts();
    if exists {
        diesel::update(subprocessor_settings::table.find((tenant_id, SETTING_NOTICE)))
            .set((
                subprocessor_settings::notice_days.eq(row.notice_days),
                subprocessor_settings::updated_by.eq(&row.updated_by),
                subprocessor_settings::updated_at.eq(row.updated_at),
            ))
            .execute(conn)
    } else {
        diesel::insert_into(subprocessor_settings::table).values(row).execute(conn)
    }
}

pub fn insert_objection(tx: &mut TenantTx<'_>, row: &ObjectionRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(subprocessor_objections::table).values(row).execute(conn)
}

/// The tenant's objection to one change.
pub fn objection_of(tx: &mut TenantTx<'_>, change_id: &str) -> QueryResult<Option<ObjectionRow>> {
    let (conn, tenant_id) = tx.parts();
    subprocessor_objections::table
        .filter(subprocessor_objections::tenant_id.eq(tenant_id))
        .filter(subprocessor_objections::change_id.eq(change_id))
        .select(ObjectionRow::as_select())
        .first(conn)
        .optional()
}

/// The tenant's objections, oldest first.
pub fn objections(tx: &mut TenantTx<'_>) -> QueryResult<Vec<ObjectionRow>> {
    let (conn, tenant_id) = tx.parts();
    subprocessor_objections::table
        .filter(subprocessor_objections::tenant_id.eq(tenant_id))
        .order(subprocessor_objections::objected_at.asc())
        .select(ObjectionRow::as_select())
        .load(conn)
}
