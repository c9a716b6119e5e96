use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{earliest_start_running_at, EventRow, InstructorRow, SessionRow};
use crate::db::schema::{bookings, event_instructors, event_sessions, events};
use crate::db::TenantTx;

pub fn insert(tx: &mut TenantTx<'_>, event: &EventRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(events::table).values(event).execute(conn)
}

pub fn find(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<EventRow>> {
    let (conn, tenant_id) = tx.parts();
    events::table.find((tenant_id, id)).select(EventRow::as_select()).first(conn).optional()
}

pub fn list(tx: &mut TenantTx<'_>) -> QueryResult<Vec<EventRow>> {
    let (conn, tenant_id) = tx.parts();
    events::table.filter(events::tenant_id.eq(tenant_id)).order(events::created_at.desc()).select(EventRow::as_select()).load(conn)
}

/// Replaces the editable fields; id, tenant, status and creator stay.
pub fn update(tx: &mut TenantTx<'_>, e: &EventRow) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(events::table.find((tenant_id, &e.id)))
        .set((
            events::kind.eq(&e.kind),
            events::title.eq(&e.title),
            events::description.eq(&e.description),
            events::location_id.eq(&e.location_id),
            events::company_id.eq(&e.company_id),
            events::capacity.eq(e.capacity),
            events::waiting_list.eq(e.waiting_list),
            events::booking_opens_at.eq(e.booking_opens_at),
            events::booking_closes_at.eq(e.booking_closes_at),
            events::fields.eq(&e.fields),
            events::signature_required.eq(e.signature_required),
            events::updated_at.eq(e.updated_at),
        ))
        .execute(conn)
}

pub fn set_status(tx: &mut TenantTx<'_>, id: &str, from: &str, to: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(events::table.find((tenant_id, id)).filter(events::status.eq(from)))
        .set((events::status.eq(to), events::updated_at.eq(now)))
        .execute(conn)
}

pub fn sessions(tx: &mut TenantTx<'_>, event_ids: &[String]) -> QueryResult<Vec<SessionRow>> {
    let (conn, tenant_id) = tx.parts();
    event_sessions::table
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::event_id.eq_any(event_ids))
        .order(event_sessions::starts_at.asc())
        .select(SessionRow::as_select())
        .load(conn)
}

pub fn replace_sessions(tx: &mut TenantTx<'_>, event_id: &str, rows: &[SessionRow]) -> QueryResult<()> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(event_sessions::table.filter(event_sessions::tenant_id.eq(tenant_id)).filter(event_sessions::event_id.eq(event_id)))
        .execute(conn)?;
    for row in rows {
        diesel::insert_into(event_sessions::table).values(row).execute(conn)?;
    }
    Ok(())
}

pub fn instructors(tx: &mut TenantTx<'_>, event_ids: &[String]) -> QueryResult<Vec<InstructorRow>> {
    let (conn, tenant_id) = tx.parts();
    event_instructors::table
        .filter(event_instructors::tenant_id.eq(tenant_id))
        .filter(event_instructors::event_id.eq_any(event_ids))
        .select(InstructorRow::as_select())
        .load(conn)
}

pub fn replace_instructors(tx: &mut TenantTx<'_>, event_id: &str, rows: &[InstructorRow]) -> QueryResult<()> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(
        event_instructors::table.filter(event_instructors::tenant_id.eq(tenant_id)).filter(event_instructors::event_id.eq(event_id)),
    )
    .execute(conn)?;
    for row in rows {
        diesel::insert_into(event_instructors::table).values(row).execute(conn)?;
    }
    Ok(())
}

/// (event id, status, count) of the bookings of these events.
pub fn booking_counts(tx: &mut TenantTx<'_>, event_ids: &[String]) -> QueryResult<Vec<(String, String, i64)>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::event_id.eq_any(event_ids))
        .group_by((bookings::event_id, bookings::status))
        .select((bookings::event_id, bookings::status, diesel::dsl::count_star()))
        .load(conn)
}

/// Sessions that end at or after `ends_from` and start at or before `starts_until`: those
/// running around a moment, found through the session start index (only sessions that
/// began at most `MAX_SESSION_DAYS` before `ends_from` are read, however many past or
/// planned ones there are).
pub fn sessions_between(tx: &mut TenantTx<'_>, ends_from: NaiveDateTime, starts_until: NaiveDateTime) -> QueryResult<Vec<SessionRow>> {
    let (conn, tenant_id) = tx.parts();
    event_sessions::table
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::starts_at.ge(earliest_start_running_at(ends_from)))
        .filter(event_sessions::starts_at.le(starts_until))
        .filter(event_sessions::ends_at.ge(ends_from))
        .order(event_sessions::starts_at.asc())
        .select(SessionRow::as_select())
        .load(conn)
}

/// The events of `ids`.
pub fn by_ids(tx: &mut TenantTx<'_>, ids: &[String]) -> QueryResult<Vec<EventRow>> {
    let (conn, tenant_id) = tx.parts();
    events::table.filter(events::tenant_id.eq(tenant_id)).filter(events::id.eq_any(ids)).select(EventRow::as_select()).load(conn)
}

pub fn sessions_by_id(tx: &mut TenantTx<'_>, ids: &[String]) -> QueryResult<Vec<SessionRow>> {
    let (conn, tenant_id) = tx.parts();
    event_sessions::table
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::id.eq_any(ids))
        .select(SessionRow::as_select())
        .load(conn)
}
