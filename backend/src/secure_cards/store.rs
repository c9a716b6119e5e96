use diesel::prelude::*;

use super::model::SettingsRow;
use crate::db::schema::secure_card_settings;
use crate::db::TenantTx;

/// The one key of a tenant's `secure_card_settings` row.
pub const SECURE_SETTING: &str = "sdm";

pub fn settings(tx: &mut TenantTx<'_>) -> QueryResult<Option<SettingsRow>> {
    let (conn, tenant_id) = tx.parts();
    secure_card_settings::table.find((tenant_id, SECURE_SETTING)).select(SettingsRow::as_select()).first(conn).optional()
}

pub fn insert(tx: &mut TenantTx<'_>, row: &SettingsRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(secure_card_settings::table).values(row).execute(conn)
}

pub fn set_required(tx: &mut TenantTx<'_>, required: bool, now: chrono::NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(secure_card_settings::table.find((tenant_id, SECURE_SETTING)))
        .set((secure_card_settings::required.eq(required), secure_card_settings::updated_at.eq(now)))
        .execute(conn)
}

pub fn new_row(tenant_id: &str, required: bool, meta: Vec<u8>, master: Vec<u8>, now: chrono::NaiveDateTime) -> SettingsRow {
    SettingsRow {
        tenant_id: tenant_id.to_owned(),
        setting: SECURE_SETTING.to_owned(),
        required,
        meta_read_key_ciphertext: meta,
        file_read_master_ciphertext: master,
        updated_at: now,
    }
}
