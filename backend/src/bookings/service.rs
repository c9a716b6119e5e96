use std::collections::HashMap;

use chrono::NaiveDateTime;
use uuid::Uuid;

use super::model::*;
use super::store;
use crate::accounts::service::validate_email;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::service::{Origin, Principal};
use crate::crypto::TenantKeys;
use crate::csv_file::CsvFile;
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
use crate::webhooks::model::{Payload, WebhookEvent};
use crate::webhooks::service::Personal;

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

/// The event's sessions, one a line, in the tenant's time zone and the reader's language.
fn dates(tx: &mut TenantTx<'_>, tenant: &Tenant, event_id: &str, lang: Language) -> Result<String, AppError> {
    let zone = tenant.zone();
    let mut sessions = crate::events::store::sessions(tx, &[event_id.to_owned()])?;
    sessions.sort_by_key(|s| s.starts_at);
    Ok(sessions.iter().map(|s| zone.span(s.starts_at, s.ends_at, lang == Language::De)).collect::<Vec<_>>().join("\n"))
}

/// The event's sessions as an iCalendar file for a confirmed booking's mail (issue 23):
/// title, place and times, nothing about the person.
fn calendar_file(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    tenant: &Tenant,
    event: &EventRow,
    now: NaiveDateTime,
) -> Result<notify::Attachment, AppError> {
    let mut sessions = crate::events::store::sessions(tx, std::slice::from_ref(&event.id))?;
    sessions.sort_by_key(|s| s.starts_at);
    let location = match &event.location_id {
        Some(l) => crate::locations::store::list(tx)?.into_iter().find(|x| &x.id == l).map(|x| x.name),
        None => None,
    };
    let entries: Vec<crate::calendar::ics::Entry> = sessions
        .iter()
        .map(|s| crate::calendar::ics::Entry {
            uid: format!("booking-{}@anwesend", s.id),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            summary: event.title.clone(),
            location: location.clone(),
            description: Some(tenant.name.clone()),
            url: Some(portal_link(state, tenant)),
        })
        .collect();
    Ok(notify::Attachment {
        filename: "termine.ics".to_owned(),
        content_type: "text/calendar; charset=utf-8; method=PUBLISH".to_owned(),
        content: crate::calendar::ics::calendar(&event.title, &tenant.time_zone, now, &entries),
    })
}

/// What a booking mail needs besides the booking: the tenant, its keys and the portal.
pub(super) struct Mailer<'a> {
    state: &'a AppState,
    pub(super) keys: TenantKeys,
    tenant: Tenant,
    /// Sends nothing (a CSV import without mails).
    pub(super) quiet: bool,
}

impl<'a> Mailer<'a> {
    /// The tenant of `scope` with its unwrapped keys, read in `tx`.
    pub(super) fn load(state: &'a AppState, tx: &mut TenantTx<'_>, scope: &TenantScope) -> Result<Self, AppError> {
        Ok(Self { tenant: tenant_of(tx, scope)?, keys: keys(tx, &state.master)?, state, quiet: false })
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
        if self.quiet || participant.restricted_at.is_some() || participant.erased_at.is_some() {
            return Ok(None);
        }
        let who = person(&self.keys, participant)?;
        let lang = Language::from_code(&participant.language).unwrap_or(Language::De);
        self.tell_to(tx, event, &who.email, lang, news, now).map(Some)
    }

    /// Queues the mail about a booking to `to` in `tx`; returns the mail id. The answer
    /// to a booking request goes to the address typed, whoever it belongs to.
    fn tell_to(
        &self,
        tx: &mut TenantTx<'_>,
        event: &EventRow,
        to: &str,
        lang: Language,
        news: BookingNews,
        now: NaiveDateTime,
    ) -> Result<String, AppError> {
        let dates = dates(tx, &self.tenant, &event.id, lang)?;
        let portal = portal_link(self.state, &self.tenant);
        // The tenant's own text of this mail, if it wrote one (issue 23).
        let custom = match crate::notify::texts::MailKind::of_news(news) {
            Some(kind) => {
                let values =
                    [("tenant", self.tenant.name.as_str()), ("event", event.title.as_str()), ("dates", &dates), ("portal_link", &portal)];
                crate::notify::texts::custom(tx, kind, lang, to, &values)?
            }
            None => None,
        };
        let message = custom.unwrap_or_else(|| templates::booking(lang, news, to, &self.tenant.name, &event.title, &dates, &portal));
        // A confirmed seat comes with the sessions for the person's calendar.
        let attachments = match news {
            BookingNews::Confirmed | BookingNews::Promoted => vec![calendar_file(self.state, tx, &self.tenant, event, now)?],
            _ => Vec::new(),
        };
        notify::enqueue_with(tx, &self.keys, Some(&self.tenant.id), news.purpose(), &message, attachments, now)
    }
}

