use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{CardEnrolmentRow, DeviceRow, EnrolmentRow};
use crate::db::schema::{card_enrolments, device_enrolments, device_nonces, devices};
use crate::db::DbConnection;

pub fn insert_enrolment(conn: &mut DbConnection, row: &EnrolmentRow) -> QueryResult<usize> {
    diesel::insert_into(device_enrolments::table).values(row).execute(conn)
}

pub fn enrolment_by_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<EnrolmentRow>> {
    device_enrolments::table.filter(device_enrolments::code_hash.eq(hash)).select(EnrolmentRow::as_select()).first(conn).optional()
}

/// Marks a code used; 0 when it was used already (single use, even under a race).
pub fn use_enrolment(conn: &mut DbConnection, tenant_id: &str, id: &str, device_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(device_enrolments::table.find((tenant_id, id)).filter(device_enrolments::used_at.is_null()))
        .set((device_enrolments::used_at.eq(now), device_enrolments::device_id.eq(device_id)))
        .execute(conn)
}

pub fn insert(conn: &mut DbConnection, row: &DeviceRow) -> QueryResult<usize> {
    diesel::insert_into(devices::table).values(row).execute(conn)
}

/// A device by id alone: device requests name no tenant before they are verified.
pub fn by_id(conn: &mut DbConnection, id: &str) -> QueryResult<Option<DeviceRow>> {
    devices::table.filter(devices::id.eq(id)).select(DeviceRow::as_select()).first(conn).optional()
}

pub fn find(conn: &mut DbConnection, tenant_id: &str, id: &str) -> QueryResult<Option<DeviceRow>> {
    devices::table.find((tenant_id, id)).select(DeviceRow::as_select()).first(conn).optional()
}

pub fn list(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Vec<DeviceRow>> {
    devices::table.filter(devices::tenant_id.eq(tenant_id)).order(devices::created_at.asc()).select(DeviceRow::as_select()).load(conn)
}

pub fn update_settings(conn: &mut DbConnection, d: &DeviceRow) -> QueryResult<usize> {
    diesel::update(devices::table.find((&d.tenant_id, &d.id)))
        .set((
            devices::name.eq(&d.name),
            devices::location_id.eq(&d.location_id),
            devices::mode.eq(&d.mode),
            devices::duplicate_window_seconds.eq(d.duplicate_window_seconds),
            devices::late_upload_after_seconds.eq(d.late_upload_after_seconds),
            devices::session_ids.eq(&d.session_ids),
        ))
        .execute(conn)
}

pub fn heartbeat(
    conn: &mut DbConnection,
    tenant_id: &str,
    id: &str,
    version: &str,
    readers: &str,
    queue: i32,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    diesel::update(devices::table.find((tenant_id, id)))
        .set((
            devices::agent_version.eq(version),
            devices::readers.eq(readers),
            devices::queue_length.eq(queue),
            devices::last_heartbeat_at.eq(now),
        ))
        .execute(conn)
}

pub fn revoke(conn: &mut DbConnection, tenant_id: &str, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(devices::table.find((tenant_id, id)).filter(devices::revoked_at.is_null()))
        .set(devices::revoked_at.eq(now))
        .execute(conn)
}

/// Records a nonce; false when the device used it before (a replay).
pub fn remember_nonce(conn: &mut DbConnection, tenant_id: &str, device_id: &str, nonce: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let seen: bool = diesel::select(diesel::dsl::exists(device_nonces::table.find((tenant_id, device_id, nonce)))).get_result(conn)?;
    if seen {
        return Ok(false);
    }
    diesel::insert_into(device_nonces::table)
        .values((
            device_nonces::tenant_id.eq(tenant_id),
            device_nonces::device_id.eq(device_id),
            device_nonces::nonce.eq(nonce),
            device_nonces::seen_at.eq(now),
        ))
        .execute(conn)?;
    Ok(true)
}

/// Nonces older than the timestamp window can never be replayed: a stale timestamp is refused first.
pub fn forget_nonces(conn: &mut DbConnection, tenant_id: &str, before: NaiveDateTime) -> QueryResult<usize> {
    diesel::delete(device_nonces::table.filter(device_nonces::tenant_id.eq(tenant_id)).filter(device_nonces::seen_at.lt(before)))
        .execute(conn)
}

pub fn set_card_enrolment(conn: &mut DbConnection, row: &CardEnrolmentRow) -> QueryResult<()> {
    diesel::delete(card_enrolments::table.find((&row.tenant_id, &row.device_id))).execute(conn)?;
    diesel::insert_into(card_enrolments::table).values(row).execute(conn)?;
    Ok(())
}

pub fn card_enrolment(conn: &mut DbConnection, tenant_id: &str, device_id: &str) -> QueryResult<Option<CardEnrolmentRow>> {
    card_enrolments::table.find((tenant_id, device_id)).select(CardEnrolmentRow::as_select()).first(conn).optional()
}

pub fn card_enrolments(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Vec<CardEnrolmentRow>> {
    card_enrolments::table.filter(card_enrolments::tenant_id.eq(tenant_id)).select(CardEnrolmentRow::as_select()).load(conn)
}

pub fn clear_card_enrolment(conn: &mut DbConnection, tenant_id: &str, device_id: &str) -> QueryResult<usize> {
    diesel::delete(card_enrolments::table.find((tenant_id, device_id))).execute(conn)
}
