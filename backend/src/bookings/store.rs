use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::{BookingRow, BookingSettingsRow, HoldRow, ParticipantRow, TermRow, CANCELLED, CONFIRMED, WAITING};
use crate::db::schema::{booking_holds, booking_settings, bookings, events, participant_terms, participants};
use crate::db::TenantTx;

pub fn insert_participant(tx: &mut TenantTx<'_>, p: &ParticipantRow, terms: &[TermRow]) -> QueryResult<()> {
    let conn = tx.conn();
    diesel::insert_into(participants::table).values(p).execute(conn)?;
    for t in terms {
        diesel::insert_into(participant_terms::table).values(t).execute(conn)?;
    }
    Ok(())
}

pub fn participant(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<ParticipantRow>> {
    let (conn, tenant_id) = tx.parts();
    participants::table.find((tenant_id, id)).select(ParticipantRow::as_select()).first(conn).optional()
}

pub fn participants(tx: &mut TenantTx<'_>, ids: &[String]) -> QueryResult<Vec<ParticipantRow>> {
    let (conn, tenant_id) = tx.parts();
    participants::table
        .filter(participants::tenant_id.eq(tenant_id))
        .filter(participants::id.eq_any(ids))
        .select(ParticipantRow::as_select())
        .load(conn)
}

pub fn participant_by_email(tx: &mut TenantTx<'_>, email_index: &[u8]) -> QueryResult<Option<ParticipantRow>> {
    let (conn, tenant_id) = tx.parts();
    participants::table
        .filter(participants::tenant_id.eq(tenant_id))
        .filter(participants::email_index.eq(email_index))
        .select(ParticipantRow::as_select())
        .first(conn)
        .optional()
}

pub fn set_opt_out(
    tx: &mut TenantTx<'_>,
    id: &str,
    at: Option<NaiveDateTime>,
    reason: Option<&str>,
    text: Option<Vec<u8>>,
) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(participants::table.find((tenant_id, id)))
        .set((
            participants::mail_opt_out_at.eq(at),
            participants::mail_opt_out_reason.eq(reason),
            participants::mail_opt_out_text_ciphertext.eq(text),
        ))
        .execute(conn)
}

/// Participants having every one of `terms` (blind indexes of whole name words).
pub fn participants_with_terms(tx: &mut TenantTx<'_>, terms: &[Vec<u8>]) -> QueryResult<Vec<String>> {
    let (conn, tenant_id) = tx.parts();
    let mut found: Option<Vec<String>> = None;
    for term in terms {
        let ids: Vec<String> = participant_terms::table
            .filter(participant_terms::tenant_id.eq(tenant_id))
            .filter(participant_terms::term_index.eq(term))
            .select(participant_terms::participant_id)
            .load(conn)?;
        found = Some(match found {
            None => ids,
            Some(prev) => prev.into_iter().filter(|id| ids.contains(id)).collect(),
        });
    }
    Ok(found.unwrap_or_default())
}

pub fn insert(tx: &mut TenantTx<'_>, b: &BookingRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(bookings::table).values(b).execute(conn)
}

pub fn find(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<BookingRow>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table.find((tenant_id, id)).select(BookingRow::as_select()).first(conn).optional()
}

/// An event's bookings: confirmed, then the waiting list in queue order, then cancelled.
pub fn of_event(tx: &mut TenantTx<'_>, event_id: &str) -> QueryResult<Vec<BookingRow>> {
    let (conn, tenant_id) = tx.parts();
    let mut rows: Vec<BookingRow> = bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::event_id.eq(event_id))
        .order((bookings::queued_at.asc(), bookings::id.asc()))
        .select(BookingRow::as_select())
        .load(conn)?;
    rows.sort_by_key(|b| [CONFIRMED, WAITING, CANCELLED].iter().position(|s| *s == b.status));
    Ok(rows)
}

pub fn of_participant(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<BookingRow>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::participant_id.eq(participant_id))
        .order(bookings::created_at.desc())
        .select(BookingRow::as_select())
        .load(conn)
}

/// The participant's confirmed bookings, through the participant index: a person holds a
/// few, while an event's index would lead through all of that event's bookings.
pub fn confirmed_of(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<BookingRow>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::participant_id.eq(participant_id))
        .filter(bookings::status.eq(CONFIRMED))
        .select(BookingRow::as_select())
        .load(conn)
}

pub fn active(tx: &mut TenantTx<'_>, event_id: &str, participant_id: &str) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    diesel::select(diesel::dsl::exists(
        bookings::table
            .filter(bookings::tenant_id.eq(tenant_id))
            .filter(bookings::event_id.eq(event_id))
            .filter(bookings::participant_id.eq(participant_id))
            .filter(bookings::status.ne(CANCELLED)),
    ))
    .get_result(conn)
}

pub fn count(tx: &mut TenantTx<'_>, event_id: &str, status: &str) -> QueryResult<i64> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::event_id.eq(event_id))
        .filter(bookings::status.eq(status))
        .count()
        .get_result(conn)
}

/// The first `n` on an event's waiting list.
pub fn next_waiting(tx: &mut TenantTx<'_>, event_id: &str, n: i64) -> QueryResult<Vec<BookingRow>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::event_id.eq(event_id))
        .filter(bookings::status.eq(WAITING))
        .order((bookings::queued_at.asc(), bookings::id.asc()))
        .limit(n)
        .select(BookingRow::as_select())
        .load(conn)
}

