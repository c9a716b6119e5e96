use std::collections::HashMap;

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::accounts::service::validate_email;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event};
use crate::auth::service::{Origin, Principal};
use crate::crypto::TenantKeys;
use crate::db::{self, TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::access::visible_event;
use crate::events::model::EventRow;
use crate::notify::templates::{self, BookingNews, Language};
use crate::notify::{self, MailStatus};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::Tenant;
use crate::tenants::service::keys;

pub fn default_consent(lang: Language, tenant: &str) -> String {
    match lang {
        Language::De => format!(
            "Ich willige ein, dass {tenant} meine Angaben (Name, E-Mail und die erfragten Felder) zur Durchführung dieser Buchung \
             verarbeitet und mir dazu E-Mails sendet. Ich kann die Einwilligung jederzeit widerrufen."
        ),
        Language::En => format!(
            "I agree that {tenant} processes my details (name, email and the fields asked) to carry out this booking and sends \
             me emails about it. I can withdraw this consent at any time."
        ),
    }
}

pub fn consent_text(tenant: &Tenant, lang: Language) -> String {
    tenant.booking_consent_text.clone().unwrap_or_else(|| default_consent(lang, &tenant.name))
}

fn language(code: Option<&str>) -> Result<Language, AppError> {
    Language::from_code(code.unwrap_or("de")).ok_or_else(|| AppError::invalid("language", "must be de or en"))
}

/// Trimmed, 1..=max characters (0 allowed when optional), no control characters.
pub fn clean(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    let len = value.chars().count();
    if (required && len == 0) || len > max {
        return Err(AppError::invalid(field, format!("{}–{max} characters", u8::from(required))));
    }
    if value.chars().any(|c| c.is_control() && c != '\n') {
        return Err(AppError::invalid(field, "must not hold control characters"));
    }
    Ok(value.to_owned())
}

/// Whole words of a name, lower-case: what the search index holds.
pub fn name_terms(name: &str) -> Vec<String> {
    let mut terms: Vec<String> =
        name.split(|c: char| c.is_whitespace() || c == '-' || c == ',').filter(|w| !w.is_empty()).map(str::to_lowercase).collect();
    terms.sort();
    terms.dedup();
    terms
}

pub fn person(keys: &TenantKeys, p: &ParticipantRow) -> Result<Person, AppError> {
    // An erased person's row is an anonymous pseudonym: nothing left to decrypt.
    if p.erased_at.is_some() {
        return Ok(Person { name: String::new(), email: String::new(), phone: None, id: p.id.clone() });
    }
    Ok(Person {
        name: keys.decrypt("participants", "name", &p.id, &p.name_ciphertext)?.to_string(),
        email: keys.decrypt("participants", "email", &p.id, &p.email_ciphertext)?.to_string(),
        phone: p.phone_ciphertext.as_deref().map(|c| keys.decrypt("participants", "phone", &p.id, c)).transpose()?.map(|s| s.to_string()),
        id: p.id.clone(),
    })
}

pub fn answers(keys: &TenantKeys, b: &BookingRow) -> Result<Answers, AppError> {
    match &b.answers_ciphertext {
        None => Ok(Answers::default()),
        Some(c) => serde_json::from_str(&keys.decrypt("bookings", "answers", &b.id, c)?).map_err(|e| AppError::Internal(e.to_string())),
    }
}

/// The participant's own sign-in page: the link in every booking mail.
pub fn portal_link(state: &AppState, tenant: &Tenant) -> String {
    format!("{}/#/p/{}/login", state.config.public_url.trim_end_matches('/'), tenant.slug)
}

fn dates(tx: &mut TenantTx<'_>, event_id: &str) -> Result<String, AppError> {
    let sessions = crate::events::store::sessions(tx, &[event_id.to_owned()])?;
    Ok(sessions
        .iter()
        .map(|s| format!("{} – {} (UTC)", s.starts_at.format("%Y-%m-%d %H:%M"), s.ends_at.format("%H:%M")))
        .collect::<Vec<_>>()
        .join("\n"))
}

/// What a booking mail needs besides the booking: the tenant, its keys and the portal.
struct Mailer<'a> {
    state: &'a AppState,
    keys: TenantKeys,
    tenant: Tenant,
}

