//! The rows an erasure or a correction touches. Each function returns how many rows it changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::bookings::model::{ParticipantRow, TermRow};
use std::collections::BTreeMap;

use diesel::sql_types::{Integer, Text};

use super::record::ProcessingCounts;
use super::retention::SettingsRow;
use crate::db::schema::{
    attendance, bookings, card_enrolments, cards, event_sessions, magic_links, mail_outbox, memberships, participant_sessions,
    participant_terms, participants, retention_settings, subject_requests,
};
use crate::db::{DbConnection, TenantTx};

pub fn delete_name_terms(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::delete(
        participant_terms::table.filter(participant_terms::tenant_id.eq(tenant)).filter(participant_terms::participant_id.eq(participant)),
    )
    .execute(conn)
}

pub fn delete_magic_links(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::delete(magic_links::table.filter(magic_links::tenant_id.eq(tenant)).filter(magic_links::participant_id.eq(participant)))
        .execute(conn)
}

pub fn delete_portal_sessions(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::delete(
        participant_sessions::table
            .filter(participant_sessions::tenant_id.eq(tenant))
            .filter(participant_sessions::participant_id.eq(participant)),
    )
    .execute(conn)
}

pub fn delete_cards(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    let bound =
        diesel::delete(cards::table.filter(cards::tenant_id.eq(tenant)).filter(cards::participant_id.eq(participant))).execute(conn)?;
    let pending = diesel::delete(
        card_enrolments::table.filter(card_enrolments::tenant_id.eq(tenant)).filter(card_enrolments::participant_id.eq(participant)),
    )
    .execute(conn)?;
    Ok(bound + pending)
}

/// Mails to the person, sent or queued (a queued one is never sent); their bookings
/// forget which mail confirmed them.
pub fn delete_mails(tx: &mut TenantTx<'_>, participant: &str, email_index: &[u8]) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(bookings::table.filter(bookings::tenant_id.eq(tenant)).filter(bookings::participant_id.eq(participant)))
        .set(bookings::mail_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(tenant)).filter(mail_outbox::recipient_index.eq(email_index)))
        .execute(conn)
}

pub fn clear_booking_answers(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(
        bookings::table
            .filter(bookings::tenant_id.eq(tenant))
            .filter(bookings::participant_id.eq(participant))
            .filter(bookings::answers_ciphertext.is_not_null()),
    )
    .set(bookings::answers_ciphertext.eq(None::<Vec<u8>>))
    .execute(conn)
}

pub fn clear_request_messages(tx: &mut TenantTx<'_>, participant: &str) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(
        subject_requests::table
            .filter(subject_requests::tenant_id.eq(tenant))
            .filter(subject_requests::participant_id.eq(participant))
            .filter(subject_requests::message_ciphertext.is_not_null()),
    )
    .set(subject_requests::message_ciphertext.eq(None::<Vec<u8>>))
    .execute(conn)
}

/// Leaves the row as a pseudonym: no name, email, phone or texts; an email index no
/// address has (random), so neither sign-in nor booking finds it again.
pub fn anonymise_participant(tx: &mut TenantTx<'_>, participant: &str, random_index: &[u8], now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(
        participants::table
            .filter(participants::tenant_id.eq(tenant))
            .filter(participants::id.eq(participant))
            .filter(participants::erased_at.is_null()),
    )
    .set((
        participants::email_ciphertext.eq(Vec::<u8>::new()),
        participants::email_index.eq(random_index),
        participants::name_ciphertext.eq(Vec::<u8>::new()),
        participants::phone_ciphertext.eq(None::<Vec<u8>>),
        participants::mail_opt_out_text_ciphertext.eq(None::<Vec<u8>>),
        participants::restricted_at.eq(None::<NaiveDateTime>),
        participants::erased_at.eq(now),
        participants::updated_at.eq(now),
    ))
    .execute(conn)
}

/// Participants of the tenant that exist and are not erased, among `ids`.
pub fn not_erased(tx: &mut TenantTx<'_>, ids: &[String]) -> QueryResult<Vec<String>> {
    let (conn, tenant) = tx.parts();
    participants::table
        .filter(participants::tenant_id.eq(tenant))
        .filter(participants::id.eq_any(ids))
        .filter(participants::erased_at.is_null())
        .select(participants::id)
        .load(conn)
}

pub fn requests(tx: &mut TenantTx<'_>) -> QueryResult<Vec<crate::portal::model::SubjectRequestRow>> {
    let (conn, tenant) = tx.parts();
    use crate::portal::model::SubjectRequestRow;
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant))
        .order((subject_requests::handled_at.is_not_null().asc(), subject_requests::due_at.asc()))
        .select(SubjectRequestRow::as_select())
        .load(conn)
}

