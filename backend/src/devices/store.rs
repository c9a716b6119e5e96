use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{CardEnrolmentRow, DeviceRow, EnrolmentRow};
use crate::db::schema::{card_enrolments, device_enrolments, device_nonces, devices, tenant_keys, tenants};
use crate::db::{DbConnection, Located, TenantTx};
use crate::tenants::model::TenantKeyRow;

pub fn insert_enrolment(tx: &mut TenantTx<'_>, row: &EnrolmentRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(device_enrolments::table).values(row).execute(conn)
}

/// Unscoped: an enrolment code is all a new device has. Answers the tenant and id; the
/// code is then read in that tenant (`TenantScope::named_by_token`).
pub fn locate_enrolment_by_code_hash(conn: &mut DbConnection, hash: &[u8]) -> QueryResult<Option<Located>> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT found_tenant, found_id FROM device_enrolment_by_code($1)")
            .bind::<diesel::sql_types::Binary, _>(hash)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => device_enrolments::table
            .filter(device_enrolments::code_hash.eq(hash))
            .select((device_enrolments::tenant_id, device_enrolments::id))
            .first::<(String, String)>(c)
            .optional()
            .map(|found| found.map(Located::from)),
    }
}

pub fn enrolment(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<EnrolmentRow>> {
    let (conn, tenant_id) = tx.parts();
    device_enrolments::table.find((tenant_id, id)).select(EnrolmentRow::as_select()).first(conn).optional()
}

/// Marks a code used; 0 when it was used already (single use, even under a race).
pub fn use_enrolment(tx: &mut TenantTx<'_>, id: &str, device_id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(device_enrolments::table.find((tenant_id, id)).filter(device_enrolments::used_at.is_null()))
        .set((device_enrolments::used_at.eq(now), device_enrolments::device_id.eq(device_id)))
        .execute(conn)
}

pub fn insert(tx: &mut TenantTx<'_>, row: &DeviceRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(devices::table).values(row).execute(conn)
}

/// Unscoped: a device request names the device by id alone. Answers its tenant; the row
/// is read there and the signature verified with its secret (`TenantScope::named_by_device`).
pub fn locate(conn: &mut DbConnection, id: &str) -> QueryResult<Option<Located>> {
    match conn {
        DbConnection::Postgres(c) => diesel::sql_query("SELECT found_tenant, found_id FROM device_by_id($1)")
            .bind::<diesel::sql_types::Text, _>(id)
            .get_result(c)
            .optional(),
        DbConnection::Sqlite(c) => devices::table
            .filter(devices::id.eq(id))
            .select((devices::tenant_id, devices::id))
            .first::<(String, String)>(c)
            .optional()
            .map(|found| found.map(Located::from)),
    }
}

pub fn find(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<DeviceRow>> {
    let (conn, tenant_id) = tx.parts();
    devices::table.find((tenant_id, id)).select(DeviceRow::as_select()).first(conn).optional()
}

/// The insert of a nonce, one statement: a nonce already stored (or being stored by a
/// concurrent request, which PostgreSQL waits for) inserts nothing. A macro, as diesel's
/// insert types cannot be named by `auto_type`.
macro_rules! nonce_insert {
    ($tenant_id:expr, $device_id:expr, $nonce:expr, $now:expr) => {
        diesel::insert_into(device_nonces::table)
            .values((
                device_nonces::tenant_id.eq($tenant_id),
                device_nonces::device_id.eq($device_id),
                device_nonces::nonce.eq($nonce),
                device_nonces::seen_at.eq($now),
            ))
            .on_conflict_do_nothing()
    };
}

/// A device's row, its tenant's status and one of the tenant's live keys (`None` when it
/// has none).
pub type RequestRow = (DeviceRow, String, Option<TenantKeyRow>);

/// The device, its tenant's status and the tenant's live keys (newest first), in one
/// read: what verifying a signed request needs.
#[diesel::dsl::auto_type]
fn request_rows<'a>(tenant_id: &'a str, id: &'a str) -> _ {
    devices::table
        .inner_join(tenants::table.on(tenants::id.eq(devices::tenant_id)))
        .left_join(tenant_keys::table.on(tenant_keys::tenant_id.eq(devices::tenant_id).and(tenant_keys::destroyed_at.is_null())))
        .filter(devices::tenant_id.eq(tenant_id))
        .filter(devices::id.eq(id))
        .order(tenant_keys::created_at.nullable().desc())
}

pub fn find_for_request(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Vec<RequestRow>> {
    let (conn, tenant_id) = tx.parts();
    native!(conn, |c| request_rows(tenant_id, id)
        .select((DeviceRow::as_select(), tenants::status, Option::<TenantKeyRow>::as_select()))
        .load(c))
}

/// `find_for_request` and `remember_nonce` in one PostgreSQL statement, the nonce written
/// first (`db::with`): a round trip less per device request. The caller rolls the
/// transaction back if it refuses the request, so a refused request leaves no nonce
/// behind. SQLite verifies in a read transaction instead (`signed::verify`).
pub fn find_for_request_remembering(
    tx: &mut TenantTx<'_>,
    id: &str,
    nonce: &str,
    now: NaiveDateTime,
) -> QueryResult<(Vec<RequestRow>, bool)> {
    let (DbConnection::Postgres(c), tenant_id) = tx.parts() else {
        return Err(diesel::result::Error::QueryBuilderError("a nonce written with the read is for PostgreSQL only".into()));
    };
    let remember = nonce_insert!(tenant_id, id, nonce, now).returning(device_nonces::nonce);
    let rows = request_rows(tenant_id, id).select((
        DeviceRow::as_select(),
        tenants::status,
        Option::<TenantKeyRow>::as_select(),
        crate::db::FirstWriteReturned,
    ));
    let found: Vec<(DeviceRow, String, Option<TenantKeyRow>, bool)> = crate::db::with(vec![Box::new(remember)], rows).load(c)?;
    let new = found.first().is_some_and(|row| row.3);
    Ok((found.into_iter().map(|(device, status, key, _)| (device, status, key)).collect(), new))
}

pub fn list(tx: &mut TenantTx<'_>) -> QueryResult<Vec<DeviceRow>> {
    let (conn, tenant_id) = tx.parts();
    devices::table.filter(devices::tenant_id.eq(tenant_id)).order(devices::created_at.asc()).select(DeviceRow::as_select()).load(conn)
}

pub fn update_settings(tx: &mut TenantTx<'_>, d: &DeviceRow) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(devices::table.find((tenant_id, &d.id)))
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
    tx: &mut TenantTx<'_>,
    id: &str,
    version: &str,
    readers: &str,
    queue: i32,
    secure_cards: bool,
    now: NaiveDateTime,
) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(devices::table.find((tenant_id, id)))
        .set((
            devices::agent_version.eq(version),
            devices::readers.eq(readers),
            devices::queue_length.eq(queue),
            devices::secure_cards.eq(secure_cards),
            devices::last_heartbeat_at.eq(now),
        ))
        .execute(conn)
}

pub fn revoke(tx: &mut TenantTx<'_>, id: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(devices::table.find((tenant_id, id)).filter(devices::revoked_at.is_null()))
        .set(devices::revoked_at.eq(now))
        .execute(conn)
}

/// Records a nonce; false when the device used it before (a replay).
pub fn remember_nonce(tx: &mut TenantTx<'_>, device_id: &str, nonce: &str, now: NaiveDateTime) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    Ok(native!(conn, |c| nonce_insert!(tenant_id, device_id, nonce, now).execute(c))? == 1)
}

/// Nonces older than the timestamp window can never be replayed: a stale timestamp is refused first.
pub fn forget_nonces(tx: &mut TenantTx<'_>, before: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(device_nonces::table.filter(device_nonces::tenant_id.eq(tenant_id)).filter(device_nonces::seen_at.lt(before)))
        .execute(conn)
}

pub fn set_card_enrolment(tx: &mut TenantTx<'_>, row: &CardEnrolmentRow) -> QueryResult<()> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(card_enrolments::table.find((tenant_id, &row.device_id))).execute(conn)?;
    diesel::insert_into(card_enrolments::table).values(row).execute(conn)?;
    Ok(())
}

pub fn card_enrolment(tx: &mut TenantTx<'_>, device_id: &str) -> QueryResult<Option<CardEnrolmentRow>> {
    let (conn, tenant_id) = tx.parts();
    card_enrolments::table.find((tenant_id, device_id)).select(CardEnrolmentRow::as_select()).first(conn).optional()
}

pub fn card_enrolments(tx: &mut TenantTx<'_>) -> QueryResult<Vec<CardEnrolmentRow>> {
    let (conn, tenant_id) = tx.parts();
    card_enrolments::table.filter(card_enrolments::tenant_id.eq(tenant_id)).select(CardEnrolmentRow::as_select()).load(conn)
}

pub fn clear_card_enrolment(tx: &mut TenantTx<'_>, device_id: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(card_enrolments::table.find((tenant_id, device_id))).execute(conn)
}