impl<'a> Mailer<'a> {
    /// The tenant of `scope` with its unwrapped keys, read in `tx`.
    fn load(state: &'a AppState, tx: &mut TenantTx<'_>, scope: &TenantScope) -> Result<Self, AppError> {
        Ok(Self { tenant: tenant_of(tx, scope)?, keys: keys(tx, &state.master)?, state })
    }

    /// Queues the mail about a booking in `tx`; returns the mail id. None for a
    /// restricted or erased person: they get no mail (Art. 18, 17 GDPR).
    fn tell(
        &self,
        tx: &mut TenantTx<'_>,
        event: &EventRow,
        participant: &ParticipantRow,
        news: BookingNews,
        now: NaiveDateTime,
    ) -> Result<Option<String>, AppError> {
        if participant.restricted_at.is_some() || participant.erased_at.is_some() {
            return Ok(None);
        }
        let who = person(&self.keys, participant)?;
        let lang = Language::from_code(&participant.language).unwrap_or(Language::De);
        let dates = dates(tx, &event.id)?;
        let message =
            templates::booking(lang, news, &who.email, &self.tenant.name, &event.title, &dates, &portal_link(self.state, &self.tenant));
        notify::enqueue(tx, &self.keys, Some(&self.tenant.id), news.purpose(), &message, now).map(Some)
    }
}

fn tenant_of(tx: &mut TenantTx<'_>, scope: &TenantScope) -> Result<Tenant, AppError> {
    crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)
}

