use std::collections::{HashMap, HashSet};

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::attendance::model::CHECK_IN;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::bookings::model::{BookingRow, ParticipantRow, CONFIRMED};
use crate::bookings::service::{clean, person};
use crate::bookings::store as bookings;
use crate::crypto::TenantKeys;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::model::SessionRow;
use crate::events::store as events;
use crate::notify::model::Message;
use crate::portal::principal::Participant;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service::keys;

fn reason_of(raw: Option<&str>, excused: bool) -> Result<Option<AbsenceReason>, AppError> {
    match (raw.map(str::trim).filter(|r| !r.is_empty()), excused) {
        (None, false) => Ok(None),
        (Some(_), false) => Err(AppError::invalid("reason", "only an excused absence has a reason")),
        (None, true) => Err(AppError::invalid("reason", "must be ill or other")),
        (Some(r), true) => AbsenceReason::from_code(r).map(Some).ok_or_else(|| AppError::invalid("reason", "must be ill or other")),
    }
}

fn view(keys: &TenantKeys, row: &AbsenceRow) -> Result<AbsenceView, AppError> {
    let note = row.note_ciphertext.as_deref().map(|c| keys.decrypt("absences", "note", &row.id, c)).transpose()?.map(|n| n.to_string());
    Ok(AbsenceView {
        session_id: row.session_id.clone(),
        booking_id: row.booking_id.clone(),
        excused: row.excused,
        reason: row.reason.as_deref().map(AbsenceReason::from_stored).transpose()?,
        note: note.unwrap_or_default(),
        reported_by: AbsenceSource::from_stored(&row.reported_by)?,
        recorded_at: row.recorded_at,
    })
}

/// The course's absence settings (none stored: off).
pub(crate) fn settings_of(tx: &mut TenantTx<'_>, event_id: &str) -> Result<AbsenceSettings, AppError> {
    Ok(store::settings(tx, event_id)?
        .map(|s| AbsenceSettings { threshold_percent: s.threshold_percent.map(i64::from), notify_organiser: s.notify_organiser })
        .unwrap_or(AbsenceSettings { threshold_percent: None, notify_organiser: false }))
}

/// Counts per confirmed booking of one course over its sessions that ended by `now`:
/// absent = no check-in in force; excused = absent with an excused absence recorded.
pub(crate) struct Tally {
    pub booking: BookingRow,
    pub sessions: i64,
    pub absent: i64,
    pub excused: i64,
}

impl Tally {
    pub fn rate_percent(&self) -> i64 {
        if self.sessions == 0 {
            0
        } else {
            self.absent * 100 / self.sessions
        }
    }

    /// "More than N %" of the ended sessions missed.
    pub fn flagged(&self, threshold: Option<i64>) -> bool {
        threshold.is_some_and(|t| self.sessions > 0 && self.absent * 100 > t * self.sessions)
    }
}

pub(crate) fn tally(tx: &mut TenantTx<'_>, event_id: &str, now: NaiveDateTime) -> Result<Vec<Tally>, AppError> {
    let ended: Vec<SessionRow> = events::sessions(tx, &[event_id.to_owned()])?.into_iter().filter(|s| s.ends_at <= now).collect();
    let ids: Vec<String> = ended.iter().map(|s| s.id.clone()).collect();
    let records = crate::attendance::store::of_sessions(tx, &ids)?;
    let in_force = crate::attendance::service::effective(&records);
    let present: HashSet<(&str, &str)> =
        in_force.iter().filter(|r| r.kind == CHECK_IN).map(|r| (r.session_id.as_str(), r.participant_id.as_str())).collect();
    let excused: HashSet<(String, String)> =
        store::of_sessions(tx, &ids)?.into_iter().filter(|a| a.excused).map(|a| (a.session_id, a.participant_id)).collect();
    let mut out = Vec::new();
    for b in bookings::of_event(tx, event_id)?.into_iter().filter(|b| b.status == CONFIRMED) {
        let mut t = Tally { sessions: ended.len() as i64, absent: 0, excused: 0, booking: b };
        for s in &ended {
            if !present.contains(&(s.id.as_str(), t.booking.participant_id.as_str())) {
                t.absent += 1;
                if excused.contains(&(s.id.clone(), t.booking.participant_id.clone())) {
                    t.excused += 1;
                }
            }
        }
        out.push(t);
    }
    Ok(out)
}

