use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDateTime};
use uuid::Uuid;

use anwesend_protocol::{TapOutcome, TapRequest, TapResponse};

use super::model::*;
use super::store::{self, Running};
use crate::audit::model::NewEntry;
use crate::audit::{self, Action, Event, Outcome};
use crate::auth::service::Principal;
use crate::bookings::model::{ParticipantRow, CONFIRMED};
use crate::bookings::service::{clean, person};
use crate::bookings::store as bookings;
use crate::crypto::MasterKey;
use crate::crypto::TenantKeys;
use crate::csv_file::CsvFile;
use crate::db::{self, Db, TenantScope, TenantTx};
use crate::devices::model::DeviceRow;
use crate::devices::signed::DeviceRequest;
use crate::error::AppError;
use crate::events::model::SessionRow;
use crate::events::store as events;
use crate::problem::ProblemCode;
use crate::secure_cards::service::Checked;
use crate::state::AppState;
use crate::tenants::service::keys;

/// Sessions take check-ins from 30 minutes before they start until 30 minutes after they end.
const DOORS: i64 = 30;
/// Later than this after the start is "late"; leaving earlier than this before the end is "left early".
pub(crate) const GRACE_MINUTES: i64 = 10;

fn code(outcome: TapOutcome) -> String {
    serde_json::to_value(outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default()
}

fn outcome_of(code: &str) -> Option<TapOutcome> {
    serde_json::from_value(serde_json::Value::String(code.to_owned())).ok()
}

/// The first word of the name: all a kiosk may show (TOM PRIV-1).
fn first_name(keys: &TenantKeys, p: &ParticipantRow) -> Result<String, AppError> {
    Ok(person(keys, p)?.name.split_whitespace().next().unwrap_or_default().to_owned())
}

/// The card UID as upper-case hex, 4–10 bytes (ISO 14443 UIDs are 4, 7 or 10).
fn card_uid(raw: &str) -> Result<String, AppError> {
    let uid: String = raw.chars().filter(|c| !c.is_whitespace() && *c != ':').collect::<String>().to_ascii_uppercase();
    if !(8..=20).contains(&uid.len()) || !uid.len().is_multiple_of(2) || !uid.chars().all(|c| c.is_ascii_hexdigit()) {
        return Err(AppError::invalid("card_id", "must be the card UID as 4 to 10 bytes of hex"));
    }
    Ok(uid)
}

/// Records that are in force: not replaced by a correction, not voided.
pub(crate) fn effective(rows: &[AttendanceRow]) -> Vec<&AttendanceRow> {
    rows.iter().filter(|r| !r.voided && !rows.iter().any(|o| o.supersedes_id.as_deref() == Some(&r.id))).collect()
}

/// How many people are checked in now per session: an in-force check-in and no in-force
/// check-out after it.
pub fn present_counts(tx: &mut TenantTx<'_>, session_ids: &[String]) -> Result<HashMap<String, i64>, AppError> {
    let rows = store::of_sessions(tx, session_ids)?;
    let mut last: HashMap<(&str, &str), &AttendanceRow> = HashMap::new();
    for r in effective(&rows) {
        let key = (r.session_id.as_str(), r.participant_id.as_str());
        if last.get(&key).is_none_or(|seen| seen.occurred_at <= r.occurred_at) {
            last.insert(key, r);
        }
    }
    let mut counts = HashMap::new();
    for ((session, _), r) in last {
        if r.kind == CHECK_IN {
            *counts.entry(session.to_owned()).or_insert(0) += 1;
        }
    }
    Ok(counts)
}

/// `t` moved by `minutes`, stopping at the ends of the calendar: a stored time near them
/// (a row written past the input checks) must not make a tap fail (TOM PRIV-5).
fn shifted(t: NaiveDateTime, minutes: i64) -> NaiveDateTime {
    t.checked_add_signed(Duration::minutes(minutes)).unwrap_or(if minutes < 0 { NaiveDateTime::MIN } else { NaiveDateTime::MAX })
}

/// The sessions a device serves at `at`, for the person who tapped: its configured
/// sessions, or those of published events at its location (or in a room of it), open from
/// `DOORS` minutes before to after. Read by the time index, so the cost does not grow with
/// past sessions or other events; at a location, in one read.
fn running_sessions(tx: &mut TenantTx<'_>, device: &DeviceRow, at: NaiveDateTime, participant_id: &str) -> Result<Vec<Running>, AppError> {
    let open = |s: &SessionRow| shifted(s.starts_at, -DOORS) <= at && at <= shifted(s.ends_at, DOORS);
    // A window of 0 takes every tap.
    let window = i64::from(device.duplicate_window_seconds);
    let repeat_since = at - Duration::seconds(window);
    let configured = device.config().session_ids;
    if !configured.is_empty() {
        let sessions: Vec<SessionRow> = events::sessions_by_id(tx, &configured)?.into_iter().filter(open).collect();
        if sessions.is_empty() {
            return Ok(Vec::new());
        }
        let held = bookings::confirmed_of(tx, participant_id)?;
        let repeat = window > 0 && store::recent_success(tx, &device.id, participant_id, repeat_since)?;
        let running = sessions
            .into_iter()
            .map(|session| {
                Ok(Running {
                    booking_id: held.iter().find(|b| b.event_id == session.event_id).map(|b| b.id.clone()),
                    signature_required: signature_required(tx, &session.event_id)?,
                    repeat,
                    session,
                })
            })
            .collect::<Result<Vec<_>, AppError>>()?;
        // Locked as `store::sessions_at` locks them (PostgreSQL).
        for booking_id in running.iter().filter_map(|r| r.booking_id.as_deref()) {
            crate::db::lock_row(tx, crate::db::Locked::Bookings, booking_id)?;
        }
        return Ok(running);
    }
    let Some(location) = &device.location_id else { return Ok(Vec::new()) };
    let found = store::sessions_at(tx, location, shifted(at, -DOORS), shifted(at, DOORS), participant_id, &device.id, repeat_since)?;
    Ok(found.into_iter().filter(|r| open(&r.session)).map(|r| Running { repeat: window > 0 && r.repeat, ..r }).collect())
}

/// What a tap will do, worked out in a read: everything a tap reads except the person's
/// records of the session, which `record` reads again where it writes.
enum Plan {
    /// "Enrol card" mode: bind the card to the person the device waits for.
    Bind { pending: crate::devices::model::CardEnrolmentRow, card_known: bool },
    /// Answered and audited, nothing recorded.
    Refuse(TapOutcome),
    /// The device took this person's tap within its duplicate window.
    Repeat { event_id: String },
    /// Check in or out of this session on this booking.
    Record { session: SessionRow, booking_id: String, signature_required: bool },
    /// A secure card (or any card in a tenant that requires them) read by its UID alone.
    Insecure,
}

struct Planned {
    plan: Plan,
    /// Who tapped, where the answer may name them (not when restricted).
    participant: Option<ParticipantRow>,
    /// The card's row, when the card is known.
    card_id: Option<String>,
}

/// What the tap's read found.
enum Read {
    /// This idempotency key was answered before.
    Previous(TapRow),
    /// The secure card's message does not verify (TOM TRANS-2).
    Refused(ProblemCode),
    Planned {
        planned: Box<Planned>,
        secure: Checked,
        first: Option<String>,
    },
}

/// What the tap's write transaction did.
enum Wrote {
    /// This idempotency key was answered before.
    Previous(TapRow),
    /// A secure-card refusal, audited.
    Refused(ProblemCode),
    /// Recorded (or answered and audited), with the first name to show.
    Decided { decision: Box<Decision>, first_name: Option<String> },
}

/// What a tap did, as answered and published to the kiosk.
struct Decision {
    outcome: TapOutcome,
    participant: Option<ParticipantRow>,
    /// The record the tap made and its audit entry, written with the tap (`store::insert_tap`).
    record: Option<AttendanceRow>,
    entry: Option<NewEntry>,
    /// The event the tap counted for: which kiosk screens may show it (TOM SEP-3).
    event_id: Option<String>,
    /// The check-in the kiosk asks a signature for (its event asks for them).
    sign_for: Option<String>,
}

fn plan(
    tx: &mut TenantTx<'_>,
    device: &DeviceRow,
    context: store::TapContext,
    secure: &Checked,
    tapped: NaiveDateTime,
    now: NaiveDateTime,
) -> Result<Planned, AppError> {
    let store::TapContext { card, owner, enrolment, .. } = context;
    let card_id = card.as_ref().map(|c| c.id.clone());
    if secure.counter.is_none() && (secure.required || card.as_ref().is_some_and(|c| c.sdm_counter.is_some())) {
        return Ok(Planned { plan: Plan::Insecure, participant: owner, card_id });
    }
    let refuse = |outcome, participant| Ok(Planned { plan: Plan::Refuse(outcome), participant, card_id: card_id.clone() });
    if let Some(pending) = enrolment.filter(|c| c.expires_at > now) {
        let participant = bookings::participant(tx, &pending.participant_id)?;
        return match card {
            Some(c) if c.participant_id != pending.participant_id => refuse(TapOutcome::CardInUse, participant),
            card => Ok(Planned { plan: Plan::Bind { pending, card_known: card.is_some() }, participant, card_id }),
        };
    }
    // An unknown card is answered and audited; its id is not kept anywhere.
    if card.is_none() {
        return refuse(TapOutcome::UnknownCard, None);
    }
    let participant = owner.ok_or(AppError::NotFound)?;
    if participant.restricted_at.is_some() {
        // Not even the first name: restricted data is not used (Art. 18 GDPR).
        return refuse(TapOutcome::Restricted, None);
    }
    let sessions = running_sessions(tx, device, tapped, &participant.id)?;
    if sessions.is_empty() {
        return refuse(TapOutcome::NoSession, Some(participant));
    }
    let booked = sessions.into_iter().find_map(|mut r| r.booking_id.take().map(|b| (r, b)));
    let Some((Running { session, signature_required, repeat, .. }, booking_id)) = booked else {
        return refuse(TapOutcome::NoBooking, Some(participant));
    };
    if repeat {
        return Ok(Planned { plan: Plan::Repeat { event_id: session.event_id }, participant: Some(participant), card_id });
    }
    Ok(Planned { plan: Plan::Record { session, booking_id, signature_required }, participant: Some(participant), card_id })
}

/// Audits a refused secure-card tap (TOM TRANS-2): which device, why, and whose card. The
/// kiosks at the device's location are told after the commit (`kiosk_refusal`).
fn secure_refused(
    tx: &mut TenantTx<'_>,
    req: &DeviceRequest,
    code: ProblemCode,
    card_id: Option<&str>,
    participant: Option<&ParticipantRow>,
) -> Result<(), AppError> {
    let mut event =
        Event::new(Action::SecureCardRefused, "device", Some(&req.device.id)).outcome(Outcome::Denied).detail("reason", code.as_str());
    if let Some(card) = card_id {
        event = event.detail("card_id", card);
    }
    if let Some(p) = participant {
        event = event.subject(&p.id, None);
    }
    audit::record(tx, &req.audit, event)?;
    Ok(())
}

/// What the kiosks show of a refused secure-card tap: the device and why, no name (the
/// card's owner did not necessarily tap; a copy of their card did).
fn kiosk_refusal(device: &DeviceRow, code: ProblemCode, at: NaiveDateTime) -> Result<KioskEvent, AppError> {
    Ok(KioskEvent {
        tenant_id: device.tenant_id.clone(),
        location_id: device.location_id.clone(),
        event_id: None,
        device_name: device.name.clone(),
        mode: AttendanceKind::from_stored(&device.mode)?,
        outcome: KioskOutcome::Refused(code),
        first_name: None,
        at,
        sign_for: None,
    })
}

/// The secure-card rules, first in the tap's write transaction: a card that must be read
/// securely was read by its UID alone, or the message's counter is not higher than the
/// last one seen (a replayed or copied message). A refusal is audited here.
fn secure_gate(
    tx: &mut TenantTx<'_>,
    req: &DeviceRequest,
    planned: &Planned,
    counter: Option<i64>,
) -> Result<Option<ProblemCode>, AppError> {
    let card_id = planned.card_id.as_deref();
    let refused = if matches!(planned.plan, Plan::Insecure) {
        Some(ProblemCode::SecureCardRequired)
    } else {
        // Taken only if higher than the last one seen; a copy of a message is not.
        let advanced = match (counter, card_id) {
            (Some(counter), Some(card)) => store::advance_counter(tx, card, counter)? == 1,
            _ => true,
        };
        (!advanced).then_some(ProblemCode::SecureCardReplayed)
    };
    if let Some(code) = refused {
        secure_refused(tx, req, code, card_id, planned.participant.as_ref())?;
    }
    Ok(refused)
}

/// Carries out a plan in the tap's write transaction. `None`: the device's card enrolment
/// changed since the plan was made; plan again here. Whatever else the plan read may have
/// changed meanwhile only in ways a tap just before the change would also have seen, and
/// the one thing two taps contend for, the person's records of the session, is read here
/// under the booking's row lock the plan took (SQLite: the writer's turn).
fn record(
    tx: &mut TenantTx<'_>,
    req: &DeviceRequest,
    planned: &Planned,
    hmac: &[u8],
    counter: Option<i64>,
    tapped: NaiveDateTime,
    late: bool,
) -> Result<Option<Decision>, AppError> {
    let device = &req.device;
    let now = req.audit.at.naive_utc();
    let participant = planned.participant.clone();
    let decision =
        |outcome, event_id| Decision { outcome, participant: participant.clone(), record: None, entry: None, event_id, sign_for: None };
    let refuse = |tx: &mut TenantTx<'_>, outcome: TapOutcome| -> Result<Option<Decision>, AppError> {
        let mut event =
            Event::new(Action::TapRefused, "device", Some(&device.id)).outcome(Outcome::Failure).detail("outcome", code(outcome));
        if let Some(p) = &planned.participant {
            event = event.subject(&p.id, None);
        }
        let entry = audit::service::entry(tx, &req.audit, event)?;
        Ok(Some(Decision { entry: Some(entry), ..decision(outcome, None) }))
    };
    let (session, booking_id, signature_required) = match &planned.plan {
        Plan::Refuse(outcome) => return refuse(tx, *outcome),
        // Planned again after a concurrent tap made the card a secure one.
        Plan::Insecure => return Err(crate::secure_cards::service::refusal(ProblemCode::SecureCardRequired)),
        Plan::Repeat { event_id } => return Ok(Some(decision(TapOutcome::AlreadyRecorded, Some(event_id.clone())))),
        Plan::Bind { pending, card_known } => {
            if crate::devices::store::clear_card_enrolment(tx, &device.id)? == 0 {
                return Ok(None);
            }
            if !card_known {
                let row = CardRow {
                    tenant_id: device.tenant_id.clone(),
                    id: Uuid::now_v7().to_string(),
                    card_hmac: hmac.to_vec(),
                    participant_id: pending.participant_id.clone(),
                    created_by: Some(pending.requested_by.clone()),
                    created_at: now,
                    sdm_counter: counter,
                };
                store::insert_card(tx, &row)?;
                audit::record(
                    tx,
                    &req.audit,
                    Event::new(Action::CardBound, "card", Some(&row.id))
                        .subject(&pending.participant_id, None)
                        .detail("requested_by", pending.requested_by.as_str())
                        .detail("secure", counter.is_some()),
                )?;
            }
            return Ok(Some(decision(TapOutcome::CardBound, None)));
        }
        Plan::Record { session, booking_id, signature_required } => (session, booking_id, *signature_required),
    };
    let participant_id = planned.participant.as_ref().map(|p| p.id.clone()).ok_or(AppError::NotFound)?;
    let event_id = Some(session.event_id.clone());
    // Two devices, one person, one moment: the booking's row lock, taken where the plan
    // read the booking (PostgreSQL; SQLite: the writer's turn), lets one of them record;
    // other people's taps do not wait for it. A closed list takes no more taps (INPUT-4):
    // for the device, the session is over.
    let (closed, rows) = store::closed_and_records(tx, &session.id, &participant_id)?;
    if closed {
        return refuse(tx, TapOutcome::NoSession);
    }
    let in_force = effective(&rows);
    let checked_in = in_force.iter().any(|r| r.kind == CHECK_IN);
    let checked_out = in_force.iter().any(|r| r.kind == CHECK_OUT);
    let (kind, outcome) = match device.mode.as_str() {
        "check_out" if !checked_in => return refuse(tx, TapOutcome::NotCheckedIn),
        "check_out" if checked_out => return Ok(Some(decision(TapOutcome::AlreadyRecorded, event_id))),
        "check_out" => (CHECK_OUT, TapOutcome::CheckedOut),
        _ if checked_in => return Ok(Some(decision(TapOutcome::AlreadyRecorded, event_id))),
        _ => (CHECK_IN, TapOutcome::CheckedIn),
    };
    let row = AttendanceRow {
        tenant_id: device.tenant_id.clone(),
        id: Uuid::now_v7().to_string(),
        session_id: session.id.clone(),
        participant_id: participant_id.clone(),
        booking_id: booking_id.clone(),
        kind: kind.into(),
        occurred_at: tapped,
        recorded_at: now,
        source: "device".into(),
        device_id: Some(device.id.clone()),
        recorded_by: None,
        late_upload: late,
        supersedes_id: None,
        voided: false,
        reason: None,
    };
    let entry = audit::service::entry(
        tx,
        &req.audit,
        Event::new(Action::AttendanceRecorded, "attendance", Some(&row.id))
            .subject(&participant_id, None)
            .detail("kind", kind)
            .detail("session_id", session.id.as_str())
            .detail("late_upload", late),
    )?;
    let sign_for = (kind == CHECK_IN && signature_required).then(|| row.id.clone());
    Ok(Some(Decision { sign_for, record: Some(row), entry: Some(entry), ..decision(outcome, event_id) }))
}