/// A booking from the public page (TOM AVAIL-5): the seat count and the insert happen
/// under the event's row lock, so capacity holds whatever the concurrency. Bad input,
/// a closed window or a full event write nothing.
pub fn book(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    event_id: &str,
    input: &NewBooking,
) -> Result<BookingCreated, AppError> {
    let name = clean("name", &input.name, 200, true)?;
    let email = validate_email(&input.email)?;
    let phone = input.phone.as_deref().map(|p| clean("phone", p, 50, false)).transpose()?.filter(|p| !p.is_empty());
    if phone.as_deref().is_some_and(|p| !p.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c))) {
        return Err(AppError::invalid("phone", "may hold only digits, spaces and + - / ( )"));
    }
    let note = input.note.as_deref().map(|n| clean("note", n, 2000, false)).transpose()?.filter(|n| !n.is_empty());
    if !input.consent {
        return Err(AppError::invalid("consent", "must be given to book"));
    }
    let lang = language(input.language.as_deref())?;
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    state
        .db
        .tenant_tx(scope, |tx| {
            db::lock_row(tx, "events", event_id)?;
            let event = crate::events::store::find(tx, event_id)?
                .filter(|e| e.status != crate::events::model::STATUS_DRAFT)
                .ok_or(AppError::NotFound)?;
            if !event.booking_open(now) {
                return Err(AppError::rule(ProblemCode::BookingClosed, "bookings for this event are not open"));
            }
            // Only what the event asks (TOM PRIV-1).
            if phone.is_some() && !event.asks("phone") {
                return Err(AppError::invalid("phone", "this event does not ask for a phone number"));
            }
            if note.is_some() && !event.asks("note") {
                return Err(AppError::invalid("note", "this event does not ask for a note"));
            }
            let mailer = Mailer::load(state, tx, scope)?;
            let keys = &mailer.keys;
            let email_index = keys.blind_index("participants", "email", &email);
            let (participant, is_new) = match store::participant_by_email(tx, &email_index)? {
                // Restricted (Art. 18): the data may not be used for anything new.
                Some(p) if p.restricted_at.is_some() => {
                    return Err(AppError::rule(
                        ProblemCode::Restricted,
                        "bookings with this email address are not possible at the moment; please contact the organiser",
                    ))
                }
                Some(p) => (p, false),
                None => {
                    let id = Uuid::now_v7().to_string();
                    let row = ParticipantRow {
                        tenant_id: scope.tenant_id().to_owned(),
                        email_ciphertext: keys.encrypt("participants", "email", &id, &email),
                        email_index,
                        name_ciphertext: keys.encrypt("participants", "name", &id, &name),
                        phone_ciphertext: phone.as_deref().map(|p| keys.encrypt("participants", "phone", &id, p)),
                        language: lang.code().to_owned(),
                        mail_opt_out_at: None,
                        mail_opt_out_reason: None,
                        mail_opt_out_text_ciphertext: None,
                        created_at: now,
                        updated_at: now,
                        restricted_at: None,
                        erased_at: None,
                        id,
                    };
                    let terms: Vec<TermRow> = name_terms(&name)
                        .iter()
                        .map(|t| TermRow {
                            tenant_id: row.tenant_id.clone(),
                            participant_id: row.id.clone(),
                            term_index: keys.blind_index("participants", "name_term", t),
                        })
                        .collect();
                    store::insert_participant(tx, &row, &terms)?;
                    (row, true)
                }
            };
            if store::active(tx, event_id, &participant.id)? {
                return Err(AppError::rule(ProblemCode::AlreadyBooked, "this email already holds a booking for this event"));
            }
            let ctx = AuditContext {
                actor: Actor { kind: ActorKind::Participant, id: Some(participant.id.clone()), role: None },
                at: origin.at,
                request_id: Some(origin.request_id.clone()),
                ip: origin.ip.clone(),
            };
            if let (false, Some(p)) = (is_new, &phone) {
                store::set_phone(tx, &participant.id, &keys.encrypt("participants", "phone", &participant.id, p), now)?;
                audit::record(
                    tx,
                    &ctx,
                    Event::new(Action::ParticipantUpdated, "participant", Some(&participant.id))
                        .subject(&participant.id, None)
                        .detail("fields", "phone"),
                )?;
            }
            let confirmed = store::count(tx, event_id, CONFIRMED)?;
            let status = if confirmed < i64::from(event.capacity) {
                BookingStatus::Confirmed
            } else if event.waiting_list {
                BookingStatus::Waiting
            } else {
                return Err(AppError::rule(ProblemCode::EventFull, "all seats are taken and there is no waiting list"));
            };
            let id = Uuid::now_v7().to_string();
            let answers = Answers { phone, note };
            let booking = BookingRow {
                tenant_id: scope.tenant_id().to_owned(),
                answers_ciphertext: (answers.phone.is_some() || answers.note.is_some())
                    .then(|| serde_json::to_string(&answers).map(|json| keys.encrypt("bookings", "answers", &id, &json)))
                    .transpose()
                    .map_err(|e| AppError::Internal(e.to_string()))?,
                id,
                event_id: event_id.to_owned(),
                participant_id: participant.id.clone(),
                status: status.as_str().to_owned(),
                consent_text: consent_text(&mailer.tenant, lang),
                consented_at: now,
                queued_at: now,
                created_at: now,
                cancelled_at: None,
                cancelled_by: None,
                mail_id: None,
            };
            store::insert(tx, &booking)?;
            let news = if status == BookingStatus::Confirmed { BookingNews::Confirmed } else { BookingNews::Waiting };
            if let Some(mail_id) = mailer.tell(tx, &event, &participant, news, now)? {
                store::set_mail(tx, &booking.id, &mail_id)?;
            }
            if is_new {
                audit::record(
                    tx,
                    &ctx,
                    Event::new(Action::ParticipantCreated, "participant", Some(&participant.id))
                        .subject(&participant.id, None)
                        .detail("via", "booking"),
                )?;
            }
            audit::record(
                tx,
                &ctx,
                Event::new(Action::BookingCreated, "booking", Some(&booking.id))
                    .subject(&participant.id, event.company_id.as_deref())
                    .detail("event_id", event_id)
                    .detail("status", status.as_str()),
            )?;
            Ok(BookingCreated { booking_id: booking.id, status })
        })
        .inspect(|_| state.mail_wakeup.wake())
}