fn tenant_of(tx: &mut TenantTx<'_>, scope: &TenantScope) -> Result<Tenant, AppError> {
    crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)
}

/// Checks what the public form sent: the same rules for everyone, before anything is
/// looked up (TOM PRIV-5).
fn checked_request(input: &NewBooking) -> Result<HeldRequest, AppError> {
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
    let language = language(input.language.as_deref())?.code().to_owned();
    Ok(HeldRequest { name, email, phone, note, language })
}

/// The tenant's confirmation step; no row: on, links valid 24 hours.
pub(super) fn settings_row(tx: &mut TenantTx<'_>) -> Result<(bool, i32), AppError> {
    Ok(store::settings(tx)?.map_or((true, LINK_HOURS_DEFAULT), |r| (r.confirm_open_events, r.link_hours)))
}

/// Holds whose link expired keep no seat (they count for nothing from the moment they
/// expire): the tenant's are deleted here, and `event`'s waiting list moves up into any
/// seat that is free. Runs in the caller's transaction, which holds `event`'s row lock.
fn release_expired(state: &AppState, tx: &mut TenantTx<'_>, origin: &Origin, event: &EventRow, now: NaiveDateTime) -> Result<(), AppError> {
    store::delete_expired_holds(tx, now)?;
    promote_waiting(state, tx, &AuditContext::system(origin.at), event, now)?;
    Ok(())
}

