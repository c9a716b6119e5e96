use diesel::prelude::*;

use super::model::{AbsenceAlertRow, AbsenceRow, AbsenceSettingsRow};
use crate::db::schema::{absence_alerts, absence_settings, absences};
use crate::db::TenantTx;

pub fn of_sessions(tx: &mut TenantTx<'_>, session_ids: &[String]) -> QueryResult<Vec<AbsenceRow>> {
    let (conn, t) = tx.parts();
    absences::table
        .filter(absences::tenant_id.eq(t))
        .filter(absences::session_id.eq_any(session_ids))
        .order(absences::id.asc())
        .select(AbsenceRow::as_select())
        .load(conn)
}

pub fn of_participant(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<Vec<AbsenceRow>> {
    let (conn, t) = tx.parts();
    absences::table
        .filter(absences::tenant_id.eq(t))
        .filter(absences::participant_id.eq(participant_id))
        .order(absences::id.asc())
        .select(AbsenceRow::as_select())
        .load(conn)
}

pub fn find(tx: &mut TenantTx<'_>, session_id: &str, participant_id: &str) -> QueryResult<Option<AbsenceRow>> {
    let (conn, t) = tx.parts();
    absences::table
        .filter(absences::tenant_id.eq(t))
        .filter(absences::session_id.eq(session_id))
        .filter(absences::participant_id.eq(participant_id))
        .select(AbsenceRow::as_select())
        .first(conn)
        .optional()
}

/// Inserts the row, or replaces the one of its session and person.
pub fn put(tx: &mut TenantTx<'_>, row: &AbsenceRow) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    let updated = diesel::update(absences::table.find((t, &row.id))).set(row).execute(conn)?;
    if updated > 0 {
        return Ok(updated);
    }
    diesel::insert_into(absences::table).values(row).execute(conn)
}

pub fn delete_of_participant(tx: &mut TenantTx<'_>, participant_id: &str) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    let alerts = diesel::delete(
        absence_alerts::table.filter(absence_alerts::tenant_id.eq(t)).filter(absence_alerts::participant_id.eq(participant_id)),
    )
    .execute(conn)?;
    let (conn, t) = tx.parts();
    let rows = diesel::delete(absences::table.filter(absences::tenant_id.eq(t)).filter(absences::participant_id.eq(participant_id)))
        .execute(conn)?;
    Ok(rows + alerts)
}

pub fn settings(tx: &mut TenantTx<'_>, event_id: &str) -> QueryResult<Option<AbsenceSettingsRow>> {
    let (conn, t) = tx.parts();
    absence_settings::table.find((t, event_id)).select(AbsenceSettingsRow::as_select()).first(conn).optional()
}

/// Every course with a threshold and the organiser's mail turned on.
pub fn notifying(tx: &mut TenantTx<'_>) -> QueryResult<Vec<AbsenceSettingsRow>> {
    let (conn, t) = tx.parts();
    absence_settings::table
        .filter(absence_settings::tenant_id.eq(t))
        .filter(absence_settings::notify_organiser.eq(true))
        .filter(absence_settings::threshold_percent.is_not_null())
        .select(AbsenceSettingsRow::as_select())
        .load(conn)
}

pub fn set_settings(tx: &mut TenantTx<'_>, row: &AbsenceSettingsRow) -> QueryResult<usize> {
    let (conn, t) = tx.parts();
    let updated = diesel::update(absence_settings::table.find((t, &row.event_id)))
        .set((
            absence_settings::threshold_percent.eq(row.threshold_percent),
            absence_settings::notify_organiser.eq(row.notify_organiser),
            absence_settings::updated_at.eq(row.updated_at),
        ))
        .execute(conn)?;
    if updated > 0 {
        return Ok(updated);
    }
    diesel::insert_into(absence_settings::table).values(row).execute(conn)
}

pub fn alerted(tx: &mut TenantTx<'_>, event_id: &str) -> QueryResult<Vec<String>> {
    let (conn, t) = tx.parts();
    absence_alerts::table
        .filter(absence_alerts::tenant_id.eq(t))
        .filter(absence_alerts::event_id.eq(event_id))
        .select(absence_alerts::participant_id)
        .load(conn)
}

pub fn insert_alert(tx: &mut TenantTx<'_>, row: &AbsenceAlertRow) -> QueryResult<usize> {
    let conn = tx.conn();
    diesel::insert_into(absence_alerts::table).values(row).execute(conn)
}