/// A card tap from a verified device. The same idempotency key gets the first answer,
/// however often and however concurrently it arrives. The tap is written in one
/// transaction with the request's nonce (`record`), one commit per tap. On SQLite it is
/// planned in a read before, so the write lock is held only for the writing; on
/// PostgreSQL, whose row locks do not hold up other taps, the plan is read in the write
/// transaction itself, which saves a transaction per tap.
pub fn tap(state: &AppState, req: &DeviceRequest, input: &TapRequest) -> Result<TapResponse, AppError> {
    let key = input.idempotency_key.as_str();
    if key.is_empty() || key.len() > 64 || !key.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_:.".contains(&b)) {
        return Err(AppError::invalid("idempotency_key", "1–64 characters of A-Z a-z 0-9 - _ : ."));
    }
    let uid = card_uid(&input.card_id)?;
    clean("reader", &input.reader, 100, false)?;
    let now = req.audit.at.naive_utc();
    let tapped =
        DateTime::from_timestamp(input.tapped_at, 0).map(|t| t.naive_utc()).ok_or_else(|| AppError::invalid("tapped_at", "not a time"))?;
    if tapped > now + Duration::seconds(anwesend_protocol::MAX_SKEW_SECONDS) || tapped < now - Duration::days(30) {
        return Err(AppError::invalid("tapped_at", "must lie within the last 30 days"));
    }
    let late = now - tapped > Duration::seconds(i64::from(req.device.late_upload_after_seconds));
    let sun = input.sun.as_deref().map(crate::secure_cards::service::parse_sun).transpose()?;
    let device = &req.device;
    let hmac = req.keys.blind_index("cards", "uid", &uid);
    let read = |tx: &mut TenantTx<'_>| -> Result<Read, AppError> {
        let mut context = store::tap_context(tx, &device.id, key, &hmac)?;
        if let Some(previous) = context.previous.take() {
            return Ok(Read::Previous(previous));
        }
        let secure = match crate::secure_cards::service::check(context.secure_settings.as_ref(), &req.keys, &uid, sun.as_ref())? {
            Ok(secure) => secure,
            Err(code) => return Ok(Read::Refused(code)),
        };
        let planned = plan(tx, device, context, &secure, tapped, now)?;
        let first = planned.participant.as_ref().map(|p| first_name(&req.keys, p)).transpose()?;
        Ok(Read::Planned { planned: Box::new(planned), secure, first })
    };
    let read_before = if state.db.url().is_postgres() { None } else { Some(state.db.tenant_read(&req.scope, |tx| read(tx))?) };
    let attempt = req.write(state, |tx| {
        let (planned, secure, first) = match read_before.map_or_else(|| read(tx), Ok)? {
            Read::Planned { planned, secure, first } => (planned, secure, first),
            Read::Previous(previous) => return Ok(Wrote::Previous(previous)),
            Read::Refused(code) => {
                secure_refused(tx, req, code, None, None)?;
                return Ok(Wrote::Refused(code));
            }
        };
        if let Some(code) = secure_gate(tx, req, &planned, secure.counter)? {
            return Ok(Wrote::Refused(code));
        }
        let decision = match record(tx, req, &planned, &hmac, secure.counter, tapped, late)? {
            Some(decision) => decision,
            None => {
                let context = store::tap_context(tx, &device.id, key, &hmac)?;
                let again = plan(tx, device, context, &secure, tapped, now)?;
                let decision = record(tx, req, &again, &hmac, secure.counter, tapped, late)?;
                decision.ok_or_else(|| AppError::rule(ProblemCode::Conflict, "the device's card enrolment changed; tap again"))?
            }
        };
        // A concurrent copy of this tap fails on the tap's key here, is rolled back whole,
        // and answers with the first copy's outcome.
        store::insert_tap(
            tx,
            &TapRow {
                tenant_id: device.tenant_id.clone(),
                device_id: device.id.clone(),
                idempotency_key: key.to_owned(),
                tapped_at: tapped,
                received_at: now,
                outcome: code(decision.outcome),
                participant_id: decision.participant.as_ref().map(|p| p.id.clone()),
                attendance_id: decision.record.as_ref().map(|r| r.id.clone()),
                late_upload: late,
            },
            decision.record.as_ref(),
            decision.entry.as_ref(),
        )?;
        // A plan made again may name another person than the first plan did.
        let first_name = match (&decision.participant, &planned.participant) {
            (Some(p), Some(q)) if p.id == q.id => first,
            (Some(p), _) => Some(first_name(&req.keys, p)?),
            (None, _) => None,
        };
        Ok(Wrote::Decided { decision: Box::new(decision), first_name })
    });
    let notice = |event_id, refused| TapNotice {
        tenant_id: device.tenant_id.clone(),
        device_id: device.id.clone(),
        idempotency_key: key.to_owned(),
        event_id,
        refused,
    };
    let previous = match attempt {
        Ok(Wrote::Refused(code)) => {
            let refused = Some((code.as_str().to_owned(), tapped.and_utc().timestamp()));
            super::kiosk::publish(state, notice(None, refused), kiosk_refusal(device, code, tapped)?);
            return Err(crate::secure_cards::service::refusal(code));
        }
        Ok(Wrote::Decided { decision, first_name }) => {
            let event = KioskEvent {
                tenant_id: device.tenant_id.clone(),
                location_id: device.location_id.clone(),
                event_id: decision.event_id.clone(),
                device_name: device.name.clone(),
                mode: AttendanceKind::from_stored(&device.mode)?,
                outcome: KioskOutcome::Tap(decision.outcome),
                first_name: first_name.clone(),
                at: tapped,
                sign_for: decision.sign_for,
            };
            state.metrics.tap(code(decision.outcome));
            super::kiosk::publish(state, notice(decision.event_id, None), event);
            return Ok(TapResponse { outcome: decision.outcome, first_name, late_upload: late });
        }
        Ok(Wrote::Previous(previous)) => previous,
        // A concurrent copy claimed the key first and has committed by now.
        Err(e) if e.is_constraint_violation() => {
            state.db.tenant_read(&req.scope, |tx| store::tap(tx, &device.id, key)?.ok_or(AppError::NotFound))?
        }
        Err(e) => return Err(e),
    };
    replay(state, req, previous)
}