/// A booking request from the public page (TOM PRIV-1, AVAIL-5). Every accepted request
/// answers alike, whether the address is new, known, booked or restricted; the mail to
/// the address says what happened, and each case does about the same work (one
/// encrypted request, one mail, one audit entry). Nothing about a known person changes:
/// the request is held, and a seat with it if one is free, until the link mailed to the
/// address is opened (`confirm`). With the tenant's step off, a new address books an
/// event without a company at once. Seats are counted and taken under the event's row
/// lock, so capacity holds whatever the concurrency. Bad input, an unknown event or a
/// closed window write nothing.
pub fn book(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    event_id: &str,
    input: &NewBooking,
) -> Result<BookingRequested, AppError> {
    let request = checked_request(input)?;
    let lang = Language::from_code(&request.language).unwrap_or(Language::De);
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let ctx = crate::portal::service::visitor(origin, None);
    let outcome = state.db.tenant_tx(scope, |tx| {
        db::lock_row(tx, crate::db::Locked::Events, event_id)?;
        let event = crate::events::store::find(tx, event_id)?
            .filter(|e| e.status != crate::events::model::STATUS_DRAFT)
            .ok_or(AppError::NotFound)?;
        if !event.booking_open(now) {
            return Err(AppError::rule(ProblemCode::BookingClosed, "bookings for this event are not open"));
        }
        // Only what the event asks (TOM PRIV-1).
        if request.phone.is_some() && !event.asks("phone") {
            return Err(AppError::invalid("phone", "this event does not ask for a phone number"));
        }
        if request.note.is_some() && !event.asks("note") {
            return Err(AppError::invalid("note", "this event does not ask for a note"));
        }
        // Every accepted request mails the address: limited per address (and tenant) like
        // sign-in links, so the form cannot flood someone's mailbox. Known or not, alike.
        let address = crate::auth::service::token_hash(&format!("booking|{}|{}", scope.tenant_id(), request.email));
        state.limits.magic_link_per_email.admit(&address)?;
        release_expired(state, tx, origin, &event, now)?;
        let (confirm_open_events, link_hours) = settings_row(tx)?;
        let mailer = Mailer::load(state, tx, scope)?;
        let hold_id = Uuid::now_v7().to_string();
        let json = serde_json::to_string(&request).map_err(|e| AppError::Internal(e.to_string()))?;
        let request_ciphertext = mailer.keys.encrypt("booking_holds", "request", &hold_id, &json);
        let email_index = mailer.keys.blind_index("participants", "email", &request.email);
        let known = store::participant_by_email(tx, &email_index)?;
        let booked = match &known {
            Some(p) => store::active(tx, event_id, &p.id)?,
            None => false,
        };
        // A repeated request replaces the address's earlier hold (and keeps its seat).
        let had_seat = store::delete_holds_of(tx, event_id, &email_index)?;
        let seat = had_seat || store::seats_taken(tx, event_id, now)? < i64::from(event.capacity);
        let outcome = if known.as_ref().is_some_and(|p| p.restricted_at.is_some()) {
            mailer.tell_to(tx, &event, &request.email, lang, BookingNews::NotPossible, now)?;
            "restricted"
        } else if booked {
            mailer.tell_to(tx, &event, &request.email, lang, BookingNews::AlreadyBooked, now)?;
            "already_booked"
        } else if !seat && !event.waiting_list {
            mailer.tell_to(tx, &event, &request.email, lang, BookingNews::Full, now)?;
            "full"
        } else if known.is_none() && !confirm_open_events && event.company_id.is_none() {
            place(tx, &mailer, Actor::Visitor(origin), &event, &request, consent_text(&mailer.tenant, lang), now)?;
            "booked"
        } else {
            let (token, token_hash) = crate::portal::service::new_link_token();
            let hold = HoldRow {
                tenant_id: scope.tenant_id().to_owned(),
                id: hold_id,
                event_id: event_id.to_owned(),
                email_index,
                token_hash,
                request_ciphertext,
                consent_text: consent_text(&mailer.tenant, lang),
                seat,
                created_at: now,
                expires_at: now + chrono::Duration::hours(i64::from(link_hours)),
            };
            store::insert_hold(tx, &hold)?;
            let link = format!("{}/#/p/{}/confirm?token={token}", state.config.public_url.trim_end_matches('/'), mailer.tenant.slug);
            let message = templates::booking_link(
                lang,
                &request.email,
                &mailer.tenant.name,
                &event.title,
                &dates(tx, &mailer.tenant, event_id, lang)?,
                &link,
                link_hours,
            );
            notify::enqueue(tx, &mailer.keys, Some(scope.tenant_id()), "booking_link", &message, now)?;
            "held"
        };
        // What happened is for the organiser's trail, not for the caller (and names nobody).
        audit::record(tx, &ctx, Event::new(Action::BookingRequested, "event", Some(event_id)).detail("outcome", outcome))?;
        Ok(outcome)
    })?;
    state.metrics.booking(outcome);
    state.mail_wakeup.wake();
    Ok(BookingRequested { message: BookingAnswer::CheckMail })
}

/// Opens a confirmation link (public, on its tenant's page): the hold is taken once,
/// then the booking is made as seats allow at this moment, under the event's row lock:
/// a seat, else the waiting list, else nothing; the mail says which. The link's holder
/// has shown they read the address, so the answer says it too. A used, expired,
/// unknown or malformed link gets one answer and writes nothing.
pub fn confirm(state: &AppState, origin: &Origin, scope: &TenantScope, token: &str) -> Result<BookingConfirmed, AppError> {
    if !crate::portal::service::well_formed_token(token) {
        return Err(crate::portal::service::link_invalid());
    }
    let hash = crate::auth::service::token_hash(token);
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let placed = state.db.tenant_tx(scope, |tx| {
        let Some(hold) = store::hold_by_token_hash(tx, &hash)? else { return Ok(None) };
        if hold.expires_at <= now {
            return Ok(None);
        }
        db::lock_row(tx, crate::db::Locked::Events, &hold.event_id)?;
        let event = crate::events::store::find(tx, &hold.event_id)?.ok_or(AppError::NotFound)?;
        // The waiting list first into seats freed by expired holds; this hold still counts.
        release_expired(state, tx, origin, &event, now)?;
        if store::delete_hold(tx, &hold.id)? == 0 {
            return Ok(None);
        }
        let mailer = Mailer::load(state, tx, scope)?;
        let json = mailer.keys.decrypt("booking_holds", "request", &hold.id, &hold.request_ciphertext)?;
        let request: HeldRequest = serde_json::from_str(&json).map_err(|e| AppError::Internal(e.to_string()))?;
        place(tx, &mailer, Actor::Visitor(origin), &event, &request, hold.consent_text.clone(), now).map(|p| Some((p, event)))
    })?;
    state.mail_wakeup.wake();
    state.metrics.booking(match &placed {
        None => "link_invalid",
        Some((Placed::Booked(_, status), _)) => status.as_str(),
        Some((Placed::Refused(..), _)) => "refused",
    });
    match placed {
        None => Err(crate::portal::service::link_invalid()),
        Some((Placed::Booked(booking_id, status), event)) => {
            Ok(BookingConfirmed { booking_id, status, event_id: event.id, title: event.title })
        }
        Some((Placed::Refused(code, message), _)) => Err(AppError::rule(code, message)),
    }
}