/// Changes the status if it still is `from`; 0 when someone else was quicker.
pub fn set_status(tx: &mut TenantTx<'_>, id: &str, from: &str, to: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(bookings::table.find((tenant_id, id)).filter(bookings::status.eq(from))).set(bookings::status.eq(to)).execute(conn)
}

pub fn cancel(tx: &mut TenantTx<'_>, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(bookings::table.find((tenant_id, id)).filter(bookings::status.ne(CANCELLED)))
        .set((bookings::status.eq(CANCELLED), bookings::cancelled_at.eq(now), bookings::cancelled_by.eq(by)))
        .execute(conn)
}

pub fn move_to(tx: &mut TenantTx<'_>, id: &str, event_id: &str, status: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(bookings::table.find((tenant_id, id)).filter(bookings::status.ne(CANCELLED)))
        .set((bookings::event_id.eq(event_id), bookings::status.eq(status), bookings::queued_at.eq(now)))
        .execute(conn)
}

pub fn set_mail(tx: &mut TenantTx<'_>, id: &str, mail_id: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(bookings::table.find((tenant_id, id))).set(bookings::mail_id.eq(mail_id)).execute(conn)
}

/// Active bookings per participant.
pub fn active_counts(tx: &mut TenantTx<'_>, ids: &[String]) -> QueryResult<Vec<(String, i64)>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::participant_id.eq_any(ids))
        .filter(bookings::status.ne(CANCELLED))
        .group_by(bookings::participant_id)
        .select((bookings::participant_id, diesel::dsl::count_star()))
        .load(conn)
}

/// Seats taken at `now`: confirmed bookings and the unexpired holds that keep a seat.
/// An expired hold counts for nothing, whether or not it is deleted yet.
pub fn seats_taken(tx: &mut TenantTx<'_>, event_id: &str, now: NaiveDateTime) -> QueryResult<i64> {
    let (conn, tenant_id) = tx.parts();
    let held = booking_holds::table
        .filter(booking_holds::tenant_id.eq(tenant_id))
        .filter(booking_holds::event_id.eq(event_id))
        .filter(booking_holds::seat.eq(true))
        .filter(booking_holds::expires_at.gt(now))
        .count()
        .single_value();
    // confirmed_count is kept by the database on every booking change (migration
    // `flat_costs`); both figures in one statement.
    let (confirmed, held): (i32, Option<i64>) =
        events::table.find((tenant_id, event_id)).select((events::confirmed_count, held)).first(conn)?;
    Ok(i64::from(confirmed) + held.unwrap_or(0))
}

pub fn insert_hold(tx: &mut TenantTx<'_>, row: &HoldRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(booking_holds::table).values(row).execute(conn)
}

/// A hold of this tenant by its token: links are opened on their tenant's page, so
/// another tenant's hold is not found.
pub fn hold_by_token_hash(tx: &mut TenantTx<'_>, hash: &[u8]) -> QueryResult<Option<HoldRow>> {
    let (conn, tenant_id) = tx.parts();
    booking_holds::table
        .filter(booking_holds::tenant_id.eq(tenant_id))
        .filter(booking_holds::token_hash.eq(hash))
        .select(HoldRow::as_select())
        .first(conn)
        .optional()
}

/// Takes a hold once: 0 when it was taken already (single use, even under a race).
pub fn delete_hold(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(booking_holds::table.find((tenant_id, id))).execute(conn)
}

/// Deletes the holds of one address for an event (a new request replaces them); true
/// when one of them kept a seat.
pub fn delete_holds_of(tx: &mut TenantTx<'_>, event_id: &str, email_index: &[u8]) -> QueryResult<bool> {
    let (conn, tenant_id) = tx.parts();
    let mine = booking_holds::table
        .filter(booking_holds::tenant_id.eq(tenant_id))
        .filter(booking_holds::event_id.eq(event_id))
        .filter(booking_holds::email_index.eq(email_index));
    let seats: Vec<bool> = mine.select(booking_holds::seat).load(conn)?;
    diesel::delete(mine).execute(conn)?;
    Ok(seats.contains(&true))
}

/// Deletes the tenant's expired holds: their requests were never confirmed.
pub fn delete_expired_holds(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::delete(booking_holds::table.filter(booking_holds::tenant_id.eq(tenant_id)).filter(booking_holds::expires_at.le(now)))
        .execute(conn)
}

/// The one key of a tenant's `booking_settings` row.
const CONFIRMATION: &str = "confirmation";

pub fn settings(tx: &mut TenantTx<'_>) -> QueryResult<Option<BookingSettingsRow>> {
    let (conn, tenant_id) = tx.parts();
    booking_settings::table.find((tenant_id, CONFIRMATION)).select(BookingSettingsRow::as_select()).first(conn).optional()
}

/// Writes the tenant's row (insert or update).
pub fn set_settings(tx: &mut TenantTx<'_>, confirm_open_events: bool, link_hours: i32, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    let changed = diesel::update(booking_settings::table.find((tenant_id, CONFIRMATION)))
        .set((
            booking_settings::confirm_open_events.eq(confirm_open_events),
            booking_settings::link_hours.eq(link_hours),
            booking_settings::updated_at.eq(now),
        ))
        .execute(conn)?;
    if changed > 0 {
        return Ok(changed);
    }
    let row = BookingSettingsRow {
        tenant_id: tenant_id.to_owned(),
        setting: CONFIRMATION.to_owned(),
        confirm_open_events,
        link_hours,
        updated_at: now,
    };
    diesel::insert_into(booking_settings::table).values(&row).execute(conn)
}