/// Fills free seats from the waiting list, oldest first, in the caller's transaction
/// (which holds the event's row lock).
pub fn promote_waiting(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    ctx: &AuditContext,
    event: &EventRow,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let confirmed = store::count(tx, &event.id, CONFIRMED)?;
    let free = i64::from(event.capacity) - confirmed;
    if free <= 0 {
        return Ok(0);
    }
    let next = store::next_waiting(tx, &event.id, free)?;
    if next.is_empty() {
        return Ok(0);
    }
    let scope = TenantScope::named_by_operator(event.tenant_id.clone());
    let mailer = Mailer::load(state, tx, &scope)?;
    let mut promoted = 0;
    for b in next {
        if store::set_status(tx, &b.id, WAITING, CONFIRMED)? == 0 {
            continue;
        }
        let participant = store::participant(tx, &b.participant_id)?.ok_or(AppError::NotFound)?;
        mailer.tell(tx, event, &participant, BookingNews::Promoted, now)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::BookingPromoted, "booking", Some(&b.id))
                .subject(&b.participant_id, event.company_id.as_deref())
                .detail("event_id", event.id.as_str()),
        )?;
        promoted += 1;
    }
    state.mail_wakeup.wake();
    Ok(promoted)
}

/// Who cancels: a participant may only cancel their own booking.
pub enum Canceller<'a> {
    Staff,
    Participant(&'a str),
}

/// Cancels a booking and lets the next on the waiting list move up, atomically.
pub fn cancel(
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    booking_id: &str,
    by: Canceller<'_>,
) -> Result<BookingRow, AppError> {
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let booking = store::find(tx, booking_id)?.ok_or(AppError::NotFound)?;
        if let Canceller::Participant(id) = by {
            if booking.participant_id != id {
                return Err(AppError::NotFound);
            }
        }
        db::lock_row(tx, "events", &booking.event_id)?;
        let by_code = match by {
            Canceller::Staff => "staff",
            Canceller::Participant(_) => "participant",
        };
        if store::cancel(tx, booking_id, by_code, now)? == 0 {
            return Err(AppError::rule(ProblemCode::AlreadyCancelled, "this booking is already cancelled"));
        }
        let event = crate::events::store::find(tx, &booking.event_id)?.ok_or(AppError::NotFound)?;
        let participant = store::participant(tx, &booking.participant_id)?.ok_or(AppError::NotFound)?;
        Mailer::load(state, tx, scope)?.tell(tx, &event, &participant, BookingNews::Cancelled, now)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::BookingCancelled, "booking", Some(booking_id))
                .subject(&booking.participant_id, event.company_id.as_deref())
                .detail("by", by_code)
                .detail("was", booking.status.as_str()),
        )?;
        if booking.status == CONFIRMED {
            promote_waiting(state, tx, ctx, &event, now)?;
        }
        state.mail_wakeup.wake();
        store::find(tx, booking_id)?.ok_or(AppError::NotFound)
    })
}

