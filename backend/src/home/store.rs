use chrono::NaiveDateTime;
use diesel::prelude::*;

use crate::db::schema::{bookings, devices, mail_outbox, subject_requests};
use crate::db::TenantTx;
use crate::devices::model::DeviceRow;
use crate::notify::model::MailStatus;
use crate::portal::model::SubjectRequestRow;

/// (event id, number) of the bookings waiting for a seat, per event.
pub fn waiting_counts(tx: &mut TenantTx<'_>) -> QueryResult<Vec<(String, i64)>> {
    let (conn, tenant_id) = tx.parts();
    bookings::table
        .filter(bookings::tenant_id.eq(tenant_id))
        .filter(bookings::status.eq(crate::bookings::model::WAITING))
        .group_by(bookings::event_id)
        .select((bookings::event_id, diesel::dsl::count_star()))
        .load(conn)
}

/// (purpose, number) of the tenant's mails given up since `since` (failed or bounced).
pub fn failed_mails(tx: &mut TenantTx<'_>, since: NaiveDateTime) -> QueryResult<Vec<(String, i64)>> {
    let (conn, tenant_id) = tx.parts();
    mail_outbox::table
        .filter(mail_outbox::sender_tenant_id.eq(tenant_id))
        .filter(mail_outbox::status.eq_any([MailStatus::Failed.code(), MailStatus::Bounced.code()]))
        .filter(mail_outbox::created_at.ge(since))
        .group_by(mail_outbox::purpose)
        .select((mail_outbox::purpose, diesel::dsl::count_star()))
        .order(mail_outbox::purpose.asc())
        .load(conn)
}

/// Open requests about personal data, the earliest deadline first.
pub fn open_requests(tx: &mut TenantTx<'_>) -> QueryResult<Vec<SubjectRequestRow>> {
    let (conn, tenant_id) = tx.parts();
    subject_requests::table
        .filter(subject_requests::tenant_id.eq(tenant_id))
        .filter(subject_requests::status.eq("open"))
        .order(subject_requests::due_at.asc())
        .select(SubjectRequestRow::as_select())
        .load(conn)
}

/// Devices that are not revoked.
pub fn active_devices(tx: &mut TenantTx<'_>) -> QueryResult<Vec<DeviceRow>> {
    let (conn, tenant_id) = tx.parts();
    devices::table
        .filter(devices::tenant_id.eq(tenant_id))
        .filter(devices::revoked_at.is_null())
        .order(devices::name.asc())
        .select(DeviceRow::as_select())
        .load(conn)
}