/// The kiosk's view of a stored tap, read in its tenant: how a node shows a tap that any
/// node took (`kiosk::start_listener`). `None` if no such tap is stored.
pub fn kiosk_event(db: &Db, master: &MasterKey, notice: &TapNotice) -> Result<Option<KioskEvent>, AppError> {
    let scope = TenantScope::named_by_notification(notice.tenant_id.clone());
    db.tenant_read(&scope, |tx| {
        if let Some((code, at)) = &notice.refused {
            let (Some(device), Some(code)) = (crate::devices::store::find(tx, &notice.device_id)?, ProblemCode::from_code(code)) else {
                return Ok(None);
            };
            let at = DateTime::from_timestamp(*at, 0).map(|t| t.naive_utc()).ok_or_else(|| AppError::Internal("refusal time".into()))?;
            return kiosk_refusal(&device, code, at).map(Some);
        }
        let (Some(tap), Some(device)) =
            (store::tap(tx, &notice.device_id, &notice.idempotency_key)?, crate::devices::store::find(tx, &notice.device_id)?)
        else {
            return Ok(None);
        };
        let first_name = match &tap.participant_id {
            Some(id) => bookings::participant(tx, id)?.map(|p| first_name(&keys(tx, master)?, &p)).transpose()?,
            None => None,
        };
        let outcome = outcome_of(&tap.outcome).ok_or_else(|| AppError::Internal(format!("stored tap outcome {}", tap.outcome)))?;
        let sign = sign_for(tx, outcome, tap.attendance_id.as_deref(), notice.event_id.as_deref())?;
        Ok(Some(KioskEvent {
            outcome: KioskOutcome::Tap(outcome),
            sign_for: sign,
            tenant_id: tap.tenant_id,
            location_id: device.location_id,
            event_id: notice.event_id.clone(),
            device_name: device.name,
            mode: AttendanceKind::from_stored(&device.mode)?,
            first_name,
            at: tap.tapped_at,
        }))
    })
}

