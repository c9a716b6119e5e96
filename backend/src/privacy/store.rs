//! The rows an erasure or a correction touches. Each function returns how many rows it changed.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::bookings::model::{ParticipantRow, TermRow};
use crate::db::schema::{
    bookings, card_enrolments, cards, magic_links, mail_outbox, participant_sessions, participant_terms, participants, subject_requests,
};
use crate::db::DbConnection;

pub fn delete_name_terms(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
    diesel::delete(
        participant_terms::table.filter(participant_terms::tenant_id.eq(tenant)).filter(participant_terms::participant_id.eq(participant)),
    )
    .execute(conn)
}

pub fn delete_magic_links(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
    diesel::delete(magic_links::table.filter(magic_links::tenant_id.eq(tenant)).filter(magic_links::participant_id.eq(participant)))
        .execute(conn)
}

pub fn delete_portal_sessions(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
    diesel::delete(
        participant_sessions::table
            .filter(participant_sessions::tenant_id.eq(tenant))
            .filter(participant_sessions::participant_id.eq(participant)),
    )
    .execute(conn)
}

pub fn delete_cards(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
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
pub fn delete_mails(conn: &mut DbConnection, tenant: &str, participant: &str, email_index: &[u8]) -> QueryResult<usize> {
    diesel::update(bookings::table.filter(bookings::tenant_id.eq(tenant)).filter(bookings::participant_id.eq(participant)))
        .set(bookings::mail_id.eq(None::<String>))
        .execute(conn)?;
    diesel::delete(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(tenant)).filter(mail_outbox::recipient_index.eq(email_index)))
        .execute(conn)
}

pub fn clear_booking_answers(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
    diesel::update(
        bookings::table
            .filter(bookings::tenant_id.eq(tenant))
            .filter(bookings::participant_id.eq(participant))
            .filter(bookings::answers_ciphertext.is_not_null()),
    )
    .set(bookings::answers_ciphertext.eq(None::<Vec<u8>>))
    .execute(conn)
}

pub fn clear_request_messages(conn: &mut DbConnection, tenant: &str, participant: &str) -> QueryResult<usize> {
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
pub fn anonymise_participant(
    conn: &mut DbConnection,
    tenant: &str,
    participant: &str,
    random_index: &[u8],
    now: NaiveDateTime,
) -> QueryResult<usize> {
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
pub fn not_erased(conn: &mut DbConnection, tenant: &str, ids: &[String]) -> QueryResult<Vec<String>> {
    participants::table
        .filter(participants::tenant_id.eq(tenant))
        .filter(participants::id.eq_any(ids))
        .filter(participants::erased_at.is_null())
        .select(participants::id)
        .load(conn)
}

pub fn requests(conn: &mut DbConnection, tenant: &str) -> QueryResult<Vec<crate::portal::model::SubjectRequestRow>> {
    use crate::portal::model::SubjectRequestRow;
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant))
        .order((subject_requests::handled_at.is_not_null().asc(), subject_requests::due_at.asc()))
        .select(SubjectRequestRow::as_select())
        .load(conn)
}

pub fn request(conn: &mut DbConnection, tenant: &str, id: &str) -> QueryResult<Option<crate::portal::model::SubjectRequestRow>> {
    use crate::portal::model::SubjectRequestRow;
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant))
        .filter(subject_requests::id.eq(id))
        .select(SubjectRequestRow::as_select())
        .first(conn)
        .optional()
}

/// Marks an open request done; 0 when it was not open (handled concurrently).
pub fn mark_done(conn: &mut DbConnection, tenant: &str, id: &str, by: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(
        subject_requests::table
            .filter(subject_requests::tenant_id.eq(tenant))
            .filter(subject_requests::id.eq(id))
            .filter(subject_requests::status.eq("open")),
    )
    .set((subject_requests::status.eq("done"), subject_requests::handled_at.eq(now), subject_requests::handled_by.eq(by)))
    .execute(conn)
}

pub fn set_restricted(
    conn: &mut DbConnection,
    tenant: &str,
    participant: &str,
    at: Option<NaiveDateTime>,
    now: NaiveDateTime,
) -> QueryResult<usize> {
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
pub fn correct_participant(conn: &mut DbConnection, row: &ParticipantRow) -> QueryResult<usize> {
    diesel::update(
        participants::table
            .filter(participants::tenant_id.eq(&row.tenant_id))
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

pub fn insert_name_terms(conn: &mut DbConnection, terms: &[TermRow]) -> QueryResult<usize> {
    // One by one: the multi-backend connection has no batch insert.
    terms.iter().map(|t| diesel::insert_into(participant_terms::table).values(t).execute(conn)).sum()
}

/// The person's mails follow the corrected address, so their export still finds them.
pub fn move_mails(conn: &mut DbConnection, tenant: &str, from_index: &[u8], to_index: &[u8]) -> QueryResult<usize> {
    diesel::update(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(tenant)).filter(mail_outbox::recipient_index.eq(from_index)))
        .set(mail_outbox::recipient_index.eq(to_index))
        .execute(conn)
}