pub fn request(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<crate::portal::model::SubjectRequestRow>> {
    let (conn, tenant) = tx.parts();
    use crate::portal::model::SubjectRequestRow;
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant))
        .filter(subject_requests::id.eq(id))
        .select(SubjectRequestRow::as_select())
        .first(conn)
        .optional()
}

/// Marks an open request done; 0 when it was not open (handled concurrently).
pub fn mark_done(tx: &mut TenantTx<'_>, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(
        subject_requests::table
            .filter(subject_requests::tenant_id.eq(tenant))
            .filter(subject_requests::id.eq(id))
            .filter(subject_requests::status.eq("open")),
    )
    .set((subject_requests::status.eq("done"), subject_requests::handled_at.eq(now), subject_requests::handled_by.eq(by)))
    .execute(conn)
}

pub fn set_restricted(tx: &mut TenantTx<'_>, participant: &str, at: Option<NaiveDateTime>, now: NaiveDateTime) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(
        participants::table
            .filter(participants::tenant_id.eq(tenant))
            .filter(participants::id.eq(participant))
            .filter(participants::erased_at.is_null()),
    )
    .set((participants::restricted_at.eq(at), participants::updated_at.eq(now)))
    .execute(conn)
}

/// A mail that must not be found by the person's address later (the erasure notice).
pub fn unlink_mail(conn: &mut DbConnection, id: &str, random_index: &[u8]) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.filter(mail_outbox::id.eq(id))).set(mail_outbox::recipient_index.eq(random_index)).execute(conn)
}

/// Stores corrected personal data (already encrypted) and the new email index.
pub fn correct_participant(tx: &mut TenantTx<'_>, row: &ParticipantRow) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(
        participants::table
            .filter(participants::tenant_id.eq(tenant_id))
            .filter(participants::id.eq(&row.id))
            .filter(participants::erased_at.is_null()),
    )
    .set((
        participants::email_ciphertext.eq(&row.email_ciphertext),
        participants::email_index.eq(&row.email_index),
        participants::name_ciphertext.eq(&row.name_ciphertext),
        participants::phone_ciphertext.eq(&row.phone_ciphertext),
        participants::updated_at.eq(row.updated_at),
    ))
    .execute(conn)
}

pub fn insert_name_terms(tx: &mut TenantTx<'_>, terms: &[TermRow]) -> QueryResult<usize> {
    let conn = tx.conn();
    // One by one: the multi-backend connection has no batch insert.
    terms.iter().map(|t| diesel::insert_into(participant_terms::table).values(t).execute(conn)).sum()
}

/// The person's mails follow the corrected address, so their export still finds them.
pub fn move_mails(tx: &mut TenantTx<'_>, from_index: &[u8], to_index: &[u8]) -> QueryResult<usize> {
    let (conn, tenant) = tx.parts();
    diesel::update(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(tenant)).filter(mail_outbox::recipient_index.eq(from_index)))
        .set(mail_outbox::recipient_index.eq(to_index))
        .execute(conn)
}

// --- retention ---

pub fn retention_settings(tx: &mut TenantTx<'_>) -> QueryResult<Vec<SettingsRow>> {
    let (conn, tenant) = tx.parts();
    retention_settings::table.filter(retention_settings::tenant_id.eq(tenant)).select(SettingsRow::as_select()).load(conn)
}

/// Creates the category's row with its default if missing (both backends know `ON
/// CONFLICT DO NOTHING`, so the job and an admin can race here).
fn ensure_retention_row(tx: &mut TenantTx<'_>, category: &str, default_months: i32) -> QueryResult<()> {
    let (conn, tenant) = tx.parts();
    let sql = match conn {
        DbConnection::Postgres(_) => {
            "INSERT INTO retention_settings (tenant_id, category, months) VALUES ($1, $2, $3) ON CONFLICT DO NOTHING"
        }
        DbConnection::Sqlite(_) => "INSERT INTO retention_settings (tenant_id, category, months) VALUES (?, ?, ?) ON CONFLICT DO NOTHING",
    };
    diesel::sql_query(sql).bind::<Text, _>(tenant).bind::<Text, _>(category).bind::<Integer, _>(default_months).execute(conn)?;
    Ok(())
}

/// Sets one category's period (creating its row).
pub fn set_retention_months(tx: &mut TenantTx<'_>, category: &str, months: i32, now: NaiveDateTime) -> QueryResult<()> {
    ensure_retention_row(tx, category, months)?;
    let (conn, tenant) = tx.parts();
    diesel::update(retention_settings::table.find((tenant, category)))
        .set((retention_settings::months.eq(months), retention_settings::updated_at.eq(now)))
        .execute(conn)?;
    Ok(())
}

