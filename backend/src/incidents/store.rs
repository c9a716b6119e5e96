//! The incident register's queries: the platform's incidents and timeline, each tenant's
//! notices (row-level security), and the counts a scope is computed from.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{IncidentRow, NoticeEdit, NoticeRow, NoticeStatus, UpdateRow};
use crate::db::schema::{attendance, audit_entries, bookings, incident_notices, incident_updates, incidents, participants, sessions};
use crate::db::{DbConnection, TenantTx};

pub fn insert_incident(conn: &mut DbConnection, row: &IncidentRow) -> QueryResult<usize> {
    diesel::insert_into(incidents::table).values(row).execute(conn)
}

pub fn find_incident(conn: &mut DbConnection, id: &str) -> QueryResult<Option<IncidentRow>> {
    incidents::table.find(id).select(IncidentRow::as_select()).first(conn).optional()
}

/// Newest first.
pub fn list_incidents(conn: &mut DbConnection) -> QueryResult<Vec<IncidentRow>> {
    incidents::table.order(incidents::discovered_at.desc()).select(IncidentRow::as_select()).load(conn)
}

pub fn set_status(conn: &mut DbConnection, id: &str, status: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(incidents::table.find(id)).set((incidents::status.eq(status), incidents::updated_at.eq(now))).execute(conn)
}

pub fn insert_update(conn: &mut DbConnection, row: &UpdateRow) -> QueryResult<usize> {
    diesel::insert_into(incident_updates::table).values(row).execute(conn)
}

/// The incident's timeline, oldest first (ids are UUIDv7: creation order).
pub fn updates(conn: &mut DbConnection, incident_id: &str) -> QueryResult<Vec<UpdateRow>> {
    incident_updates::table
        .filter(incident_updates::incident_id.eq(incident_id))
        .order((incident_updates::created_at.asc(), incident_updates::id.asc()))
        .select(UpdateRow::as_select())
        .load(conn)
}

pub fn insert_notice(tx: &mut TenantTx<'_>, row: &NoticeRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(incident_notices::table).values(row).execute(conn)
}

/// The tenant's notice of one incident.
pub fn notice_of(tx: &mut TenantTx<'_>, incident_id: &str) -> QueryResult<Option<NoticeRow>> {
    let (conn, tenant_id) = tx.parts();
    incident_notices::table
        .filter(incident_notices::tenant_id.eq(tenant_id))
        .filter(incident_notices::incident_id.eq(incident_id))
        .select(NoticeRow::as_select())
        .first(conn)
        .optional()
}