/// What the session list shows of absences: each person's recorded absence and who is
/// above the course's threshold.
pub(crate) fn for_list(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    event_id: &str,
    session_id: &str,
    now: NaiveDateTime,
) -> Result<(HashMap<String, AbsenceView>, HashSet<String>), AppError> {
    let mut recorded = HashMap::new();
    for row in store::of_sessions(tx, &[session_id.to_owned()])? {
        recorded.insert(row.participant_id.clone(), view(keys, &row)?);
    }
    let threshold = settings_of(tx, event_id)?.threshold_percent;
    let flagged = tally(tx, event_id, now)?.into_iter().filter(|t| t.flagged(threshold)).map(|t| t.booking.participant_id).collect();
    Ok((recorded, flagged))
}

fn note_cipher(keys: &TenantKeys, id: &str, note: &str) -> Option<Vec<u8>> {
    (!note.is_empty()).then(|| keys.encrypt("absences", "note", id, note))
}

/// Staff mark a booked person's absence from a session (excused with a reason, or
/// unexcused); replaces what was recorded before, the person's report included.
pub fn set(state: &AppState, p: &Principal, scope: &TenantScope, session_id: &str, input: &AbsenceInput) -> Result<AbsenceView, AppError> {
    let reason = reason_of(input.reason.as_deref(), input.excused)?;
    let note = clean("note", &input.note, NOTE_MAX, false)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let session = events::sessions_by_id(tx, &[session_id.to_owned()])?.pop().ok_or(AppError::NotFound)?;
        let event = crate::events::access::visible_event(tx, p, &session.event_id)?;
        db::lock_row(tx, crate::db::Locked::EventSessions, &session.id)?;
        let booking = bookings::find(tx, &input.booking_id)?
            .filter(|b| b.event_id == event.id && b.status == CONFIRMED)
            .ok_or_else(|| AppError::invalid("booking_id", "no confirmed booking of this event"))?;
        let keys = keys(tx, &state.master)?;
        let id = store::find(tx, &session.id, &booking.participant_id)?.map(|a| a.id).unwrap_or_else(|| Uuid::now_v7().to_string());
        let row = AbsenceRow {
            tenant_id: scope.tenant_id().to_owned(),
            note_ciphertext: note_cipher(&keys, &id, &note),
            id,
            session_id: session.id.clone(),
            participant_id: booking.participant_id.clone(),
            booking_id: booking.id.clone(),
            excused: input.excused,
            reason: reason.map(|r| r.as_str().to_owned()),
            reported_by: AbsenceSource::Staff.as_str().to_owned(),
            recorded_by: Some(p.account_id.clone()),
            recorded_at: now,
        };
        store::put(tx, &row)?;
        // The reason category is not logged: "ill" is health data (Art. 9 GDPR).
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AbsenceRecorded, "absence", Some(&row.id))
                .subject(&row.participant_id, event.company_id.as_deref())
                .detail("session_id", session.id.as_str())
                .detail("excused", input.excused),
        )?;
        view(&keys, &row)
    })
}

/// Absence rates of a course per person, with its settings.
pub fn of_event(state: &AppState, p: &Principal, scope: &TenantScope, event_id: &str) -> Result<EventAbsences, AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_read(scope, |tx| {
        let event = crate::events::access::visible_event(tx, p, event_id)?;
        let settings = settings_of(tx, &event.id)?;
        let keys = keys(tx, &state.master)?;
        let tallies = tally(tx, &event.id, now)?;
        let ids: Vec<String> = tallies.iter().map(|t| t.booking.participant_id.clone()).collect();
        let people: HashMap<String, ParticipantRow> = bookings::participants(tx, &ids)?.into_iter().map(|p| (p.id.clone(), p)).collect();
        let mut out = Vec::new();
        for t in tallies {
            let name = people.get(&t.booking.participant_id).map(|r| person(&keys, r)).transpose()?.map(|p| p.name).unwrap_or_default();
            out.push(PersonAbsences {
                booking_id: t.booking.id.clone(),
                participant_id: t.booking.participant_id.clone(),
                name,
                sessions: t.sessions,
                absent: t.absent,
                excused: t.excused,
                unexcused: t.absent - t.excused,
                rate_percent: t.rate_percent(),
                flagged: t.flagged(settings.threshold_percent),
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(EventAbsences { event_id: event.id, settings, people: out })
    })
}

/// Sets a course's threshold and whether its organiser is mailed.
pub fn set_settings(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    event_id: &str,
    input: &AbsenceSettings,
) -> Result<AbsenceSettings, AppError> {
    let threshold = match input.threshold_percent {
        None => None,
        Some(t) if (1..=100).contains(&t) => Some(t as i32),
        Some(_) => return Err(AppError::invalid("threshold_percent", "1–100, or null for off")),
    };
    if input.notify_organiser && threshold.is_none() {
        return Err(AppError::invalid("notify_organiser", "needs a threshold"));
    }
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let event = crate::events::access::visible_event(tx, p, event_id)?;
        let row = AbsenceSettingsRow {
            tenant_id: scope.tenant_id().to_owned(),
            event_id: event.id.clone(),
            threshold_percent: threshold,
            notify_organiser: input.notify_organiser,
            updated_at: now,
        };
        store::set_settings(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AbsenceSettingsChanged, "event", Some(&event.id))
                .detail("threshold_percent", threshold.map(i64::from).unwrap_or(0))
                .detail("notify_organiser", input.notify_organiser),
        )?;
        settings_of(tx, &event.id)
    })
}

