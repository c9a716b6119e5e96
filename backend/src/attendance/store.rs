use chrono::NaiveDateTime;
use diesel::prelude::*;
use diesel::query_builder::QueryFragment;

use super::model::{AttendanceRow, CardRow, ClosingRow, SignatureRow, TapRow};
use crate::audit::model::NewEntry;
use crate::bookings::model::{ParticipantRow, CONFIRMED};
use crate::db::schema::{
    attendance, attendance_signatures, bookings, card_enrolments, cards, device_taps, devices, event_sessions, events, locations,
    participants, secure_card_settings, session_closings,
};
use crate::db::{DbConnection, TenantTx, Together};
use crate::devices::model::CardEnrolmentRow;
use crate::events::model::{earliest_start_running_at, SessionRow, STATUS_PUBLISHED};
use crate::secure_cards::model::SettingsRow;
use crate::secure_cards::store::SECURE_SETTING;

pub fn insert(tx: &mut TenantTx<'_>, row: &AttendanceRow) -> QueryResult<usize> {
    native!(tx.conn(), |c| diesel::insert_into(attendance::table).values(row).execute(c))
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

/// A session a device serves at the moment of a tap, as the tap sees it.
#[derive(Queryable)]
pub struct Running {
    pub session: SessionRow,
    /// The person's confirmed booking of the session's event, if any.
    pub booking_id: Option<String>,
    /// The event asks for a signature after check-in.
    pub signature_required: bool,
    /// The device took this person's tap within its duplicate window.
    pub repeat: bool,
}

/// The sessions of published events at `location` or in its rooms that overlap
/// [`from`, `until`], earliest first, each with `participant_id`'s confirmed booking of its
/// event if there is one, whether the event asks for signatures, and whether `device_id`
/// checked the person in or out at or after `repeat_since`: what a tap needs to know, in
/// one read. Through the session start index: only sessions that began at most
/// `MAX_SESSION_DAYS` before `from` are read, however many are planned ahead.
///
/// On PostgreSQL the bookings read are locked (`FOR UPDATE`) until the transaction ends:
/// two taps of one person take turns from here on, and the one that waited reads the
/// other's record in its next statement (`closed_and_records`), a round trip less than a
/// lock of its own.
pub fn sessions_at(
    tx: &mut TenantTx<'_>,
    location: &str,
    from: NaiveDateTime,
    until: NaiveDateTime,
    participant_id: &str,
    device_id: &str,
    repeat_since: NaiveDateTime,
) -> QueryResult<Vec<Running>> {
    let (conn, tenant_id) = tx.parts();
    let repeat = diesel::dsl::exists(successes_since(tenant_id, device_id, participant_id, repeat_since));
    let booking = booking_of_session(participant_id);
    let running = running_at(tenant_id, location, from, until);
    match conn {
        DbConnection::Postgres(c) => {
            running.select((SessionRow::as_select(), booking.for_update().single_value(), events::signature_required, repeat)).load(c)
        }
        DbConnection::Sqlite(c) => {
            running.select((SessionRow::as_select(), booking.single_value(), events::signature_required, repeat)).load(c)
        }
    }
}

/// The sessions of `sessions_at`, before its columns are chosen.
#[diesel::dsl::auto_type]
fn running_at<'a>(tenant_id: &'a str, location: &'a str, from: NaiveDateTime, until: NaiveDateTime) -> _ {
    let earliest: NaiveDateTime = earliest_start_running_at(from);
    let published: &'static str = STATUS_PUBLISHED;
    let rooms = locations::table
        .filter(locations::tenant_id.eq(tenant_id))
        .filter(locations::id.eq(location).or(locations::parent_id.eq(location)))
        .select(locations::id.nullable());
    event_sessions::table
        .inner_join(events::table.on(events::tenant_id.eq(event_sessions::tenant_id).and(events::id.eq(event_sessions::event_id))))
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::starts_at.ge(earliest))
        .filter(event_sessions::starts_at.le(until))
        .filter(event_sessions::ends_at.ge(from))
        .filter(events::status.eq(published))
        .filter(events::location_id.eq_any(rooms))
        .order((event_sessions::starts_at.asc(), event_sessions::id.asc()))
}

/// The person's confirmed booking of the outer query's session's event: at most one
/// (`bookings_one_active`).
#[diesel::dsl::auto_type]
fn booking_of_session<'a>(participant_id: &'a str) -> _ {
    let confirmed: &'static str = CONFIRMED;
    bookings::table
        .filter(bookings::tenant_id.eq(event_sessions::tenant_id))
        .filter(bookings::event_id.eq(event_sessions::event_id))
        .filter(bookings::participant_id.eq(participant_id))
        .filter(bookings::status.eq(confirmed))
        .select(bookings::id)
}

/// Everything a tap reads before it plans, in one statement from the device's row: the
/// answer already given to this idempotency key, the tenant's secure-card settings, the
/// card with the person it is bound to, and the device's pending card enrolment.
pub struct TapContext {
    pub previous: Option<TapRow>,
    pub secure_settings: Option<SettingsRow>,
    pub card: Option<CardRow>,
    pub owner: Option<ParticipantRow>,
    pub enrolment: Option<CardEnrolmentRow>,
}