pub fn notice(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<NoticeRow>> {
    let (conn, tenant_id) = tx.parts();
    incident_notices::table.find((tenant_id, id)).select(NoticeRow::as_select()).first(conn).optional()
}

/// The tenant's sent notices, newest first.
pub fn sent_notices(tx: &mut TenantTx<'_>) -> QueryResult<Vec<NoticeRow>> {
    let (conn, tenant_id) = tx.parts();
    incident_notices::table
        .filter(incident_notices::tenant_id.eq(tenant_id))
        .filter(incident_notices::status.eq(NoticeStatus::Sent.as_str()))
        .order(incident_notices::sent_at.desc())
        .select(NoticeRow::as_select())
        .load(conn)
}

/// Changes a draft's texts; 0 when it was sent already.
pub fn edit_draft(tx: &mut TenantTx<'_>, id: &str, edit: &NoticeEdit, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        incident_notices::table
            .filter(incident_notices::tenant_id.eq(tenant_id))
            .filter(incident_notices::id.eq(id))
            .filter(incident_notices::status.eq(NoticeStatus::Draft.as_str())),
    )
    .set((
        incident_notices::subject_de.eq(&edit.subject_de),
        incident_notices::body_de.eq(&edit.body_de),
        incident_notices::subject_en.eq(&edit.subject_en),
        incident_notices::body_en.eq(&edit.body_en),
        incident_notices::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Marks a draft sent; 0 when it was sent already (a second send loses).
pub fn mark_sent(tx: &mut TenantTx<'_>, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        incident_notices::table
            .filter(incident_notices::tenant_id.eq(tenant_id))
            .filter(incident_notices::id.eq(id))
            .filter(incident_notices::status.eq(NoticeStatus::Draft.as_str())),
    )
    .set((
        incident_notices::status.eq(NoticeStatus::Sent.as_str()),
        incident_notices::sent_at.eq(now),
        incident_notices::sent_by.eq(by),
        incident_notices::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Records the first acknowledgement of a sent notice; 0 when not sent or acknowledged already.
pub fn acknowledge(tx: &mut TenantTx<'_>, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        incident_notices::table
            .filter(incident_notices::tenant_id.eq(tenant_id))
            .filter(incident_notices::id.eq(id))
            .filter(incident_notices::status.eq(NoticeStatus::Sent.as_str()))
            .filter(incident_notices::acknowledged_at.is_null()),
    )
    .set((incident_notices::acknowledged_at.eq(now), incident_notices::acknowledged_by.eq(by), incident_notices::updated_at.eq(now)))
    .execute(conn)
}

/// People of the tenant who existed by `upto` and were not anonymised by then (someone
/// erased later was still there at `upto`).
pub fn persons_upto(tx: &mut TenantTx<'_>, upto: NaiveDateTime) -> QueryResult<i64> {
    let (conn, tenant_id) = tx.parts();
    participants::table
        .filter(participants::tenant_id.eq(tenant_id))
        .filter(participants::created_at.le(upto))
        .filter(participants::erased_at.is_null().or(participants::erased_at.gt(upto)))
        .count()
        .get_result(conn)
}

/// Bookings and attendance records of the tenant made by `upto`.
pub fn records_upto(tx: &mut TenantTx<'_>, upto: NaiveDateTime) -> QueryResult<i64> {
    let (conn, tenant_id) = tx.parts();
    let bookings: i64 =
        bookings::table.filter(bookings::tenant_id.eq(tenant_id)).filter(bookings::created_at.le(upto)).count().get_result(conn)?;
    let attendance: i64 =
        attendance::table.filter(attendance::tenant_id.eq(tenant_id)).filter(attendance::recorded_at.le(upto)).count().get_result(conn)?;
    Ok(bookings + attendance)
}

/// Attendance records a device made in the window, and the distinct people in them.
pub fn device_records(tx: &mut TenantTx<'_>, device_id: &str, from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<(i64, i64)> {
    let (conn, tenant_id) = tx.parts();
    let people: Vec<String> = attendance::table
        .filter(attendance::tenant_id.eq(tenant_id))
        .filter(attendance::device_id.eq(device_id))
        .filter(attendance::recorded_at.ge(from))
        .filter(attendance::recorded_at.le(to))
        .select(attendance::participant_id)
        .load(conn)?;
    let records = i64::try_from(people.len()).unwrap_or(i64::MAX);
    let mut distinct = people;
    distinct.sort_unstable();
    distinct.dedup();
    Ok((i64::try_from(distinct.len()).unwrap_or(i64::MAX), records))
}

/// Whether any of the accounts had a session in the tenant during the window (staff
/// sessions are a platform table: the tenant is the session's active tenant).
pub fn sessions_in_window(
    conn: &mut DbConnection,
    tenant_id: &str,
    accounts: &[String],
    from: NaiveDateTime,
    to: NaiveDateTime,
) -> QueryResult<i64> {
    sessions::table
        .filter(sessions::active_tenant_id.eq(tenant_id))
        .filter(sessions::account_id.eq_any(accounts))
        .filter(sessions::created_at.le(to))
        .filter(sessions::last_seen_at.ge(from))
        .count()
        .get_result(conn)
}

/// Entries the accounts wrote into the tenant's chain during the window.
pub fn actions_in_window(tx: &mut TenantTx<'_>, accounts: &[String], from: NaiveDateTime, to: NaiveDateTime) -> QueryResult<i64> {
    let (conn, tenant_id) = tx.parts();
    audit_entries::table
        .filter(audit_entries::chain.eq(tenant_id))
        .filter(audit_entries::actor_id.eq_any(accounts))
        .filter(audit_entries::occurred_at.ge(from))
        .filter(audit_entries::occurred_at.le(to))
        .count()
        .get_result(conn)
}