fn replay(state: &AppState, req: &DeviceRequest, previous: TapRow) -> Result<TapResponse, AppError> {
    let outcome = outcome_of(&previous.outcome).ok_or_else(|| AppError::Internal(format!("stored tap outcome {}", previous.outcome)))?;
    let first_name = match &previous.participant_id {
        Some(id) => state.db.tenant_read(&req.scope, |tx| bookings::participant(tx, id)?.map(|p| first_name(&req.keys, &p)).transpose())?,
        None => None,
    };
    Ok(TapResponse { outcome, first_name, late_upload: previous.late_upload })
}

fn record_views(state: &AppState, tx: &mut TenantTx<'_>, rows: &[AttendanceRow]) -> Result<Vec<RecordView>, AppError> {
    let devices: HashMap<String, String> = crate::devices::store::list(tx)?.into_iter().map(|d| (d.id, d.name)).collect();
    // Who recorded it, by email: the proof names the person, not an id.
    let mut staff: HashMap<String, String> = HashMap::new();
    let platform = state.master.platform_keys();
    for id in rows.iter().filter_map(|r| r.recorded_by.clone()) {
        if let (std::collections::hash_map::Entry::Vacant(slot), Some(account)) =
            (staff.entry(id.clone()), crate::accounts::store::find(tx, &id)?)
        {
            slot.insert(platform.decrypt("accounts", "email", &account.id, &account.email_ciphertext)?.to_string());
        }
    }
    rows.iter()
        .map(|r| {
            Ok(RecordView {
                id: r.id.clone(),
                session_id: r.session_id.clone(),
                kind: AttendanceKind::from_stored(&r.kind)?,
                occurred_at: r.occurred_at,
                recorded_at: r.recorded_at,
                source: RecordSource::from_stored(&r.source)?,
                device_name: r.device_id.as_ref().and_then(|d| devices.get(d).cloned()),
                recorded_by: r.recorded_by.clone(),
                recorded_by_email: r.recorded_by.as_ref().and_then(|id| staff.get(id).cloned()),
                late_upload: r.late_upload,
                supersedes_id: r.supersedes_id.clone(),
                voided: r.voided,
                reason: r.reason.clone(),
                superseded: rows.iter().any(|o| o.supersedes_id.as_deref() == Some(&r.id)),
            })
        })
        .collect()
}