/// A participant reports ahead that they will miss a session of a confirmed booking.
/// Recorded as excused; staff may change it. Before the session starts only.
pub fn report(state: &AppState, p: &Participant, input: &AbsenceReport) -> Result<PortalAbsence, AppError> {
    let reason = AbsenceReason::from_code(input.reason.trim()).ok_or_else(|| AppError::invalid("reason", "must be ill or other"))?;
    let note = clean("note", &input.note, NOTE_MAX, false)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(&p.scope, |tx| {
        let session = events::sessions_by_id(tx, std::slice::from_ref(&input.session_id))?.pop().ok_or(AppError::NotFound)?;
        let booking = bookings::confirmed_of(tx, &p.participant_id)?
            .into_iter()
            .find(|b| b.event_id == session.event_id)
            .ok_or(AppError::NotFound)?;
        if session.starts_at <= now {
            return Err(AppError::rule(ProblemCode::AbsenceTooLate, "the session has begun; tell the course team instead"));
        }
        let existing = store::find(tx, &session.id, &p.participant_id)?;
        if existing.as_ref().is_some_and(|a| a.reported_by == AbsenceSource::Staff.as_str()) {
            return Err(AppError::rule(ProblemCode::AlreadyRecorded, "the course team has recorded this absence already"));
        }
        let keys = keys(tx, &state.master)?;
        let id = existing.map(|a| a.id).unwrap_or_else(|| Uuid::now_v7().to_string());
        let row = AbsenceRow {
            tenant_id: p.scope.tenant_id().to_owned(),
            note_ciphertext: note_cipher(&keys, &id, &note),
            id,
            session_id: session.id.clone(),
            participant_id: p.participant_id.clone(),
            booking_id: booking.id.clone(),
            excused: true,
            reason: Some(reason.as_str().to_owned()),
            reported_by: AbsenceSource::Participant.as_str().to_owned(),
            recorded_by: None,
            recorded_at: now,
        };
        store::put(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AbsenceReported, "absence", Some(&row.id))
                .subject(&p.participant_id, None)
                .detail("session_id", session.id.as_str()),
        )?;
        let title = events::find(tx, &session.event_id)?.map(|e| e.title).unwrap_or_default();
        Ok(PortalAbsence { event_title: title, starts_at: session.starts_at, absence: view(&keys, &row)? })
    })
}

/// The participant's own recorded absences.
pub fn mine(state: &AppState, p: &Participant) -> Result<Vec<PortalAbsence>, AppError> {
    state.db.tenant_read(&p.scope, |tx| portal_list(tx, state, &p.participant_id))
}

pub(crate) fn portal_list(tx: &mut TenantTx<'_>, state: &AppState, participant_id: &str) -> Result<Vec<PortalAbsence>, AppError> {
    let keys = keys(tx, &state.master)?;
    let rows = store::of_participant(tx, participant_id)?;
    let ids: Vec<String> = rows.iter().map(|r| r.session_id.clone()).collect();
    let sessions: HashMap<String, SessionRow> = events::sessions_by_id(tx, &ids)?.into_iter().map(|s| (s.id.clone(), s)).collect();
    let mut out = Vec::new();
    for row in rows {
        let Some(s) = sessions.get(&row.session_id) else { continue };
        let title = events::find(tx, &s.event_id)?.map(|e| e.title).unwrap_or_default();
        out.push(PortalAbsence { event_title: title, starts_at: s.starts_at, absence: view(&keys, &row)? });
    }
    out.sort_by_key(|a| a.starts_at);
    Ok(out)
}

