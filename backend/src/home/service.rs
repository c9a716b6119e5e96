use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};

use super::model::{AdminHome, DeviceOverdue, FailedMails, Home, HomeSession, OpenRequest, WaitingList};
use super::store;
use crate::auth::policy::{decide, Permission};
use crate::auth::service::Principal;
use crate::bookings::model::CONFIRMED;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::access::visible_among;
use crate::events::model::{EventRow, STATUS_PUBLISHED};
use crate::events::store as events;
use crate::portal::model::RequestKind;
use crate::state::AppState;

/// Sessions starting within this many days are "next".
pub const UPCOMING_DAYS: i64 = 7;
/// At most this many sessions are listed.
const MAX_SESSIONS: usize = 12;
/// Undeliverable mails of this many days are shown.
pub const FAILED_MAIL_DAYS: i64 = 30;
/// A device silent this long is overdue (agents send a heartbeat every 30 s by default).
pub const DEVICE_SILENT_MINUTES: i64 = 10;
/// The retention job runs daily; this late it has failed or the server was down.
pub const RETENTION_LATE_HOURS: i64 = 48;

/// The start page of `p` in `scope`. Admin parts come only with the permissions behind them.
pub fn home(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<Home, AppError> {
    let now = p.audit.at.naive_utc();
    let admin = decide(p, Permission::SubjectRequestsManage).is_some() && decide(p, Permission::DevicesManage).is_some();
    state.db.tenant_read(scope, |tx| {
        Ok(Home {
            sessions: sessions(tx, p, now)?,
            waiting_lists: waiting_lists(tx, p, now)?,
            failed_mails: store::failed_mails(tx, now - Duration::days(FAILED_MAIL_DAYS))?
                .into_iter()
                .map(|(purpose, count)| FailedMails { purpose, count })
                .collect(),
            admin: if admin { Some(admin_home(state, tx, now)?) } else { None },
        })
    })
}

/// Published events of `ids` that `p` may see, by id, with their confirmed bookings.
fn visible(tx: &mut TenantTx<'_>, p: &Principal, ids: &[String]) -> Result<HashMap<String, (EventRow, i64)>, AppError> {
    let rows = events::by_ids(tx, ids)?.into_iter().filter(|e| e.status == STATUS_PUBLISHED).collect();
    let rows = visible_among(tx, p, rows)?;
    let ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
    let mut confirmed: HashMap<String, i64> = HashMap::new();
    for (event, status, n) in events::booking_counts(tx, &ids)? {
        if status == CONFIRMED {
            confirmed.insert(event, n);
        }
    }
    Ok(rows
        .into_iter()
        .map(|e| {
            let booked = confirmed.get(&e.id).copied().unwrap_or(0);
            (e.id.clone(), (e, booked))
        })
        .collect())
}

fn sessions(tx: &mut TenantTx<'_>, p: &Principal, now: NaiveDateTime) -> Result<Vec<HomeSession>, AppError> {
    let rows = events::sessions_between(tx, now, now + Duration::days(UPCOMING_DAYS))?;
    let ids: Vec<String> = rows.iter().map(|s| s.event_id.clone()).collect();
    let events = visible(tx, p, &ids)?;
    let rows: Vec<_> = rows.into_iter().filter(|s| events.contains_key(&s.event_id)).take(MAX_SESSIONS).collect();
    let session_ids: Vec<String> = rows.iter().map(|s| s.id.clone()).collect();
    let present = crate::attendance::service::present_counts(tx, &session_ids)?;
    Ok(rows
        .into_iter()
        .filter_map(|s| {
            let (event, booked) = events.get(&s.event_id)?;
            Some(HomeSession {
                checked_in: present.get(&s.id).copied().unwrap_or(0),
                running: s.starts_at <= now,
                session_id: s.id,
                event_id: event.id.clone(),
                event_title: event.title.clone(),
                starts_at: s.starts_at,
                ends_at: s.ends_at,
                booked: *booked,
                seats: event.capacity,
            })
        })
        .collect())
}

/// Events with a waiting list that still have a session ahead.
fn waiting_lists(tx: &mut TenantTx<'_>, p: &Principal, now: NaiveDateTime) -> Result<Vec<WaitingList>, AppError> {
    let counts = store::waiting_counts(tx)?;
    let ids: Vec<String> = counts.iter().map(|(id, _)| id.clone()).collect();
    let events = visible(tx, p, &ids)?;
    let ahead: Vec<String> = events::sessions(tx, &ids)?.into_iter().filter(|s| s.ends_at >= now).map(|s| s.event_id).collect();
    let mut lists: Vec<WaitingList> = counts
        .into_iter()
        .filter(|(id, _)| ahead.contains(id))
        .filter_map(|(id, waiting)| {
            let (event, booked) = events.get(&id)?;
            Some(WaitingList {
                event_id: id,
                event_title: event.title.clone(),
                waiting,
                seats_left: (i64::from(event.capacity) - booked).max(0),
            })
        })
        .collect();
    lists.sort_by(|a, b| b.waiting.cmp(&a.waiting).then_with(|| a.event_title.cmp(&b.event_title)));
    Ok(lists)
}

fn admin_home(state: &AppState, tx: &mut TenantTx<'_>, now: NaiveDateTime) -> Result<AdminHome, AppError> {
    let open_requests = store::open_requests(tx)?
        .into_iter()
        .map(|r| Ok(OpenRequest { kind: RequestKind::from_stored(&r.kind)?, overdue: r.due_at <= now, due_at: r.due_at, id: r.id }))
        .collect::<Result<Vec<_>, AppError>>()?;
    let devices = store::active_devices(tx)?;
    let minimum = &state.config.devices.minimum_agent_version;
    let outdated_agents = devices.iter().filter(|d| crate::devices::service::is_outdated(d.agent_version.as_deref(), minimum)).count();
    let silent_since = now - Duration::minutes(DEVICE_SILENT_MINUTES);
    let devices_overdue = devices
        .into_iter()
        // A device that never reported counts from its enrolment.
        .filter(|d| d.last_heartbeat_at.unwrap_or(d.created_at) < silent_since)
        .map(|d| DeviceOverdue { id: d.id, name: d.name, last_heartbeat_at: d.last_heartbeat_at })
        .collect();
    let retention_last_run_at = crate::privacy::store::retention_settings(tx)?.into_iter().filter_map(|r| r.last_run_at).max();
    Ok(AdminHome {
        open_requests,
        devices_overdue,
        outdated_agents: i64::try_from(outdated_agents).unwrap_or(i64::MAX),
        retention_overdue: retention_last_run_at.is_some_and(|at| at < now - Duration::hours(RETENTION_LATE_HOURS)),
        retention_last_run_at,
    })
}