/// A session the caller may see, with its event.
fn visible_session(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    session_id: &str,
) -> Result<(SessionRow, crate::events::model::EventView), AppError> {
    let session =
        state.db.tenant_read(scope, |tx| Ok(events::sessions_by_id(tx, &[session_id.to_owned()])?.pop()))?.ok_or(AppError::NotFound)?;
    let event = crate::events::service::get(state, p, scope, &session.event_id)?;
    Ok((session, event))
}

/// The live list of one session: every confirmed booking with its status and records.
pub fn session_attendance(state: &AppState, p: &Principal, scope: &TenantScope, session_id: &str) -> Result<SessionAttendance, AppError> {
    let (session, event) = visible_session(state, p, scope, session_id)?;
    state.db.tenant_read(scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let rows = store::of_sessions(tx, std::slice::from_ref(&session.id))?;
        let views = record_views(state, tx, &rows)?;
        let bookings_of_event = bookings::of_event(tx, &event.id)?;
        let ids: Vec<String> = bookings_of_event.iter().map(|b| b.participant_id.clone()).collect();
        let people: HashMap<String, ParticipantRow> = bookings::participants(tx, &ids)?.into_iter().map(|p| (p.id.clone(), p)).collect();
        let required = signature_required(tx, &event.id)?;
        let signed: HashMap<String, NaiveDateTime> =
            store::signatures_of_session(tx, &session.id)?.into_iter().map(|s| (s.attendance_id, s.signed_at)).collect();
        let closings = store::closings_of(tx, &session.id)?;
        let closed = closings.iter().any(|c| c.reopened_at.is_none());
        let closings = closing_views(state, tx, closings)?;
        let (mut absences, flagged) = crate::absences::service::for_list(tx, &keys, &event.id, &session.id, p.audit.at.naive_utc())?;
        let mut attendees = Vec::new();
        for b in bookings_of_event.iter().filter(|b| b.status == CONFIRMED) {
            let mine: Vec<AttendanceRow> = rows.iter().filter(|r| r.participant_id == b.participant_id).cloned().collect();
            let in_force = effective(&mine);
            let (checked_in_at, checked_out_at) = first_in_last_out(&in_force);
            let status = attendee_status(&session, checked_in_at, checked_out_at);
            let row = people.get(&b.participant_id);
            let name = row.map(|p| person(&keys, p)).transpose()?.map(|p| p.name).unwrap_or_default();
            let check_in_id = in_force.iter().filter(|r| r.kind == CHECK_IN).min_by_key(|r| r.occurred_at).map(|r| r.id.clone());
            let signed_at = check_in_id.as_ref().and_then(|id| signed.get(id).copied());
            let signature = match (&check_in_id, signed_at) {
                (_, Some(_)) => SignatureStatus::Signed,
                (Some(_), None) if required => SignatureStatus::Missing,
                _ => SignatureStatus::NotRequired,
            };
            attendees.push(AttendeeView {
                check_in_id,
                signature,
                signed_at,
                restricted: row.is_some_and(|p| p.restricted_at.is_some()),
                booking_id: b.id.clone(),
                participant_id: b.participant_id.clone(),
                name,
                status,
                checked_in_at,
                checked_out_at,
                records: views.iter().filter(|v| mine.iter().any(|m| m.id == v.id)).cloned().collect(),
                absence: absences.remove(&b.participant_id),
                over_absence_threshold: flagged.contains(&b.participant_id),
            });
        }
        attendees.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(SessionAttendance {
            session_id: session.id.clone(),
            event_id: event.id.clone(),
            event_title: event.title.clone(),
            starts_at: session.starts_at,
            ends_at: session.ends_at,
            attendees,
            signature_required: required,
            closed,
            closings,
        })
    })
}

