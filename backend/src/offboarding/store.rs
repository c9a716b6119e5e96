//! Queries of the offboarding: its row, the tenant's status, and the deletion of every
//! tenant row that holds or links personal data.

use chrono::NaiveDateTime;
use diesel::prelude::*;

use super::model::OffboardingRow;
use crate::db::schema::{
    attendance, bookings, card_enrolments, cards, companies, device_enrolments, device_nonces, device_taps, devices, event_instructors,
    event_sessions, events, invitations, locations, magic_links, mail_outbox, memberships, participant_sessions, participant_terms,
    participants, sessions, subject_requests, tenant_keys, tenant_offboardings, tenants,
};
use crate::db::DbConnection;

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
pub fn clear_tenant_texts(conn: &mut DbConnection, tenant_id: &str) -> QueryResult<usize> {
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
pub fn delete_tenant_data(conn: &mut DbConnection, t: &str, now: NaiveDateTime) -> QueryResult<Vec<(&'static str, i64)>> {
    let mut out = Vec::new();
    macro_rules! delete {
        ($category:literal, $table:ident) => {
            out.push(($category, n(diesel::delete($table::table.filter($table::tenant_id.eq(t))).execute(conn)?)));
        };
    }
    delete!("device_taps", device_taps);
    delete!("attendance_records", attendance);
    delete!("card_enrolments", card_enrolments);
    delete!("card_bindings", cards);
    delete!("device_nonces", device_nonces);
    delete!("devices", devices);
    delete!("device_enrolments", device_enrolments);
    delete!("name_search_index", participant_terms);
    delete!("sign_in_links", magic_links);
    delete!("portal_sessions", participant_sessions);
    delete!("subject_requests", subject_requests);
    delete!("bookings", bookings);
    delete!("participants", participants);
    delete!("event_instructors", event_instructors);
    delete!("event_sessions", event_sessions);
    delete!("events", events);
    delete!("invitations", invitations);
    out.push(("mails", n(diesel::delete(mail_outbox::table.filter(mail_outbox::sender_tenant_id.eq(t))).execute(conn)?)));
    delete!("staff_memberships", memberships);
    delete!("companies", companies);
    delete!("locations", locations);
    let ended = diesel::update(sessions::table.filter(sessions::active_tenant_id.eq(t)).filter(sessions::ended_at.is_null()))
        .set((sessions::ended_at.eq(now), sessions::end_reason.eq("tenant_offboarded")))
        .execute(conn)?;
    out.push(("staff_sessions_ended", n(ended)));
    Ok(out)
}

/// Destroys the key material of the tenant's data and index keys (the rows stay, with
/// `wrapped_key` NULL and `destroyed_at` set). Returns (key id, purpose) of each.
pub fn destroy_keys(conn: &mut DbConnection, tenant_id: &str, now: NaiveDateTime) -> QueryResult<Vec<(String, String)>> {
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
