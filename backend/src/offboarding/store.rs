//! Queries of the offboarding: its row, the tenant's status, and the deletion of every
//! tenant row that holds or links personal data.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::OffboardingRow;
use crate::absences::model::AbsenceRow;
use crate::attendance::model::{AttendanceRow, CardRow, ClosingRow, SignatureRow, TapRow};
use crate::audit::model::Entry;
use crate::auth::model::Membership;
use crate::bookings::model::{BookingRow, ParticipantRow};
use crate::companies::model::Company;
use crate::db::schema::{
    absence_alerts, absence_settings, absences, attendance, attendance_signatures, audit_entries, booking_holds, bookings, calendar_feeds,
    card_enrolments, cards, companies, device_enrolments, device_nonces, device_taps, devices, event_instructors, event_sessions, events,
    invitations, locations, magic_links, mail_outbox, mail_templates, memberships, participant_sessions, participant_terms, participants,
    saml_sp_keys, secure_card_settings, session_closings, sessions, subject_requests, tenant_keys, tenant_offboardings, tenants,
    webhook_deliveries, webhook_endpoints,
};
use crate::db::{DbConnection, TenantTx};
use crate::devices::model::DeviceRow;
use crate::events::model::{EventRow, InstructorRow, SessionRow};
use crate::invitations::model::Invitation;
use crate::portal::model::SubjectRequestRow;