/// A check-in or check-out entered by staff (e.g. someone forgot their card).
pub fn record_manual(state: &AppState, p: &Principal, scope: &TenantScope, input: &ManualRecord) -> Result<RecordView, AppError> {
    if !matches!(input.kind.as_str(), CHECK_IN | CHECK_OUT) {
        return Err(AppError::invalid("kind", "must be check_in or check_out"));
    }
    let (session, event) = visible_session(state, p, scope, &input.session_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        db::lock_row(tx, crate::db::Locked::EventSessions, &session.id)?;
        open_list(tx, &session.id)?;
        let booking = bookings::find(tx, &input.booking_id)?
            .filter(|b| b.event_id == event.id && b.status == CONFIRMED)
            .ok_or_else(|| AppError::invalid("booking_id", "no confirmed booking of this event"))?;
        let rows = store::of_session_participant(tx, &session.id, &booking.participant_id)?;
        if effective(&rows).iter().any(|r| r.kind == input.kind) {
            return Err(AppError::rule(ProblemCode::AlreadyRecorded, "this is recorded already; correct the existing record instead"));
        }
        let row = AttendanceRow {
            tenant_id: scope.tenant_id().to_owned(),
            id: Uuid::now_v7().to_string(),
            session_id: session.id.clone(),
            participant_id: booking.participant_id.clone(),
            booking_id: booking.id.clone(),
            kind: input.kind.clone(),
            occurred_at: input.occurred_at.unwrap_or(now),
            recorded_at: now,
            source: "manual".into(),
            device_id: None,
            recorded_by: Some(p.account_id.clone()),
            late_upload: false,
            supersedes_id: None,
            voided: false,
            reason: None,
        };
        store::insert(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AttendanceRecorded, "attendance", Some(&row.id))
                .subject(&row.participant_id, event.company_id.as_deref())
                .detail("kind", row.kind.as_str())
                .detail("source", "manual"),
        )?;
        record_views(state, tx, std::slice::from_ref(&row))?.pop().ok_or(AppError::NotFound)
    })
}

/// Corrects a record by adding one that supersedes it; the original stays (INPUT-4).
pub fn correct(state: &AppState, p: &Principal, scope: &TenantScope, id: &str, input: &Correction) -> Result<RecordView, AppError> {
    let reason = clean("reason", &input.reason, 200, true)?;
    if input.occurred_at.is_none() && !input.void {
        return Err(AppError::invalid("occurred_at", "give a corrected time, or void the record"));
    }
    let original = state.db.tenant_read(scope, |tx| store::find(tx, id)?.ok_or(AppError::NotFound))?;
    let (session, event) = visible_session(state, p, scope, &original.session_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        db::lock_row(tx, crate::db::Locked::EventSessions, &session.id)?;
        if store::is_superseded(tx, id)? {
            return Err(AppError::rule(ProblemCode::AlreadyCorrected, "this record was corrected already; correct the newest one"));
        }
        let row = AttendanceRow {
            id: Uuid::now_v7().to_string(),
            occurred_at: input.occurred_at.unwrap_or(original.occurred_at),
            recorded_at: now,
            source: "correction".into(),
            recorded_by: Some(p.account_id.clone()),
            late_upload: false,
            supersedes_id: Some(original.id.clone()),
            voided: input.void,
            reason: Some(reason.clone()),
            ..original.clone()
        };
        store::insert(tx, &row)?;
        // A correction of a closed list re-opens it, visibly: the closing stays, marked
        // with when, by whom and why (INPUT-4).
        if let Some(closing) = store::reopen(tx, &session.id, &p.account_id, now, &reason)? {
            audit::record(
                tx,
                &p.audit,
                Event::new(Action::AttendanceListReopened, "event_session", Some(&session.id))
                    .subject(&event.id, event.company_id.as_deref())
                    .detail("closing_id", closing.as_str())
                    .detail("correction_id", row.id.as_str()),
            )?;
        }
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AttendanceCorrected, "attendance", Some(&row.id))
                .subject(&row.participant_id, event.company_id.as_deref())
                .detail("supersedes", id)
                .detail("voided", input.void),
        )?;
        record_views(state, tx, std::slice::from_ref(&row))?.pop().ok_or(AppError::NotFound)
    })
}

/// The session's attendance as CSV, one line per record (corrections included); audited.
/// Restricted people are left out: their data is stored, not used (Art. 18 GDPR).
pub fn session_csv(state: &AppState, p: &Principal, scope: &TenantScope, session_id: &str) -> Result<Vec<u8>, AppError> {
    let mut list = session_attendance(state, p, scope, session_id)?;
    let before = list.attendees.len();
    list.attendees.retain(|a| !a.restricted);
    let restricted = before - list.attendees.len();
    let mut out = CsvFile::spreadsheet(&[
        "name",
        "status",
        "checked_in_at",
        "checked_out_at",
        "record_kind",
        "occurred_at",
        "recorded_at",
        "source",
        "device",
        "recorded_by",
        "late_upload",
        "superseded",
        "voided",
        "reason",
    ]);
    // Times in the tenant's zone, with their offset (issue 23).
    let zone = state.db.tenant_read(scope, |tx| crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound))?.zone();
    let time = |t: Option<NaiveDateTime>| t.map(|t| zone.rfc3339(t)).unwrap_or_default();
    for a in &list.attendees {
        let head = [a.name.clone(), a.status.as_str().to_owned(), time(a.checked_in_at), time(a.checked_out_at)];
        let records: Vec<Option<&RecordView>> = if a.records.is_empty() { vec![None] } else { a.records.iter().map(Some).collect() };
        for r in records {
            let tail = match r {
                None => vec![String::new(); 10],
                Some(r) => vec![
                    r.kind.as_str().to_owned(),
                    time(Some(r.occurred_at)),
                    time(Some(r.recorded_at)),
                    r.source.as_str().to_owned(),
                    r.device_name.clone().unwrap_or_default(),
                    r.recorded_by_email.clone().or_else(|| r.recorded_by.clone()).unwrap_or_default(),
                    r.late_upload.to_string(),
                    r.superseded.to_string(),
                    r.voided.to_string(),
                    r.reason.clone().unwrap_or_default(),
                ],
            };
            out.row(head.iter().cloned().chain(tail));
        }
    }
    state.db.tenant_tx(scope, |tx| {
        let event = Event::new(Action::AttendanceExported, "event_session", Some(session_id)).detail("rows", list.attendees.len() as i64);
        audit::record(tx, &p.audit, event.detail("restricted_left_out", restricted as i64))?;
        Ok(())
    })?;
    Ok(out.into_bytes())
}