pub fn cancel_by_staff(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<BookingView, AppError> {
    let booking = visible_booking(state, p, scope, id)?;
    cancel(state, scope, &p.audit, &booking.id, Canceller::Staff)?;
    view_one(state, scope, id)
}

/// A booking of an event the caller may see; anything else is not found.
fn visible_booking(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<BookingRow, AppError> {
    state.db.tenant_tx(scope, |tx| {
        let booking = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        visible_event(tx, p, &booking.event_id)?;
        Ok(booking)
    })
}

/// Moves an active booking to another event: a seat there if one is free, else its
/// waiting list; the old event's waiting list moves up.
pub fn move_booking(state: &AppState, p: &Principal, scope: &TenantScope, id: &str, target_id: &str) -> Result<BookingView, AppError> {
    let booking = visible_booking(state, p, scope, id)?;
    state.db.tenant_read(scope, |tx| visible_event(tx, p, target_id))?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        // Both events locked, in one order, so two opposite moves cannot deadlock.
        let mut ids = [booking.event_id.clone(), target_id.to_owned()];
        ids.sort();
        for e in &ids {
            db::lock_row(tx, "events", e)?;
        }
        let current = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        if current.status == CANCELLED {
            return Err(AppError::rule(ProblemCode::AlreadyCancelled, "a cancelled booking cannot be moved"));
        }
        if current.event_id == target_id {
            return Err(AppError::rule(ProblemCode::SameEvent, "the booking is already in this event"));
        }
        let source = crate::events::store::find(tx, &current.event_id)?.ok_or(AppError::NotFound)?;
        let target = crate::events::store::find(tx, target_id)?.ok_or(AppError::NotFound)?;
        if store::active(tx, target_id, &current.participant_id)? {
            return Err(AppError::rule(ProblemCode::AlreadyBooked, "this participant already holds a booking for that event"));
        }
        let status = if store::count(tx, target_id, CONFIRMED)? < i64::from(target.capacity) {
            CONFIRMED
        } else if target.waiting_list {
            WAITING
        } else {
            return Err(AppError::rule(ProblemCode::EventFull, "all seats of that event are taken and it has no waiting list"));
        };
        store::move_to(tx, id, target_id, status, now)?;
        let participant = store::participant(tx, &current.participant_id)?.ok_or(AppError::NotFound)?;
        let news = if status == CONFIRMED { BookingNews::Confirmed } else { BookingNews::Waiting };
        if let Some(mail_id) = Mailer::load(state, tx, scope)?.tell(tx, &target, &participant, news, now)? {
            store::set_mail(tx, id, &mail_id)?;
        }
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::BookingMoved, "booking", Some(id))
                .subject(&current.participant_id, target.company_id.as_deref())
                .detail("from", source.id.as_str())
                .detail("to", target_id)
                .detail("status", status),
        )?;
        if current.status == CONFIRMED {
            promote_waiting(state, tx, &p.audit, &source, now)?;
        }
        Ok(())
    })?;
    state.mail_wakeup.wake();
    view_one(state, scope, id)
}

fn views(state: &AppState, tx: &mut TenantTx<'_>, rows: Vec<BookingRow>) -> Result<Vec<BookingView>, AppError> {
    let keys = keys(tx, &state.master)?;
    let ids: Vec<String> = rows.iter().map(|b| b.participant_id.clone()).collect();
    let people: HashMap<String, ParticipantRow> = store::participants(tx, &ids)?.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut out = Vec::with_capacity(rows.len());
    for b in rows {
        let row = people.get(&b.participant_id).ok_or(AppError::NotFound)?;
        let who = person(&keys, row)?;
        let answers = answers(&keys, &b)?;
        let mail_status = match &b.mail_id {
            Some(m) => notify::service::status(tx, m)?,
            None => None,
        };
        out.push(BookingView {
            id: b.id,
            event_id: b.event_id,
            participant_id: b.participant_id,
            name: who.name,
            email: who.email,
            phone: answers.phone.or(who.phone),
            note: answers.note,
            status: BookingStatus::from_stored(&b.status)?,
            created_at: b.created_at,
            cancelled_at: b.cancelled_at,
            mail_status,
            restricted: row.restricted_at.is_some(),
        });
    }
    Ok(out)
}

fn view_one(state: &AppState, scope: &TenantScope, id: &str) -> Result<BookingView, AppError> {
    state.db.tenant_read(scope, |tx| {
        let row = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        views(state, tx, vec![row])?.pop().ok_or(AppError::NotFound)
    })
}

pub fn list_for_event(state: &AppState, p: &Principal, scope: &TenantScope, event_id: &str) -> Result<Vec<BookingView>, AppError> {
    state.db.tenant_read(scope, |tx| visible_event(tx, p, event_id))?;
    state.db.tenant_read(scope, |tx| {
        let rows = store::of_event(tx, event_id)?;
        views(state, tx, rows)
    })
}