pub fn find(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Option<OffboardingRow>> {
    tenant_offboardings::table
        .filter(tenant_offboardings::tenant_id.eq(tenant_id))
        .select(OffboardingRow::as_select())
        .first(conn)
        .optional()
}

pub fn insert(conn: &mut DbConnection, row: &OffboardingRow) -> QueryResult<usize> {
    diesel::insert_into(tenant_offboardings::table).values(row).execute(conn)
}

/// Offboardings whose export window has ended and whose data is not yet deleted.
pub fn due(conn: &mut DbConnection, now: NaiveDateTime) -> QueryResult<Vec<String>> {
    tenant_offboardings::table
        .filter(tenant_offboardings::completed_at.is_null())
        .filter(tenant_offboardings::archive_until.le(now))
        .order(tenant_offboardings::archive_until.asc())
        .select(tenant_offboardings::tenant_id)
        .load(conn)
}

pub fn complete(conn: &mut DbConnection, tenant_id: &str, now: NaiveDateTime, certificate: &str) -> QueryResult<usize> {
    diesel::update(
        tenant_offboardings::table.filter(tenant_offboardings::tenant_id.eq(tenant_id)).filter(tenant_offboardings::completed_at.is_null()),
    )
    .set((
        tenant_offboardings::completed_at.eq(now),
        tenant_offboardings::keys_destroyed_at.eq(now),
        tenant_offboardings::certificate.eq(certificate),
    ))
    .execute(conn)
}

/// Moves the tenant from `from` to `to` (`active` → `read_only` → `offboarded`); 0 when
/// it was not in `from`.
pub fn set_status(conn: &mut DbConnection, tenant_id: &str, from: &str, to: &str, now: NaiveDateTime) -> QueryResult<usize> {
    diesel::update(tenants::table.find(tenant_id).filter(tenants::status.eq(from)))
        .set((tenants::status.eq(to), tenants::updated_at.eq(now)))
        .execute(conn)
}

/// The consent text of the booking pages may name people; it goes with the data.
pub fn clear_tenant_texts(tx: &mut TenantTx<'_>) -> QueryResult<usize> {
    let (conn, tenant_id) = tx.parts();
    diesel::update(tenants::table.find(tenant_id)).set(tenants::booking_consent_text.eq(None::<String>)).execute(conn)
}

pub fn status(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<Option<String>> {
    tenants::table.find(tenant_id).select(tenants::status).first(conn).optional()
}

fn n(count: usize) -> i64 {
    i64::try_from(count).unwrap_or(i64::MAX)
}

/// Deletes every row of the tenant that holds or links personal data, children before
/// parents, and ends the staff sessions acting in it. Returns (category, rows) in the
/// order deleted. Kept: the tenant row (id, slug, name), its offboarding row, the key
/// rows (without key material, see `destroy_keys`), the audit chain and the deletion log
/// (ids and pseudonyms only, append-only evidence).
pub fn delete_tenant_data(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> QueryResult<Vec<(&'static str, i64)>> {
    let (conn, t) = tx.parts();
    let mut out = Vec::new();
    macro_rules! delete {
        ($category:literal, $table:ident) => {
            out.push(($category, n(diesel::delete($table::table.filter($table::tenant_id.eq(t))).execute(conn)?)));
        };
    }
    delete!("webhook_deliveries", webhook_deliveries);
    delete!("webhook_endpoints", webhook_endpoints);
    delete!("device_taps", device_taps);
    delete!("signatures", attendance_signatures);
    delete!("attendance_list_closings", session_closings);
    delete!("attendance_records", attendance);
    delete!("absences", absences);
    delete!("absence_alerts", absence_alerts);
    delete!("absence_settings", absence_settings);
    delete!("card_enrolments", card_enrolments);
    delete!("card_bindings", cards);
    delete!("secure_card_keys", secure_card_settings);
    delete!("device_nonces", device_nonces);
    delete!("devices", devices);
    delete!("device_enrolments", device_enrolments);
    delete!("name_search_index", participant_terms);
    delete!("sign_in_links", magic_links);
    delete!("portal_sessions", participant_sessions);
    delete!("subject_requests", subject_requests);
    delete!("booking_requests", booking_holds);
    delete!("bookings", bookings);
    delete!("participants", participants);
    delete!("event_instructors", event_instructors);
    delete!("event_sessions", event_sessions);
    delete!("events", events);
    delete!("invitations", invitations);
    out.push(("mails", n(diesel::delete(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(t))).execute(conn)?)));
    delete!("calendar_feeds", calendar_feeds);
    delete!("staff_memberships", memberships);
    delete!("companies", companies);
    delete!("locations", locations);
    delete!("mail_texts", mail_templates);
    delete!("saml_sp_keys", saml_sp_keys);
    let ended = diesel::update(sessions::table.filter(sessions::active_tenant_id.eq(t)).filter(sessions::ended_at.is_null()))
        .set((sessions::ended_at.eq(now), sessions::end_reason.eq("tenant_offboarded")))
        .execute(conn)?;
    out.push(("staff_sessions_ended", n(ended)));
    Ok(out)
}

/// Destroys the key material of the tenant's data and index keys (the rows stay, with
/// `wrapped_key` NULL and `destroyed_at` set). Returns (key id, purpose) of each.
pub fn destroy_keys(tx: &mut TenantTx<'_>, now: NaiveDateTime) -> QueryResult<Vec<(String, String)>> {
    let (conn, tenant_id) = tx.parts();
    let keys: Vec<(String, String)> = tenant_keys::table
        .filter(tenant_keys::tenant_id.eq(tenant_id))
        .filter(tenant_keys::wrapped_key.is_not_null())
        .order(tenant_keys::created_at.asc())
        .select((tenant_keys::id, tenant_keys::purpose))
        .load(conn)?;
    diesel::update(tenant_keys::table.filter(tenant_keys::tenant_id.eq(tenant_id)).filter(tenant_keys::wrapped_key.is_not_null()))
        .set((tenant_keys::wrapped_key.eq(None::<Vec<u8>>), tenant_keys::destroyed_at.eq(now)))
        .execute(conn)?;
    Ok(keys)
}

// --- export archive (TOM DEL-2): every row of a table of the tenant, by id ---

pub fn archive_participants(tx: &mut TenantTx<'_>) -> QueryResult<Vec<ParticipantRow>> {
    let (conn, t) = tx.parts();
    participants::table.filter(participants::tenant_id.eq(t)).order(participants::id.asc()).select(ParticipantRow::as_select()).load(conn)
}

pub fn archive_bookings(tx: &mut TenantTx<'_>) -> QueryResult<Vec<BookingRow>> {
    let (conn, t) = tx.parts();
    bookings::table.filter(bookings::tenant_id.eq(t)).order(bookings::id.asc()).select(BookingRow::as_select()).load(conn)
}

pub fn archive_events(tx: &mut TenantTx<'_>) -> QueryResult<Vec<EventRow>> {
    let (conn, t) = tx.parts();
    events::table.filter(events::tenant_id.eq(t)).order(events::id.asc()).select(EventRow::as_select()).load(conn)
}

pub fn archive_event_sessions(tx: &mut TenantTx<'_>) -> QueryResult<Vec<SessionRow>> {
    let (conn, t) = tx.parts();
    event_sessions::table.filter(event_sessions::tenant_id.eq(t)).order(event_sessions::id.asc()).select(SessionRow::as_select()).load(conn)
}

pub fn archive_event_instructors(tx: &mut TenantTx<'_>) -> QueryResult<Vec<InstructorRow>> {
    let (conn, t) = tx.parts();
    event_instructors::table
        .filter(event_instructors::tenant_id.eq(t))
        .order((event_instructors::event_id.asc(), event_instructors::account_id.asc()))
        .select(InstructorRow::as_select())
        .load(conn)
}

pub fn archive_attendance(tx: &mut TenantTx<'_>) -> QueryResult<Vec<AttendanceRow>> {
    let (conn, t) = tx.parts();
    attendance::table.filter(attendance::tenant_id.eq(t)).order(attendance::id.asc()).select(AttendanceRow::as_select()).load(conn)
}

pub fn archive_signatures(tx: &mut TenantTx<'_>) -> QueryResult<Vec<SignatureRow>> {
    let (conn, t) = tx.parts();
    attendance_signatures::table
        .filter(attendance_signatures::tenant_id.eq(t))
        .order(attendance_signatures::id.asc())
        .select(SignatureRow::as_select())
        .load(conn)
}

pub fn archive_closings(tx: &mut TenantTx<'_>) -> QueryResult<Vec<ClosingRow>> {
    let (conn, t) = tx.parts();
    session_closings::table
        .filter(session_closings::tenant_id.eq(t))
        .order(session_closings::id.asc())
        .select(ClosingRow::as_select())
        .load(conn)
}

pub fn archive_absences(tx: &mut TenantTx<'_>) -> QueryResult<Vec<AbsenceRow>> {
    let (conn, t) = tx.parts();
    absences::table.filter(absences::tenant_id.eq(t)).order(absences::id.asc()).select(AbsenceRow::as_select()).load(conn)
}

pub fn archive_device_taps(tx: &mut TenantTx<'_>) -> QueryResult<Vec<TapRow>> {
    let (conn, t) = tx.parts();
    device_taps::table
        .filter(device_taps::tenant_id.eq(t))
        .order((device_taps::device_id.asc(), device_taps::idempotency_key.asc()))
        .select(TapRow::as_select())
        .load(conn)
}

pub fn archive_subject_requests(tx: &mut TenantTx<'_>) -> QueryResult<Vec<SubjectRequestRow>> {
    let (conn, t) = tx.parts();
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(t))
        .order(subject_requests::id.asc())
        .select(SubjectRequestRow::as_select())
        .load(conn)
}

pub fn archive_cards(tx: &mut TenantTx<'_>) -> QueryResult<Vec<CardRow>> {
    let (conn, t) = tx.parts();
    cards::table.filter(cards::tenant_id.eq(t)).order(cards::id.asc()).select(CardRow::as_select()).load(conn)
}

pub fn archive_devices(tx: &mut TenantTx<'_>) -> QueryResult<Vec<DeviceRow>> {
    let (conn, t) = tx.parts();
    devices::table.filter(devices::tenant_id.eq(t)).order(devices::id.asc()).select(DeviceRow::as_select()).load(conn)
}

#[allow(clippy::type_complexity)]
pub fn archive_locations(
    tx: &mut TenantTx<'_>,
) -> QueryResult<Vec<(String, Option<String>, String, chrono::NaiveDateTime, chrono::NaiveDateTime)>> {
    let (conn, t) = tx.parts();
    locations::table
        .filter(locations::tenant_id.eq(t))
        .order(locations::id.asc())
        .select((locations::id, locations::parent_id, locations::name, locations::created_at, locations::updated_at))
        .load(conn)
}

pub fn archive_companies(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Company>> {
    let (conn, t) = tx.parts();
    companies::table.filter(companies::tenant_id.eq(t)).order(companies::id.asc()).select(Company::as_select()).load(conn)
}

pub fn archive_memberships(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Membership>> {
    let (conn, t) = tx.parts();
    memberships::table.filter(memberships::tenant_id.eq(t)).order(memberships::id.asc()).select(Membership::as_select()).load(conn)
}

pub fn archive_invitations(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Invitation>> {
    let (conn, t) = tx.parts();
    invitations::table.filter(invitations::tenant_id.eq(t)).order(invitations::id.asc()).select(Invitation::as_select()).load(conn)
}

/// The tenant's audit chain (its name is the tenant id), sealed entries only.
pub fn archive_audit_entries(tx: &mut TenantTx<'_>) -> QueryResult<Vec<Entry>> {
    let (conn, t) = tx.parts();
    audit_entries::table
        .filter(audit_entries::chain.eq(t))
        .filter(audit_entries::seq.is_not_null())
        .order(audit_entries::seq.asc())
        .select(Entry::as_select())
        .load(conn)
}