/// Every record of one participant, across sessions: the per-person attendance proof.
pub fn participant_attendance(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    participant_id: &str,
) -> Result<ParticipantAttendance, AppError> {
    let visible: Vec<String> = crate::events::service::list(state, p, scope)?.into_iter().map(|e| e.id).collect();
    state.db.tenant_read(scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let row = bookings::participant(tx, participant_id)?.ok_or(AppError::NotFound)?;
        // Staff limited to some events know only the people booked on them (TOM SEP-3).
        let limited = matches!(crate::events::access::EventAccess::of(p), crate::events::access::EventAccess::Limited { .. });
        if limited && !bookings::of_participant(tx, participant_id)?.iter().any(|b| visible.contains(&b.event_id)) {
            return Err(AppError::NotFound);
        }
        let rows = store::of_participant(tx, participant_id)?;
        let session_ids: Vec<String> = rows.iter().map(|r| r.session_id.clone()).collect();
        let sessions: HashMap<String, SessionRow> =
            events::sessions_by_id(tx, &session_ids)?.into_iter().map(|s| (s.id.clone(), s)).collect();
        let titles: HashMap<String, String> = events::list(tx)?.into_iter().map(|e| (e.id, e.title)).collect();
        let views = record_views(state, tx, &rows)?;
        let entries = views
            .into_iter()
            .filter_map(|v| {
                let s = sessions.get(&v.session_id)?;
                visible.contains(&s.event_id).then(|| ParticipantRecordEntry {
                    event_id: s.event_id.clone(),
                    event_title: titles.get(&s.event_id).cloned().unwrap_or_default(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    record: v,
                })
            })
            .collect();
        Ok(ParticipantAttendance {
            participant_id: row.id.clone(),
            name: person(&keys, &row)?.name,
            restricted_at: row.restricted_at,
            entries,
        })
    })
}

/// A drawn signature checked and in its stored form (compact JSON, coordinates to a tenth
/// of a unit): 1–100 strokes of 1–2,000 points, at most 5,000 points, every point on the
/// 1000 × 400 field.
pub fn checked_strokes(input: &Signature) -> Result<String, AppError> {
    if input.strokes.is_empty() || input.strokes.len() > MAX_STROKES {
        return Err(AppError::invalid("strokes", "must be 1 to 100 strokes"));
    }
    let mut total = 0;
    let mut out: Vec<Vec<f64>> = Vec::with_capacity(input.strokes.len());
    for stroke in &input.strokes {
        if stroke.is_empty() || !stroke.len().is_multiple_of(2) || stroke.len() / 2 > MAX_STROKE_POINTS {
            return Err(AppError::invalid("strokes", "each stroke must be 1 to 2000 points given as x, y pairs"));
        }
        total += stroke.len() / 2;
        let mut points = Vec::with_capacity(stroke.len());
        for pair in stroke.chunks_exact(2) {
            let (x, y) = (pair.first().copied().unwrap_or(f64::NAN), pair.get(1).copied().unwrap_or(f64::NAN));
            if !(0.0..=SIGNATURE_WIDTH).contains(&x) || !(0.0..=SIGNATURE_HEIGHT).contains(&y) {
                return Err(AppError::invalid("strokes", "every point must lie on the 1000 × 400 field"));
            }
            points.push((x * 10.0).round() / 10.0);
            points.push((y * 10.0).round() / 10.0);
        }
        out.push(points);
    }
    if total > MAX_POINTS {
        return Err(AppError::invalid("strokes", "must be at most 5000 points in all"));
    }
    serde_json::to_string(&out).map_err(|e| AppError::Internal(e.to_string()))
}

/// The strokes of a stored signature.
pub fn strokes_of(keys: &TenantKeys, table: &str, row_id: &str, ciphertext: &[u8]) -> Result<Vec<Vec<f64>>, AppError> {
    let json = keys.decrypt(table, "strokes", row_id, ciphertext)?;
    serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))
}

/// Does this session's event ask for a signature with each check-in?
fn signature_required(tx: &mut TenantTx<'_>, event_id: &str) -> Result<bool, AppError> {
    Ok(events::find(tx, event_id)?.is_some_and(|e| e.signature_required))
}

/// The check-in a kiosk asks to sign for: a check-in whose event asks for signatures.
fn sign_for(
    tx: &mut TenantTx<'_>,
    outcome: TapOutcome,
    attendance_id: Option<&str>,
    event_id: Option<&str>,
) -> Result<Option<String>, AppError> {
    let (TapOutcome::CheckedIn, Some(attendance_id), Some(event_id)) = (outcome, attendance_id, event_id) else { return Ok(None) };
    Ok(signature_required(tx, event_id)?.then(|| attendance_id.to_owned()))
}

/// A closed list cannot change (INPUT-4): a correction re-opens it first.
fn open_list(tx: &mut TenantTx<'_>, session_id: &str) -> Result<(), AppError> {
    if store::is_closed(tx, session_id)? {
        return Err(AppError::rule(ProblemCode::ListClosed, "the session's list is closed; a correction re-opens it"));
    }
    Ok(())
}