/// Reads a tap's `TapContext`. The join conditions take owned values: the joined query
/// may not borrow them.
pub fn tap_context(tx: &mut TenantTx<'_>, device_id: &str, key: &str, hmac: &[u8]) -> QueryResult<TapContext> {
    let (conn, tenant_id) = tx.parts();
    let (previous, secure_settings, card, owner, enrolment) = native!(conn, |c| devices::table
        .left_join(
            device_taps::table.on(device_taps::tenant_id
                .eq(devices::tenant_id)
                .and(device_taps::device_id.eq(devices::id))
                .and(device_taps::idempotency_key.eq(key.to_owned()))),
        )
        .left_join(
            secure_card_settings::table
                .on(secure_card_settings::tenant_id.eq(devices::tenant_id).and(secure_card_settings::setting.eq(SECURE_SETTING))),
        )
        .left_join(cards::table.on(cards::tenant_id.eq(devices::tenant_id).and(cards::card_hmac.eq(hmac.to_vec()))))
        .left_join(participants::table.on(participants::tenant_id.eq(cards::tenant_id).and(participants::id.eq(cards::participant_id))))
        .left_join(
            card_enrolments::table.on(card_enrolments::tenant_id.eq(devices::tenant_id).and(card_enrolments::device_id.eq(devices::id))),
        )
        .filter(devices::tenant_id.eq(tenant_id))
        .filter(devices::id.eq(device_id))
        .select((
            Option::<TapRow>::as_select(),
            Option::<SettingsRow>::as_select(),
            Option::<CardRow>::as_select(),
            Option::<ParticipantRow>::as_select(),
            Option::<CardEnrolmentRow>::as_select(),
        ))
        .first(c))?;
    Ok(TapContext { previous, secure_settings, card, owner, enrolment })
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

/// A tap's writes: the record it made and its audit entry, if any, and the tap itself,
/// on whose key a concurrent copy of the tap fails (and with it all three). In one
/// statement on PostgreSQL (`db::Together`): a round trip per write fewer.
pub fn insert_tap(tx: &mut TenantTx<'_>, row: &TapRow, record: Option<&AttendanceRow>, entry: Option<&NewEntry>) -> QueryResult<usize> {
    native!(tx.conn(), |c| {
        let mut statements: Vec<Box<dyn QueryFragment<_>>> = Vec::with_capacity(3);
        if let Some(record) = record {
            statements.push(Box::new(diesel::insert_into(attendance::table).values(record)));
        }
        if let Some(entry) = entry {
            statements.push(Box::new(crate::audit::store::unsealed(entry)));
        }
        statements.push(Box::new(diesel::insert_into(device_taps::table).values(row)));
        c.together(statements)
    })
}

/// This participant's successful taps on this device at or after `since`.
#[diesel::dsl::auto_type]
fn successes_since<'a>(tenant_id: &'a str, device_id: &'a str, participant_id: &'a str, since: NaiveDateTime) -> _ {
    device_taps::table
        .filter(device_taps::tenant_id.eq(tenant_id))
        .filter(device_taps::device_id.eq(device_id))
        .filter(device_taps::participant_id.eq(participant_id))
        .filter(device_taps::tapped_at.ge(since))
        // Not `eq_any`: on SQLite a list of values makes diesel prepare the statement anew
        // on every execution, and this one is part of every tap's read.
        .filter(device_taps::outcome.eq("checked_in").or(device_taps::outcome.eq("checked_out")))
}

/// Whether this participant tapped successfully on this device at or after `since`.
pub fn recent_success(tx: &mut TenantTx<'_>, device_id: &str, participant_id: &str, since: NaiveDateTime) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(successes_since(tenant_id, device_id, participant_id, since))).get_result(conn)
}

/// One participant's records of one session: what a tap or a manual entry checks.
pub fn of_session_participant(tx: &mut TenantTx<'_>, session_id: &str, participant_id: &str) -> QueryResult<Vec<AttendanceRow>> {
    let (conn, tenant_id) = tx.parts();
    native!(conn, |c| attendance::table
        .filter(attendance::tenant_id.eq(tenant_id))
        .filter(attendance::session_id.eq(session_id))
        .filter(attendance::participant_id.eq(participant_id))
        .order((attendance::recorded_at.asc(), attendance::id.asc()))
        .select(AttendanceRow::as_select())
        .load(c))
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

#[diesel::dsl::auto_type]
fn closing_in_force<'a>(tenant_id: &'a str, session_id: &'a str) -> _ {
    session_closings::table
        .filter(session_closings::tenant_id.eq(tenant_id))
        .filter(session_closings::session_id.eq(session_id))
        .filter(session_closings::reopened_at.is_null())
}

/// The session's list is closed: a closing that no correction re-opened.
pub fn is_closed(tx: &mut TenantTx<'_>, session_id: &str) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    native!(conn, |c| diesel::select(diesel::dsl::exists(closing_in_force(tenant_id, session_id))).get_result(c))
}

/// Whether the session's list is closed (`is_closed`) and the person's records of it
/// (`of_session_participant`), in one statement: from the session's row, one row per record
/// (one without a record when there is none), the closing read once for all.
pub fn closed_and_records(tx: &mut TenantTx<'_>, session_id: &str, participant_id: &str) -> QueryResult<(bool, Vec<AttendanceRow>)> {
    let (conn, tenant_id) = tx.parts();
    let rows: Vec<(bool, Option<AttendanceRow>)> = native!(conn, |c| event_sessions::table
        .left_join(
            attendance::table.on(attendance::tenant_id
                .eq(event_sessions::tenant_id)
                .and(attendance::session_id.eq(event_sessions::id))
                .and(attendance::participant_id.eq(participant_id.to_owned()))),
        )
        .filter(event_sessions::tenant_id.eq(tenant_id))
        .filter(event_sessions::id.eq(session_id))
        .order((attendance::recorded_at.asc(), attendance::id.asc()))
        .select((diesel::dsl::exists(closing_in_force(tenant_id, session_id)), Option::<AttendanceRow>::as_select()))
        .load(c))?;
    let closed = rows.first().is_some_and(|(closed, _)| *closed);
    Ok((closed, rows.into_iter().filter_map(|(_, record)| record).collect()))
}