/// A cell that a spreadsheet would run as a formula gets a leading apostrophe.
pub fn csv_cell(value: &str) -> String {
    let guarded = if value.starts_with(['=', '+', '-', '@', '\t', '\r']) { format!("'{value}") } else { value.to_owned() };
    format!("\"{}\"", guarded.replace('"', "\"\""))
}

/// The booking list as CSV (UTF-8 with BOM, so spreadsheets read the umlauts); audited.
/// Restricted people are left out: their data is stored, not used (Art. 18 GDPR).
pub fn csv_for_event(state: &AppState, p: &Principal, scope: &TenantScope, event_id: &str) -> Result<Vec<u8>, AppError> {
    let (list, restricted): (Vec<BookingView>, Vec<BookingView>) =
        list_for_event(state, p, scope, event_id)?.into_iter().partition(|b| !b.restricted);
    let mut out = String::from("\u{feff}name,email,phone,note,status,booked_at,cancelled_at,mail_status\r\n");
    for b in &list {
        let cells = [
            b.name.clone(),
            b.email.clone(),
            b.phone.clone().unwrap_or_default(),
            b.note.clone().unwrap_or_default(),
            b.status.as_str().to_owned(),
            b.created_at.format("%Y-%m-%d %H:%M:%S").to_string(),
            b.cancelled_at.map(|t| t.format("%Y-%m-%d %H:%M:%S").to_string()).unwrap_or_default(),
            b.mail_status.map(MailStatus::code).unwrap_or_default().to_owned(),
        ];
        out.push_str(&cells.iter().map(|c| csv_cell(c)).collect::<Vec<_>>().join(","));
        out.push_str("\r\n");
    }
    state.db.tenant_tx(scope, |tx| {
        let event = Event::new(Action::BookingsExported, "event", Some(event_id))
            .detail("rows", list.len() as i64)
            .detail("restricted_left_out", restricted.len() as i64);
        audit::record(tx, &p.audit, event.detail("format", "csv"))?;
        Ok(())
    })?;
    Ok(out.into_bytes())
}

/// Participants by whole email or whole name words, through blind indexes only.
pub fn search(state: &AppState, scope: &TenantScope, q: &str) -> Result<Vec<ParticipantHit>, AppError> {
    let q = clean("q", q, 200, true)?;
    state.db.tenant_read(scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let ids: Vec<String> = if q.contains('@') {
            let email = validate_email(&q)?;
            store::participant_by_email(tx, &keys.blind_index("participants", "email", &email))?.into_iter().map(|p| p.id).collect()
        } else {
            let terms: Vec<Vec<u8>> = name_terms(&q).iter().map(|t| keys.blind_index("participants", "name_term", t)).collect();
            store::participants_with_terms(tx, &terms)?
        };
        let counts: HashMap<String, i64> = store::active_counts(tx, &ids)?.into_iter().collect();
        let mut hits = Vec::new();
        for row in store::participants(tx, &ids)? {
            let who = person(&keys, &row)?;
            hits.push(ParticipantHit {
                bookings: counts.get(&row.id).copied().unwrap_or(0),
                restricted_at: row.restricted_at,
                id: who.id,
                name: who.name,
                email: who.email,
            });
        }
        hits.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(hits)
    })
}

pub fn settings(state: &AppState, scope: &TenantScope) -> Result<BookingSettings, AppError> {
    let tenant = state.db.tenant_read(scope, |tx| tenant_of(tx, scope))?;
    Ok(BookingSettings { consent_text: consent_text(&tenant, Language::De) })
}

pub fn set_settings(state: &AppState, p: &Principal, scope: &TenantScope, input: &BookingSettings) -> Result<BookingSettings, AppError> {
    let text = clean("consent_text", &input.consent_text, 2000, true)?;
    state.db.tenant_tx(scope, |tx| {
        crate::tenants::store::set_consent_text(tx, &text, p.audit.at.naive_utc())?;
        audit::record(tx, &p.audit, Event::new(Action::BookingSettingsChanged, "tenant", Some(scope.tenant_id())))?;
        Ok(())
    })?;
    Ok(BookingSettings { consent_text: text })
}