/// A participant's signature for their check-in, taken at the kiosk right after the tap
/// or later (staff open the field from the list). Stored encrypted with the tenant's data
/// key with the signing time and the check-in it belongs to; once per check-in.
pub fn sign(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    attendance_id: &str,
    input: &Signature,
) -> Result<SignatureStatusView, AppError> {
    let strokes = checked_strokes(input)?;
    let record = state.db.tenant_read(scope, |tx| store::find(tx, attendance_id)?.ok_or(AppError::NotFound))?;
    let (session, event) = visible_session(state, p, scope, &record.session_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        db::lock_row(tx, crate::db::Locked::EventSessions, &session.id)?;
        open_list(tx, &session.id)?;
        let rows = store::of_session_participant(tx, &session.id, &record.participant_id)?;
        let in_force = effective(&rows).iter().any(|r| r.id == record.id && r.kind == CHECK_IN);
        if !in_force || !signature_required(tx, &event.id)? {
            return Err(AppError::rule(ProblemCode::SignatureNotExpected, "no signature is asked for this record"));
        }
        if store::signature_of(tx, &record.id)?.is_some() {
            return Err(AppError::rule(ProblemCode::AlreadyRecorded, "this check-in is signed already"));
        }
        let keys = keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = SignatureRow {
            tenant_id: scope.tenant_id().to_owned(),
            strokes_ciphertext: keys.encrypt("attendance_signatures", "strokes", &id, &strokes),
            id,
            attendance_id: record.id.clone(),
            session_id: session.id.clone(),
            participant_id: record.participant_id.clone(),
            signed_at: now,
            collected_by: Some(p.account_id.clone()),
        };
        store::insert_signature(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SignatureCollected, "attendance", Some(&record.id))
                .subject(&record.participant_id, event.company_id.as_deref())
                .detail("session_id", session.id.as_str()),
        )?;
        Ok(SignatureStatusView { attendance_id: record.id.clone(), status: SignatureStatus::Signed, signed_at: Some(now) })
    })
}

/// A check-in's signature with its strokes (to show it in the list).
pub fn signature(state: &AppState, p: &Principal, scope: &TenantScope, attendance_id: &str) -> Result<SignatureView, AppError> {
    let record = state.db.tenant_read(scope, |tx| store::find(tx, attendance_id)?.ok_or(AppError::NotFound))?;
    visible_session(state, p, scope, &record.session_id)?;
    state.db.tenant_read(scope, |tx| {
        let row = store::signature_of(tx, attendance_id)?.ok_or(AppError::NotFound)?;
        let keys = keys(tx, &state.master)?;
        Ok(SignatureView {
            attendance_id: row.attendance_id.clone(),
            signed_at: row.signed_at,
            strokes: strokes_of(&keys, "attendance_signatures", &row.id, &row.strokes_ciphertext)?,
        })
    })
}

/// The first check-in and the last check-out among records in force.
fn first_in_last_out(in_force: &[&AttendanceRow]) -> (Option<NaiveDateTime>, Option<NaiveDateTime>) {
    let checked_in_at = in_force.iter().filter(|r| r.kind == CHECK_IN).map(|r| r.occurred_at).min();
    let checked_out_at = in_force.iter().filter(|r| r.kind == CHECK_OUT).map(|r| r.occurred_at).max();
    (checked_in_at, checked_out_at)
}

/// How a booked person attended, from their first check-in and last check-out in force.
fn attendee_status(session: &SessionRow, checked_in_at: Option<NaiveDateTime>, checked_out_at: Option<NaiveDateTime>) -> AttendeeStatus {
    match (checked_in_at, checked_out_at) {
        (None, _) => AttendeeStatus::Absent,
        (Some(_), Some(out)) if out < shifted(session.ends_at, -GRACE_MINUTES) => AttendeeStatus::LeftEarly,
        (Some(inn), _) if inn > shifted(session.starts_at, GRACE_MINUTES) => AttendeeStatus::Late,
        _ => AttendeeStatus::Present,
    }
}

/// How many confirmed bookings of the session's event attended it in each way.
fn status_counts(tx: &mut TenantTx<'_>, session: &SessionRow) -> Result<Vec<(AttendeeStatus, usize)>, AppError> {
    let rows = store::of_sessions(tx, std::slice::from_ref(&session.id))?;
    let mut counts: Vec<(AttendeeStatus, usize)> = AttendeeStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for b in bookings::of_event(tx, &session.event_id)?.iter().filter(|b| b.status == CONFIRMED) {
        let mine: Vec<AttendanceRow> = rows.iter().filter(|r| r.participant_id == b.participant_id).cloned().collect();
        let (checked_in_at, checked_out_at) = first_in_last_out(&effective(&mine));
        let status = attendee_status(session, checked_in_at, checked_out_at);
        if let Some(entry) = counts.iter_mut().find(|(s, _)| *s == status) {
            entry.1 += 1;
        }
    }
    Ok(counts)
}

/// The instructor or organiser closes a session's list and signs it as a whole
/// ("Liste abschließen"); from then on it cannot change until a correction re-opens it.
pub fn close(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    session_id: &str,
    input: &Signature,
) -> Result<SessionAttendance, AppError> {
    let strokes = checked_strokes(input)?;
    let (session, event) = visible_session(state, p, scope, session_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        db::lock_row(tx, crate::db::Locked::EventSessions, &session.id)?;
        open_list(tx, &session.id)?;
        let keys = keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = ClosingRow {
            tenant_id: scope.tenant_id().to_owned(),
            strokes_ciphertext: keys.encrypt("session_closings", "strokes", &id, &strokes),
            id,
            session_id: session.id.clone(),
            closed_by: p.account_id.clone(),
            closed_at: now,
            reopened_at: None,
            reopened_by: None,
            reopen_reason: None,
        };
        store::insert_closing(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::AttendanceListClosed, "event_session", Some(&session.id))
                .subject(&event.id, event.company_id.as_deref())
                .detail("closing_id", row.id.as_str()),
        )?;
        let counts = status_counts(tx, &session)?;
        crate::webhooks::service::check_in_summary(tx, &keys, &session, &counts, now)?;
        Ok(())
    })?;
    session_attendance(state, p, scope, session_id)
}

fn closing_views(state: &AppState, tx: &mut TenantTx<'_>, rows: Vec<ClosingRow>) -> Result<Vec<ClosingView>, AppError> {
    let platform = state.master.platform_keys();
    let email = |tx: &mut TenantTx<'_>, id: &str| -> Result<Option<String>, AppError> {
        Ok(match crate::accounts::store::find(tx, id)? {
            Some(a) => Some(platform.decrypt("accounts", "email", &a.id, &a.email_ciphertext)?.to_string()),
            None => None,
        })
    };
    rows.into_iter()
        .map(|c| {
            Ok(ClosingView {
                closed_by_email: email(tx, &c.closed_by)?,
                reopened_by_email: c.reopened_by.as_deref().map(|id| email(tx, id)).transpose()?.flatten(),
                id: c.id,
                closed_at: c.closed_at,
                closed_by: c.closed_by,
                reopened_at: c.reopened_at,
                reopened_by: c.reopened_by,
                reopen_reason: c.reopen_reason,
            })
        })
        .collect()
}
