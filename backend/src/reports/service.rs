use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{Duration, NaiveDateTime};

use super::model::*;
use crate::attendance::model::CHECK_IN;
use crate::attendance::service::{effective, GRACE_MINUTES};
use crate::auth::policy::{decide, Permission};
use crate::auth::service::Principal;
use crate::bookings::model::CONFIRMED;
use crate::db::TenantScope;
use crate::error::AppError;
use crate::events::model::SessionRow;
use crate::state::AppState;

fn percent(part: i64, whole: i64) -> i64 {
    if whole == 0 {
        0
    } else {
        part * 100 / whole
    }
}

/// The tenant's report over the sessions that ended in the last `days` days, of the
/// events the caller may see (instructors: theirs; company admins: their companies').
pub fn report(state: &AppState, p: &Principal, scope: &TenantScope, days: Option<i64>) -> Result<Report, AppError> {
    let days = days.unwrap_or(90);
    if !(1..=366).contains(&days) {
        return Err(AppError::invalid("days", "1–366"));
    }
    let to = p.audit.at.naive_utc();
    let from = to - Duration::days(days);
    let mut report = state.db.tenant_read(scope, |tx| {
        let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        let zone = tenant.zone();
        let ended: Vec<SessionRow> =
            crate::events::store::sessions_between(tx, from, to)?.into_iter().filter(|s| s.ends_at >= from && s.ends_at <= to).collect();
        let event_ids: Vec<String> = ended.iter().map(|s| s.event_id.clone()).collect::<HashSet<_>>().into_iter().collect();
        let rows = crate::events::store::by_ids(tx, &event_ids)?;
        let events = crate::events::access::visible_among(tx, p, rows)?;
        let events: HashMap<String, crate::events::model::EventRow> = events.into_iter().map(|e| (e.id.clone(), e)).collect();
        let mut sessions: Vec<SessionRow> = ended.into_iter().filter(|s| events.contains_key(&s.event_id)).collect();
        sessions.sort_by(|a, b| a.starts_at.cmp(&b.starts_at).then(a.id.cmp(&b.id)));
        let session_ids: Vec<String> = sessions.iter().map(|s| s.id.clone()).collect();
        let records = crate::attendance::store::of_sessions(tx, &session_ids)?;
        let in_force = effective(&records);
        // First in-force check-in per (session, person).
        let mut first: HashMap<(&str, &str), NaiveDateTime> = HashMap::new();
        for r in in_force.iter().filter(|r| r.kind == CHECK_IN) {
            let at = first.entry((r.session_id.as_str(), r.participant_id.as_str())).or_insert(r.occurred_at);
            if r.occurred_at < *at {
                *at = r.occurred_at;
            }
        }
        let excused: HashSet<(String, String)> = crate::absences::store::of_sessions(tx, &session_ids)?
            .into_iter()
            .filter(|a| a.excused)
            .map(|a| (a.session_id, a.participant_id))
            .collect();
        let mut confirmed: HashMap<String, Vec<String>> = HashMap::new();
        for id in events.keys() {
            let people = crate::bookings::store::of_event(tx, id)?.into_iter().filter(|b| b.status == CONFIRMED).map(|b| b.participant_id);
            confirmed.insert(id.clone(), people.collect());
        }
        let mut session_rows = Vec::new();
        for s in &sessions {
            let people = confirmed.get(&s.event_id).map(Vec::as_slice).unwrap_or_default();
            let (mut present, mut late, mut excused_n) = (0, 0, 0);
            for person in people {
                match first.get(&(s.id.as_str(), person.as_str())) {
                    Some(at) => {
                        present += 1;
                        if *at > s.starts_at + Duration::minutes(GRACE_MINUTES) {
                            late += 1;
                        }
                    }
                    None if excused.contains(&(s.id.clone(), person.clone())) => excused_n += 1,
                    None => {}
                }
            }
            let booked = people.len() as i64;
            session_rows.push(SessionFigures {
                session_id: s.id.clone(),
                event_id: s.event_id.clone(),
                title: events.get(&s.event_id).map(|e| e.title.clone()).unwrap_or_default(),
                starts_at: s.starts_at,
                booked,
                present,
                late,
                no_shows: booked - present,
                excused: excused_n,
                attendance_rate_percent: percent(present, booked),
            });
        }
        let mut courses: BTreeMap<(String, String), CourseFigures> = BTreeMap::new();
        for s in &session_rows {
            let c = courses.entry((s.title.clone(), s.event_id.clone())).or_insert_with(|| CourseFigures {
                event_id: s.event_id.clone(),
                title: s.title.clone(),
                sessions: 0,
                booked: 0,
                present: 0,
                late: 0,
                no_shows: 0,
                attendance_rate_percent: 0,
            });
            c.sessions += 1;
            c.booked += s.booked;
            c.present += s.present;
            c.late += s.late;
            c.no_shows += s.no_shows;
        }
        let courses: Vec<CourseFigures> = courses
            .into_values()
            .map(|mut c| {
                c.attendance_rate_percent = percent(c.present, c.booked);
                c
            })
            .collect();
        // Check-ins per hour of the day at each event's location, booked people only.
        let names: HashMap<String, String> = crate::locations::store::list(tx)?.into_iter().map(|l| (l.id, l.name)).collect();
        let session_event: HashMap<&str, &str> = sessions.iter().map(|s| (s.id.as_str(), s.event_id.as_str())).collect();
        let mut hours: BTreeMap<(String, Option<String>, i64), i64> = BTreeMap::new();
        for ((session, person), at) in &first {
            let Some(event) = session_event.get(session).and_then(|e| events.get(*e)) else { continue };
            if !confirmed.get(&event.id).is_some_and(|people| people.iter().any(|x| x == person)) {
                continue;
            }
            let hour = zone.format(*at, "%H").parse::<i64>().unwrap_or_default();
            let name = event.location_id.as_ref().and_then(|l| names.get(l)).cloned().unwrap_or_default();
            *hours.entry((name, event.location_id.clone(), hour)).or_insert(0) += 1;
        }
        let hours = hours
            .into_iter()
            .map(|((location, location_id, hour), check_ins)| HourFigures { location_id, location, hour, check_ins })
            .collect();
        Ok(Report { days, from, to, time_zone: zone.name().to_owned(), courses, sessions: session_rows, hours, devices: None })
    })?;
    if decide(p, Permission::DevicesRead).is_some() {
        let silent_since = to - Duration::minutes(10);
        let devices = crate::devices::service::list(state, p, scope)?
            .into_iter()
            .map(|d| DeviceHealth {
                silent: d.status == crate::devices::model::DeviceStatus::Active && d.last_heartbeat_at.is_none_or(|h| h < silent_since),
                device_id: d.id,
                name: d.settings.name,
                status: d.status,
                outdated: d.outdated,
                queue_length: d.queue_length,
                last_heartbeat_at: d.last_heartbeat_at,
            })
            .collect();
        report.devices = Some(devices);
    }
    Ok(report)
}