fn alert_message(to: &str, tenant: &str, course: &str, name: &str, rate: i64, threshold: i64) -> Message {
    Message {
        to: to.to_owned(),
        subject: format!("Fehlzeiten über {threshold} % / Absences above {threshold} %: {course}"),
        text: format!(
            "Guten Tag,\n\nim Kurs „{course}“ hat {name} mehr als {threshold} % der bisherigen Termine gefehlt (jetzt {rate} %). \
             Details stehen in der Anwesenheitsliste.\n\n\
             Hello,\n\nin the course \"{course}\", {name} has missed more than {threshold} % of the sessions so far (now {rate} %). \
             The attendance list has the details.\n\n{tenant}\n"
        ),
    }
}

/// One mail to the course's organiser (the account that created it) per person above
/// the threshold, once per person and course, for the courses that turned it on.
/// Returns how many mails were queued. Run by the hourly job `absence_alerts`.
pub fn alert_tenant(state: &AppState, scope: &TenantScope, ctx: &AuditContext) -> Result<usize, AppError> {
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let mut queued = 0;
        let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        for settings in store::notifying(tx)? {
            let Some(threshold) = settings.threshold_percent.map(i64::from) else { continue };
            let Some(event) = events::find(tx, &settings.event_id)? else { continue };
            let Some(organiser) = event.created_by.as_deref().map(|id| crate::accounts::store::find(tx, id)).transpose()?.flatten() else {
                continue;
            };
            let done: HashSet<String> = store::alerted(tx, &event.id)?.into_iter().collect();
            let due: Vec<Tally> = tally(tx, &event.id, now)?
                .into_iter()
                .filter(|t| t.flagged(Some(threshold)) && !done.contains(&t.booking.participant_id))
                .collect();
            if due.is_empty() {
                continue;
            }
            let keys = keys(tx, &state.master)?;
            let to = state.master.platform_keys().decrypt("accounts", "email", &organiser.id, &organiser.email_ciphertext)?.to_string();
            for t in due {
                let Some(row) = bookings::participant(tx, &t.booking.participant_id)? else { continue };
                // Restricted people are not processed (Art. 18 GDPR).
                if row.restricted_at.is_some() || row.erased_at.is_some() {
                    continue;
                }
                let name = person(&keys, &row)?.name;
                let message = alert_message(&to, &tenant.name, &event.title, &name, t.rate_percent(), threshold);
                crate::notify::service::enqueue(tx, &keys, Some(scope.tenant_id()), "absence_alert", &message, now)?;
                store::insert_alert(
                    tx,
                    &AbsenceAlertRow {
                        tenant_id: scope.tenant_id().to_owned(),
                        event_id: event.id.clone(),
                        participant_id: row.id.clone(),
                        sent_at: now,
                    },
                )?;
                audit::record(
                    tx,
                    ctx,
                    Event::new(Action::AbsenceAlertSent, "event", Some(&event.id))
                        .subject(&row.id, event.company_id.as_deref())
                        .detail("recipient", organiser.id.as_str()),
                )?;
                queued += 1;
            }
        }
        Ok(queued)
    })
}

/// `alert_tenant` over every active tenant.
pub fn alert_run(state: &AppState) -> Result<usize, AppError> {
    let at = state.clock.now();
    let tenants = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::list(&mut conn)?
    };
    let ctx = AuditContext::system(at);
    let mut queued = 0;
    for tenant in tenants.into_iter().filter(|t| t.status == crate::tenants::model::STATUS_ACTIVE) {
        queued += alert_tenant(state, &TenantScope::named_by_operator(tenant.id.clone()), &ctx)?;
    }
    if queued > 0 {
        state.mail_wakeup.wake();
    }
    Ok(queued)
}

/// Erasure of a person (PRIV-4): their absences (with notes) and alert marks.
pub(crate) fn erase(tx: &mut TenantTx<'_>, participant_id: &str) -> Result<usize, AppError> {
    Ok(store::delete_of_participant(tx, participant_id)?)
}

/// The person's absences for their export (RIGHTS-1).
pub(crate) fn export(tx: &mut TenantTx<'_>, state: &AppState, participant_id: &str) -> Result<serde_json::Value, AppError> {
    let list = portal_list(tx, state, participant_id)?;
    serde_json::to_value(&list).map_err(|e| AppError::Internal(e.to_string()))
}
