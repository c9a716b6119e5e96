use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{AttendanceRow, CardRow, ClosingRow, SignatureRow, TapRow};
use crate::bookings::model::{ParticipantRow, CONFIRMED};
use crate::db::schema::{
    attendance, attendance_signatures, bookings, cards, device_taps, event_sessions, events, locations, participants, session_closings,
};
use crate::db::TenantTx;
use crate::events::model::{SessionRow, STATUS_PUBLISHED};

pub fn insert(tx: &mut TenantTx<'_>, row: &AttendanceRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(attendance::table).values(row).execute(conn)
}

pub fn find(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<AttendanceRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance::table.find((tenant_id, id)).select(AttendanceRow::as_select()).first(conn).optional()
}

/// Every record of these sessions, corrections included, oldest first.
pub fn of_sessions(tx: &mut TenantTx<'_>, session_ids: &[String]) -> QueryResult<Vec<AttendanceRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance::table
        .filter(attendance::tenant_id.eq(tenant_id))
        .filter(attendance::session_id.eq_any(session_ids))
        .order((attendance::recorded_at.asc(), attendance::id.asc()))
        .select(AttendanceRow::as_select())
        .load(conn)
}

pub fn of_participant(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<AttendanceRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance::table
        .filter(attendance::tenant_id.eq(tenant_id))
        .filter(attendance::participant_id.eq(participant_id))
        .order((attendance::occurred_at.asc(), attendance::id.asc()))
        .select(AttendanceRow::as_select())
        .load(conn)
}

/// The cards bound to one person, oldest first.
pub fn cards_of(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<CardRow>> {
    let (conn, tenant_id) = tx.parts();
    cards::table
        .filter(cards::tenant_id.eq(tenant_id))
        .filter(cards::participant_id.eq(participant_id))
        .order(cards::created_at.asc())
        .select(CardRow::as_select())
        .load(conn)
}

/// The sessions of published events at `location` or in its rooms that overlap
/// [`from`, `until`], earliest first, each with `participant_id`'s confirmed booking of its
/// event if there is one: what a tap needs to know, in one read.
pub fn sessions_at(
    tx: &mut TenantTx<'_>,
    location: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
    participant_id: &str,
) -> QueryResult<Vec<(SessionRow, Option<String>)>> {
    let (conn, tenant_id) = tx.parts();
    let rooms = locations::table
        .filter(locations::tenant_id.eq(tenant_id))
        .filter(locations::id.eq(location).or(locations::parent_id.eq(location)))
        .select(locations::id.nullable());
    event_sessions::table
        .inner_join(events::table.on(events::tenant_id.eq(event_sessions::tenant_id).and(events::id.eq(event_sessions::event_id))))
        .left_join(
            bookings::table.on(bookings::tenant_id
                .eq(event_sessions::tenant_id)
                .and(bookings::event_id.eq(event_sessions::event_id))
                .and(bookings::participant_id.eq(participant_id))
                .and(bookings::status.eq(CONFIRMED))),
        )
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::ends_at.ge(from))
        .filter(event_sessions::starts_at.le(until))
        .filter(events::status.eq(STATUS_PUBLISHED))
        .filter(events::location_id.eq_any(rooms))
        .order((event_sessions::starts_at.asc(), event_sessions::id.asc()))
        .select((SessionRow::as_select(), bookings::id.nullable()))
        .load(conn)
}

/// The card and, in the same read, the person it is bound to.
pub fn card_and_owner(tx: &mut TenantTx<'_>, hmac: &[u8]) -> QueryResult<Option<(CardRow, Option<ParticipantRow>)>> {
    let (conn, tenant_id) = tx.parts();
    cards::table
        .left_join(participants::table.on(participants::tenant_id.eq(cards::tenant_id).and(participants::id.eq(cards::participant_id))))
        .filter(cards::tenant_id.eq(tenant_id))
        .filter(cards::card_hmac.eq(hmac))
        .select((CardRow::as_select(), Option::<ParticipantRow>::as_select()))
        .first(conn)
        .optional()
}

/// Takes a secure card's read counter if it is higher than the last one seen; 0 rows: it
/// is not (a replayed or copied message). One statement, so two copies of one message
/// arriving at once cannot both pass.
pub fn advance_counter(tx: &mut TenantTx<'_>, card_id: &str, counter: i64) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(cards::table.find((tenant_id, card_id)).filter(cards::sdm_counter.is_null().or(cards::sdm_counter.lt(counter))))
        .set(cards::sdm_counter.eq(counter))
        .execute(conn)
}

pub fn insert_card(tx: &mut TenantTx<'_>, row: &CardRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(cards::table).values(row).execute(conn)
}

pub fn tap(tx: &mut TenantTx<'_>, device_id: &str, key: &str) -> QueryResult<Option<TapRow>> {
    let (conn, tenant_id) = tx.parts();
    device_taps::table.find((tenant_id, device_id, key)).select(TapRow::as_select()).first(conn).optional()
}

pub fn insert_tap(tx: &mut TenantTx<'_>, row: &TapRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(device_taps::table).values(row).execute(conn)
}