/// Notes the end of a run on the category's row (creating it with `default_months`).
pub fn set_retention_last_run(tx: &mut TenantTx<'_>, category: &str, default_months: i32, now: NaiveDateTime) -> QueryResult<()> {
    ensure_retention_row(tx, category, default_months)?;
    let (conn, tenant) = tx.parts();
    diesel::update(retention_settings::table.find((tenant, category))).set(retention_settings::last_run_at.eq(now)).execute(conn)?;
    Ok(())
}

/// Not erased participants: (id, created_at, restricted).
pub fn live_participants(tx: &mut TenantTx<'_>) -> QueryResult<Vec<(String, NaiveDateTime, bool)>> {
    let (conn, tenant) = tx.parts();
    let rows: Vec<(String, NaiveDateTime, Option<NaiveDateTime>)> = participants::table
        .filter(participants::tenant_id.eq(tenant))
        .filter(participants::erased_at.is_null())
        .select((participants::id, participants::created_at, participants::restricted_at))
        .load(conn)?;
    Ok(rows.into_iter().map(|(id, created, restricted)| (id, created, restricted.is_some())).collect())
}

/// The end of the latest session of any event each participant booked.
pub fn last_session_ends(tx: &mut TenantTx<'_>) -> QueryResult<BTreeMap<String, NaiveDateTime>> {
    let (conn, tenant) = tx.parts();
    let rows: Vec<(String, Option<NaiveDateTime>)> = bookings::table
        .inner_join(
            event_sessions::table
                .on(event_sessions::tenant_id.eq(bookings::tenant_id).and(event_sessions::event_id.eq(bookings::event_id))),
        )
        .filter(bookings::tenant_id.eq(tenant))
        .group_by(bookings::participant_id)
        .select((bookings::participant_id, diesel::dsl::max(event_sessions::ends_at)))
        .load(conn)?;
    Ok(rows.into_iter().filter_map(|(id, end)| end.map(|end| (id, end))).collect())
}

/// One participant's (created_at, restricted_at, erased_at).
#[allow(clippy::type_complexity)]
pub fn retention_participant(
    tx: &mut TenantTx<'_>,
    id: &str,
) -> QueryResult<Option<(NaiveDateTime, Option<NaiveDateTime>, Option<NaiveDateTime>)>> {
    let (conn, tenant) = tx.parts();
    participants::table
        .filter(participants::tenant_id.eq(tenant))
        .filter(participants::id.eq(id))
        .select((participants::created_at, participants::restricted_at, participants::erased_at))
        .first(conn)
        .optional()
}

/// The end of the latest session of any event one participant booked.
pub fn last_session_end_of(tx: &mut TenantTx<'_>, id: &str) -> QueryResult<Option<NaiveDateTime>> {
    let (conn, tenant) = tx.parts();
    bookings::table
        .inner_join(
            event_sessions::table
                .on(event_sessions::tenant_id.eq(bookings::tenant_id).and(event_sessions::event_id.eq(bookings::event_id))),
        )
        .filter(bookings::tenant_id.eq(tenant))
        .filter(bookings::participant_id.eq(id))
        .select(diesel::dsl::max(event_sessions::ends_at))
        .first(conn)
}

// --- processing record ---

/// What the processing record counts: rows of the tenant, no personal data.
pub fn processing_counts(tx: &mut TenantTx<'_>) -> QueryResult<ProcessingCounts> {
    let (conn, tenant) = tx.parts();
    let anonymised = participants::table
        .filter(participants::tenant_id.eq(tenant))
        .filter(participants::erased_at.is_not_null())
        .count()
        .get_result(conn)?;
    let all: i64 = participants::table.filter(participants::tenant_id.eq(tenant)).count().get_result(conn)?;
    Ok(ProcessingCounts {
        participants: all - anonymised,
        participants_anonymised: anonymised,
        bookings: bookings::table.filter(bookings::tenant_id.eq(tenant)).count().get_result(conn)?,
        attendance_records: attendance::table.filter(attendance::tenant_id.eq(tenant)).count().get_result(conn)?,
        card_bindings: cards::table.filter(cards::tenant_id.eq(tenant)).count().get_result(conn)?,
        staff_memberships: memberships::table
            .filter(memberships::tenant_id.eq(tenant))
            .filter(memberships::disabled_at.is_null())
            .count()
            .get_result(conn)?,
    })
}