/// What became of a request that was placed.
pub(super) enum Placed {
    Booked(String, BookingStatus),
    Refused(ProblemCode, &'static str),
}

/// Who places a booking: a visitor of the public page, or staff importing a list.
#[derive(Clone, Copy)]
pub(super) enum Actor<'a> {
    Visitor(&'a Origin),
    Staff(&'a AuditContext),
}

impl Actor<'_> {
    fn via(self) -> &'static str {
        match self {
            Self::Visitor(_) => "booking",
            Self::Staff(_) => "import",
        }
    }
}

/// Books a request whose address is proven (or, with the step off, new): a known
/// person's row is used as it is, never changed; a new one is made from the request.
/// A seat if one is free at `now`, else the waiting list, else nothing. Runs in the
/// caller's transaction, which holds the event's row lock; mails the outcome.
pub(super) fn place(
    tx: &mut TenantTx<'_>,
    mailer: &Mailer<'_>,
    actor: Actor<'_>,
    event: &EventRow,
    request: &HeldRequest,
    consent: String,
    now: NaiveDateTime,
) -> Result<Placed, AppError> {
    let keys = &mailer.keys;
    let lang = Language::from_code(&request.language).unwrap_or(Language::De);
    let email_index = keys.blind_index("participants", "email", &request.email);
    let known = store::participant_by_email(tx, &email_index)?;
    if known.as_ref().is_some_and(|p| p.restricted_at.is_some()) {
        if !mailer.quiet {
            mailer.tell_to(tx, event, &request.email, lang, BookingNews::NotPossible, now)?;
        }
        return Ok(Placed::Refused(ProblemCode::Restricted, "bookings with this address are not possible at the moment"));
    }
    if let Some(p) = &known {
        if store::active(tx, &event.id, &p.id)? {
            if !mailer.quiet {
                mailer.tell_to(tx, event, &request.email, lang, BookingNews::AlreadyBooked, now)?;
            }
            return Ok(Placed::Refused(ProblemCode::AlreadyBooked, "this address already holds a booking for this event"));
        }
    }
    let status = if store::seats_taken(tx, &event.id, now)? < i64::from(event.capacity) {
        BookingStatus::Confirmed
    } else if event.waiting_list {
        BookingStatus::Waiting
    } else {
        if !mailer.quiet {
            mailer.tell_to(tx, event, &request.email, lang, BookingNews::Full, now)?;
        }
        return Ok(Placed::Refused(ProblemCode::EventFull, "all seats are taken and there is no waiting list"));
    };
    let is_new = known.is_none();
    let participant = match known {
        Some(p) => p,
        None => {
            let id = Uuid::now_v7().to_string();
            let row = ParticipantRow {
                tenant_id: event.tenant_id.clone(),
                email_ciphertext: keys.encrypt("participants", "email", &id, &request.email),
                email_index,
                name_ciphertext: keys.encrypt("participants", "name", &id, &request.name),
                phone_ciphertext: request.phone.as_deref().map(|p| keys.encrypt("participants", "phone", &id, p)),
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
            let terms: Vec<TermRow> = name_terms(&request.name)
                .iter()
                .map(|t| TermRow {
                    tenant_id: row.tenant_id.clone(),
                    participant_id: row.id.clone(),
                    term_index: keys.blind_index("participants", "name_term", t),
                })
                .collect();
            store::insert_participant(tx, &row, &terms)?;
            row
        }
    };
    let ctx = match actor {
        Actor::Visitor(origin) => crate::portal::service::visitor(origin, Some(&participant.id)),
        Actor::Staff(ctx) => ctx.clone(),
    };
    let id = Uuid::now_v7().to_string();
    // The answers belong to this booking; the person's stored data stays as it is.
    let answers = Answers { phone: request.phone.clone(), note: request.note.clone() };
    // The mail first, so the booking is written with its id in one statement.
    let news = if status == BookingStatus::Confirmed { BookingNews::Confirmed } else { BookingNews::Waiting };
    let mail_id = mailer.tell(tx, event, &participant, news, now)?;
    let booking = BookingRow {
        tenant_id: event.tenant_id.clone(),
        answers_ciphertext: (answers.phone.is_some() || answers.note.is_some())
            .then(|| serde_json::to_string(&answers).map(|json| keys.encrypt("bookings", "answers", &id, &json)))
            .transpose()
            .map_err(|e| AppError::Internal(e.to_string()))?,
        id,
        event_id: event.id.clone(),
        participant_id: participant.id.clone(),
        status: status.as_str().to_owned(),
        consent_text: consent,
        consented_at: now,
        queued_at: now,
        created_at: now,
        cancelled_at: None,
        cancelled_by: None,
        mail_id,
    };
    store::insert(tx, &booking)?;
    if is_new {
        audit::record(
            tx,
            &ctx,
            Event::new(Action::ParticipantCreated, "participant", Some(&participant.id))
                .subject(&participant.id, None)
                .detail("via", actor.via()),
        )?;
    }
    audit::record(
        tx,
        &ctx,
        Event::new(Action::BookingCreated, "booking", Some(&booking.id))
            .subject(&participant.id, event.company_id.as_deref())
            .detail("event_id", event.id.as_str())
            .detail("status", status.as_str()),
    )?;
    booking_hook(tx, keys, WebhookEvent::BookingCreated, event, &booking.id, status.as_str(), &participant, now)?;
    Ok(Placed::Booked(booking.id, status))
}

/// Queues a booking's webhook event (TRANS-6): ids and counts; name and email only for
/// endpoints whose admin ticked them.
#[allow(clippy::too_many_arguments)]
fn booking_hook(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    kind: WebhookEvent,
    event: &EventRow,
    booking_id: &str,
    status: &str,
    participant: &ParticipantRow,
    now: NaiveDateTime,
) -> Result<(), AppError> {
    let mut payload = Payload { summary: format!("{} ({status})", event.title), ..Payload::default() };
    payload.data.insert("booking_id".into(), booking_id.into());
    payload.data.insert("event_id".into(), event.id.as_str().into());
    payload.data.insert("participant_id".into(), participant.id.as_str().into());
    payload.data.insert("status".into(), status.into());
    payload.data.insert("capacity".into(), event.capacity.into());
    let personal: Personal<'_> = Box::new(move || {
        let p = person(keys, participant)?;
        Ok((p.name, p.email))
    });
    crate::webhooks::service::emit(tx, keys, kind, payload, Some(personal), now)?;
    Ok(())
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
    // Unexpired holds keep their seats (TOM AVAIL-5).
    let free = i64::from(event.capacity) - store::seats_taken(tx, &event.id, now)?;
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
        booking_hook(tx, &mailer.keys, WebhookEvent::WaitingListPromoted, event, &b.id, CONFIRMED, &participant, now)?;
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
    state
        .db
        .tenant_tx(scope, |tx| {
            let booking = store::find(tx, booking_id)?.ok_or(AppError::NotFound)?;
            if let Canceller::Participant(id) = by {
                if booking.participant_id != id {
                    return Err(AppError::NotFound);
                }
            }
            db::lock_row(tx, crate::db::Locked::Events, &booking.event_id)?;
            let by_code = match by {
                Canceller::Staff => "staff",
                Canceller::Participant(_) => "participant",
            };
            if store::cancel(tx, booking_id, by_code, now)? == 0 {
                return Err(AppError::rule(ProblemCode::AlreadyCancelled, "this booking is already cancelled"));
            }
            let event = crate::events::store::find(tx, &booking.event_id)?.ok_or(AppError::NotFound)?;
            let participant = store::participant(tx, &booking.participant_id)?.ok_or(AppError::NotFound)?;
            let mailer = Mailer::load(state, tx, scope)?;
            mailer.tell(tx, &event, &participant, BookingNews::Cancelled, now)?;
            audit::record(
                tx,
                ctx,
                Event::new(Action::BookingCancelled, "booking", Some(booking_id))
                    .subject(&booking.participant_id, event.company_id.as_deref())
                    .detail("by", by_code)
                    .detail("was", booking.status.as_str()),
            )?;
            booking_hook(tx, &mailer.keys, WebhookEvent::BookingCancelled, &event, booking_id, "cancelled", &participant, now)?;
            if booking.status == CONFIRMED {
                promote_waiting(state, tx, ctx, &event, now)?;
            }
            state.mail_wakeup.wake();
            store::find(tx, booking_id)?.ok_or(AppError::NotFound)
        })
        .inspect(|_| state.metrics.booking("cancelled"))
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
            db::lock_row(tx, crate::db::Locked::Events, e)?;
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
        let status = if store::seats_taken(tx, target_id, now)? < i64::from(target.capacity) {
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

/// The booking list as CSV (UTF-8 with BOM, so spreadsheets read the umlauts); audited.
/// Restricted people are left out: their data is stored, not used (Art. 18 GDPR).
pub fn csv_for_event(state: &AppState, p: &Principal, scope: &TenantScope, event_id: &str) -> Result<Vec<u8>, AppError> {
    let (list, restricted): (Vec<BookingView>, Vec<BookingView>) =
        list_for_event(state, p, scope, event_id)?.into_iter().partition(|b| !b.restricted);
    // Times in the tenant's zone, with their offset (issue 23).
    let zone = state.db.tenant_read(scope, |tx| tenant_of(tx, scope))?.zone();
    let mut out = CsvFile::spreadsheet(&["name", "email", "phone", "note", "status", "booked_at", "cancelled_at", "mail_status"]);
    for b in &list {
        out.row([
            b.name.clone(),
            b.email.clone(),
            b.phone.clone().unwrap_or_default(),
            b.note.clone().unwrap_or_default(),
            b.status.as_str().to_owned(),
            zone.rfc3339(b.created_at),
            b.cancelled_at.map(|t| zone.rfc3339(t)).unwrap_or_default(),
            b.mail_status.map(MailStatus::code).unwrap_or_default().to_owned(),
        ]);
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
    state.db.tenant_read(scope, |tx| {
        let tenant = tenant_of(tx, scope)?;
        let (confirm_open_events, link_hours) = settings_row(tx)?;
        Ok(BookingSettings { consent_text: consent_text(&tenant, Language::De), confirm_open_events, link_hours })
    })
}

/// Sets the consent text and the confirmation step (TOM PRIV-1); audited with what changed.
pub fn set_settings(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    input: &BookingSettingsChange,
) -> Result<BookingSettings, AppError> {
    let text = clean("consent_text", &input.consent_text, 2000, true)?;
    if input.link_hours.is_some_and(|h| !(LINK_HOURS_MIN..=LINK_HOURS_MAX).contains(&h)) {
        return Err(AppError::invalid("link_hours", format!("{LINK_HOURS_MIN}–{LINK_HOURS_MAX} hours")));
    }
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let (was_confirm, was_hours) = settings_row(tx)?;
        let confirm_open_events = input.confirm_open_events.unwrap_or(was_confirm);
        let link_hours = input.link_hours.unwrap_or(was_hours);
        crate::tenants::store::set_consent_text(tx, &text, now)?;
        store::set_settings(tx, confirm_open_events, link_hours, now)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::BookingSettingsChanged, "tenant", Some(scope.tenant_id()))
                .detail("confirm_open_events", confirm_open_events)
                .detail("link_hours", link_hours),
        )?;
        Ok(BookingSettings { consent_text: text.clone(), confirm_open_events, link_hours })
    })
}