/// The last successful tap of this participant on this device at or after `since`.
pub fn recent_success(tx: &mut TenantTx<'_>, device_id: &str, participant_id: &str, since: chrono::NaiveDateTime) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(
        device_taps::table
            .filter(device_taps::tenant_id.eq(tenant_id))
            .filter(device_taps::device_id.eq(device_id))
            .filter(device_taps::participant_id.eq(participant_id))
            .filter(device_taps::tapped_at.ge(since))
            .filter(device_taps::outcome.eq_any(["checked_in", "checked_out"])),
    ))
    .get_result(conn)
}

/// One participant's records of one session: what a tap or a manual entry checks.
pub fn of_session_participant(tx: &mut TenantTx<'_>, session_id: &str, participant_id: &str) -> QueryResult<Vec<AttendanceRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance::table
        .filter(attendance::tenant_id.eq(tenant_id))
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::participant_id.eq(participant_id))
        .order((attendance::recorded_at.asc(), attendance::id.asc()))
        .select(AttendanceRow::as_select())
        .load(conn)
}

pub fn is_superseded(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(
        attendance::table.filter(attendance::tenant_id.eq(tenant_id)).filter(attendance::supersedes_id.eq(id)),
    ))
    .get_result(conn)
}

pub fn insert_signature(tx: &mut TenantTx<'_>, row: &SignatureRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(attendance_signatures::table).values(row).execute(conn)
}

pub fn signature_of(tx: &mut TenantTx<'_>, attendance_id: &str) -> QueryResult<Option<SignatureRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance_signatures::table
        .filter(attendance_signatures::tenant_id.eq(tenant_id))
        .filter(attendance_signatures::attendance_id.eq(attendance_id))
        .select(SignatureRow::as_select())
        .first(conn)
        .optional()
}

pub fn signatures_of_session(tx: &mut TenantTx<'_>, session_id: &str) -> QueryResult<Vec<SignatureRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance_signatures::table
        .filter(attendance_signatures::tenant_id.eq(tenant_id))
        .filter(attendance_signatures::session_id.eq(session_id))
        .select(SignatureRow::as_select())
        .load(conn)
}

pub fn signatures_of_participant(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<SignatureRow>> {
    let (conn, tenant_id) = tx.parts();
    attendance_signatures::table
        .filter(attendance_signatures::tenant_id.eq(tenant_id))
        .filter(attendance_signatures::participant_id.eq(participant_id))
        .order(attendance_signatures::signed_at.asc())
        .select(SignatureRow::as_select())
        .load(conn)
}

/// Erasure (PRIV-4): the person's signatures go with them.
pub fn delete_signatures_of(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(
        attendance_signatures::table
            .filter(attendance_signatures::tenant_id.eq(tenant_id))
            .filter(attendance_signatures::participant_id.eq(participant_id)),
    )
    .execute(conn)
}

/// Deletes the closings (with the signer's strokes) of sessions that ended before `before`.
pub fn delete_closings_ended_before(tx: &mut TenantTx<'_>, before: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    let ended = event_sessions::table
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::ends_at.lt(before))
        .select(event_sessions::id);
    diesel::delete(
        session_closings::table.filter(session_closings::tenant_id.eq(tenant_id)).filter(session_closings::session_id.eq_any(ended)),
    )
    .execute(conn)
}

pub fn insert_closing(tx: &mut TenantTx<'_>, row: &ClosingRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(session_closings::table).values(row).execute(conn)
}

/// Every closing of a session, oldest first.
pub fn closings_of(tx: &mut TenantTx<'_>, session_id: &str) -> QueryResult<Vec<ClosingRow>> {
    let (conn, tenant_id) = tx.parts();
    session_closings::table
        .filter(session_closings::tenant_id.eq(tenant_id))
        .filter(session_closings::session_id.eq(session_id))
        .order((session_closings::closed_at.asc(), session_closings::id.asc()))
        .select(ClosingRow::as_select())
        .load(conn)
}

/// Re-opens the session's closing in force, if any; the row stays. Returns its id.
pub fn reopen(tx: &mut TenantTx<'_>, session_id: &str, by: &str, at: chrono::NaiveDateTime, reason: &str) -> QueryResult<Option<String>> {
    let (conn, tenant_id) = tx.parts();
    let open: Option<String> = session_closings::table
        .filter(session_closings::tenant_id.eq(tenant_id))
        .filter(session_closings::session_id.eq(session_id))
        .filter(session_closings::reopened_at.is_null())
        .select(session_closings::id)
        .first(conn)
        .optional()?;
    let Some(id) = open else { return Ok(None) };
    diesel::update(session_closings::table.find((tenant_id, &id)))
        .set((session_closings::reopened_at.eq(at), session_closings::reopened_by.eq(by), session_closings::reopen_reason.eq(reason)))
        .execute(conn)?;
    Ok(Some(id))
}

/// The session's list is closed: a closing that no correction re-opened.
pub fn is_closed(tx: &mut TenantTx<'_>, session_id: &str) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(
        session_closings::table
            .filter(session_closings::tenant_id.eq(tenant_id))
            .filter(session_closings::session_id.eq(session_id))
            .filter(session_closings::reopened_at.is_null()),
    ))
    .get_result(conn)
}
