use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{Duration, NaiveDateTime};
use serde_json::Value;
use uuid::Uuid;

use super::model::*;
use super::principal::Participant;
use super::store;
use crate::accounts::service::validate_email;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::service::{token_hash, Origin};
use crate::bookings::model::{BookingRow, BookingStatus, ParticipantRow};
use crate::bookings::service::{self as bookings, clean, person, Canceller};
use crate::bookings::store as booking_store;
use crate::crypto::random_bytes;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::model::SessionView;
use crate::notify;
use crate::notify::templates::{self, Language};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::Tenant;
use crate::tenants::service::keys;

/// How long a sign-in link works (TOM ACC-2: at most 10 minutes).
pub const LINK_MINUTES: i64 = 10;

/// A new link token (256 random bits, base64url) and the SHA-256 that is stored: sign-in
/// and booking confirmation links alike (TOM ACC-2).
pub fn new_link_token() -> (String, Vec<u8>) {
    let token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let hash = token_hash(&token);
    (token, hash)
}

/// A token as the links carry it: base64url, at most 128 characters. Anything else is
/// refused before any lookup.
pub fn well_formed_token(token: &str) -> bool {
    (1..=128).contains(&token.len()) && token.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

pub fn link_invalid() -> AppError {
    AppError::rule(ProblemCode::LinkInvalid, "this link is unknown, used or expired; ask for a new one")
}

/// A visitor of a public page: a participant, known or not (`participant_id`).
pub(crate) fn visitor(origin: &Origin, participant_id: Option<&str>) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::Participant, id: participant_id.map(str::to_owned), role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

/// A sign-in link request that passed the input checks and the per-email limit.
pub struct LinkJob {
    pub email: String,
    pub lang: Language,
}

/// Checks a sign-in link request and the per-email limit. The answer does
/// not depend on whether the email is known: the lookup runs afterwards (`send_link`),
/// after the response, so neither the answer nor its timing tells (TOM ACC-4).
pub fn admit_link_request(state: &AppState, tenant: &Tenant, input: &LinkRequest) -> Result<LinkJob, AppError> {
    let email = validate_email(&input.email)?;
    let lang =
        Language::from_code(input.language.as_deref().unwrap_or("de")).ok_or_else(|| AppError::invalid("language", "must be de or en"))?;
    // Per email (and tenant), keyed by a hash that exists only in memory.
    state.limits.magic_link_per_email.admit(&token_hash(&format!("{}|{email}", tenant.id)))?;
    Ok(LinkJob { email, lang })
}

/// Sends a sign-in link if the email belongs to a participant of the tenant; an unknown
/// email is only audited.
pub fn send_link(state: &AppState, origin: &Origin, tenant: &Tenant, scope: &TenantScope, job: &LinkJob) -> Result<(), AppError> {
    let LinkJob { email, lang } = job;
    let lang = *lang;
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let index = keys.blind_index("participants", "email", email);
        let Some(participant) = booking_store::participant_by_email(tx, &index)? else {
            audit::record(
                tx,
                &visitor(origin, None),
                Event::new(Action::MagicLinkRequested, "participant", None).outcome(Outcome::Failure),
            )?;
            return Ok(());
        };
        let (token, hash) = new_link_token();
        let link = MagicLinkRow {
            id: Uuid::now_v7().to_string(),
            tenant_id: scope.tenant_id().to_owned(),
            participant_id: participant.id.clone(),
            email_index: index,
            token_hash: hash,
            created_at: now,
            expires_at: now + Duration::minutes(LINK_MINUTES),
            used_at: None,
        };
        store::insert_link(tx, &link)?;
        let url = format!("{}/#/p/{}/login?token={token}", state.config.public_url.trim_end_matches('/'), tenant.slug);
        let minutes = LINK_MINUTES.to_string();
        let values = [("tenant", tenant.name.as_str()), ("link", url.as_str()), ("minutes", minutes.as_str())];
        let message = crate::notify::texts::custom(tx, crate::notify::texts::MailKind::SignInLink, lang, email, &values)?
            .unwrap_or_else(|| templates::magic_link(lang, email, &tenant.name, &url, LINK_MINUTES));
        notify::enqueue(tx, &keys, Some(scope.tenant_id()), "magic_link", &message, now)?;
        audit::record(
            tx,
            &visitor(origin, Some(&participant.id)),
            Event::new(Action::MagicLinkRequested, "participant", Some(&participant.id)).subject(&participant.id, None),
        )?;
        Ok(())
    })?;
    state.mail_wakeup.wake();
    Ok(())
}

/// Exchanges a sign-in link for a participant session: the link must belong to the
/// tenant of the page, be unused, unexpired, and still match the participant's email.
pub fn redeem(state: &AppState, origin: &Origin, scope: &TenantScope, token: &str) -> Result<ParticipantSession, AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let fail = |reason: &'static str, participant: Option<&str>| -> Result<ParticipantSession, AppError> {
        state.db.tenant_tx(scope, |tx| {
            let event =
                Event::new(Action::ParticipantSignInFailed, "participant", participant).outcome(Outcome::Failure).detail("reason", reason);
            audit::record(tx, &visitor(origin, participant), event).map(|_| ())
        })?;
        Err(link_invalid())
    };
    if token.is_empty() || token.len() > 128 {
        return fail("malformed", None);
    }
    // Another tenant's link is not found in this page's tenant: nothing about it is told.
    let link = state.db.tenant_read(scope, |tx| Ok(store::link_by_token_hash(tx, &token_hash(token))?))?;
    let Some(link) = link else { return fail("unknown", None) };
    if link.used_at.is_some() {
        return fail("used", Some(&link.participant_id));
    }
    if link.expires_at <= now {
        return fail("expired", Some(&link.participant_id));
    }
    let session_token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let result = state.db.tenant_tx(scope, |tx| {
        if store::use_link(tx, &link.id, now)? == 0 {
            return Ok(None);
        }
        let Some(participant) = booking_store::participant(tx, &link.participant_id)?.filter(|p| p.email_index == link.email_index) else {
            return Ok(None);
        };
        let session = ParticipantSessionRow {
            id: Uuid::now_v7().to_string(),
            tenant_id: scope.tenant_id().to_owned(),
            participant_id: participant.id.clone(),
            token_hash: token_hash(&session_token),
            created_at: now,
            last_seen_at: now,
            expires_at: now + Duration::hours(i64::from(state.config.session.absolute_hours)),
            ended_at: None,
        };
        store::insert_session(tx, &session)?;
        audit::record(
            tx,
            &visitor(origin, Some(&participant.id)),
            Event::new(Action::ParticipantSignedIn, "participant_session", Some(&session.id)).subject(&participant.id, None),
        )?;
        let who = person(&keys(tx, &state.master)?, &participant)?;
        Ok(Some(ParticipantSession { token: session_token.clone(), expires_at: session.expires_at, name: who.name, email: who.email }))
    })?;
    match result {
        Some(session) => Ok(session),
        None => fail("used", Some(&link.participant_id)),
    }
}

fn me_row(tx: &mut TenantTx<'_>, p: &Participant) -> Result<ParticipantRow, AppError> {
    booking_store::participant(tx, &p.participant_id)?.ok_or(AppError::NotFound)
}

pub fn me(state: &AppState, p: &Participant) -> Result<PortalMe, AppError> {
    state.db.tenant_read(&p.scope, |tx| {
        let row = me_row(tx, p)?;
        let who = person(&keys(tx, &state.master)?, &row)?;
        let tenant = crate::tenants::store::find(tx, p.scope.tenant_id())?.ok_or(AppError::NotFound)?;
        Ok(PortalMe {
            name: who.name,
            email: who.email,
            phone: who.phone,
            language: row.language,
            tenant_name: tenant.name,
            tenant_slug: tenant.slug,
            mail_opt_out: row.mail_opt_out_at.is_some(),
        })
    })
}

pub(crate) fn portal_bookings(tx: &mut TenantTx<'_>, rows: Vec<BookingRow>) -> Result<Vec<PortalBooking>, AppError> {
    let event_ids: Vec<String> = rows.iter().map(|b| b.event_id.clone()).collect();
    let sessions = crate::events::store::sessions(tx, &event_ids)?;
    let mut out = Vec::new();
    for b in rows {
        let event = crate::events::store::find(tx, &b.event_id)?.ok_or(AppError::NotFound)?;
        out.push(PortalBooking {
            sessions: sessions.iter().filter(|s| s.event_id == b.event_id).cloned().map(SessionView::from).collect(),
            id: b.id,
            event_id: b.event_id,
            title: event.title,
            kind: crate::events::model::EventKind::from_stored(&event.kind)?,
            status: BookingStatus::from_stored(&b.status)?,
            created_at: b.created_at,
            cancelled_at: b.cancelled_at,
        });
    }
    Ok(out)
}

pub fn bookings(state: &AppState, p: &Participant) -> Result<Vec<PortalBooking>, AppError> {
    state.db.tenant_read(&p.scope, |tx| {
        let rows = booking_store::of_participant(tx, &p.participant_id)?;
        portal_bookings(tx, rows)
    })
}

/// Cancels one of the participant's own bookings; someone else's is not found.
pub fn cancel(state: &AppState, p: &Participant, id: &str) -> Result<PortalBooking, AppError> {
    let row = bookings::cancel(state, &p.scope, &p.audit, id, Canceller::Participant(&p.participant_id))?;
    state.db.tenant_read(&p.scope, |tx| portal_bookings(tx, vec![row])?.pop().ok_or(AppError::NotFound))
}

/// Everything stored about the participant, readable (TOM RIGHTS-1). Audited.
pub fn export(state: &AppState, p: &Participant) -> Result<Value, AppError> {
    state.db.tenant_tx(&p.scope, |tx| {
        let row = me_row(tx, p)?;
        crate::privacy::service::person_export(tx, state, &p.scope, &p.audit, &row)
    })
}

/// Stores a request about the participant's data for the tenant's queue (TOM RIGHTS-2).
pub fn create_request(state: &AppState, p: &Participant, input: &NewRequest) -> Result<RequestView, AppError> {
    let kind = RequestKind::parse(&input.kind)?;
    let message = clean("message", &input.message, 2000, false)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(&p.scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = SubjectRequestRow {
            tenant_id: p.scope.tenant_id().to_owned(),
            message_ciphertext: (!message.is_empty()).then(|| keys.encrypt("subject_requests", "message", &id, &message)),
            id,
            participant_id: p.participant_id.clone(),
            kind: kind.as_str().to_owned(),
            status: RequestStatus::Open.as_str().to_owned(),
            received_via: ReceivedVia::Portal.as_str().to_owned(),
            created_at: now,
            due_at: crate::portal::model::due_from(now),
            handled_at: None,
            handled_by: None,
        };
        store::insert_request(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubjectRequestReceived, "subject_request", Some(&row.id))
                .subject(&p.participant_id, None)
                .detail("kind", row.kind.as_str()),
        )?;
        let who = crate::bookings::store::participant(tx, &p.participant_id)?.ok_or(AppError::NotFound)?;
        crate::webhooks::service::request_received(tx, &keys, &row, &who, now)?;
        Ok(RequestView { id: row.id, kind, status: RequestStatus::Open, created_at: row.created_at, due_at: row.due_at })
    })
}

pub fn requests(state: &AppState, p: &Participant) -> Result<Vec<RequestView>, AppError> {
    state.db.tenant_read(&p.scope, |tx| {
        store::requests_of(tx, &p.participant_id)?
            .into_iter()
            .map(|r| {
                Ok(RequestView {
                    kind: RequestKind::from_stored(&r.kind)?,
                    status: RequestStatus::from_stored(&r.status)?,
                    id: r.id,
                    created_at: r.created_at,
                    due_at: r.due_at,
                })
            })
            .collect()
    })
}

/// No more optional mails; the reason is kept (TOM INPUT-6). `None`: subscribe again.
pub fn set_opt_out(state: &AppState, p: &Participant, input: Option<&Unsubscribe>) -> Result<MailPreference, AppError> {
    if let Some(u) = input {
        if !OPT_OUT_REASONS.contains(&u.reason.as_str()) {
            return Err(AppError::invalid("reason", format!("must be one of {}", OPT_OUT_REASONS.join(", "))));
        }
    }
    let text = input.and_then(|u| u.text.as_deref()).map(|t| clean("text", t, 500, false)).transpose()?.filter(|t| !t.is_empty());
    let now = p.audit.at.naive_utc();
    state.db.tenant_tx(&p.scope, |tx| {
        let keys = keys(tx, &state.master)?;
        let id = &p.participant_id;
        let event = match input {
            Some(u) => {
                let cipher = text.as_deref().map(|t| keys.encrypt("participants", "mail_opt_out_text", id, t));
                booking_store::set_opt_out(tx, id, Some(now), Some(&u.reason), cipher)?;
                Event::new(Action::ParticipantUnsubscribed, "participant", Some(id)).detail("reason", u.reason.as_str())
            }
            None => {
                booking_store::set_opt_out(tx, id, None, None, None)?;
                Event::new(Action::ParticipantResubscribed, "participant", Some(id))
            }
        };
        audit::record(tx, &p.audit, event.subject(id, None))?;
        Ok(MailPreference { mail_opt_out: input.is_some() })
    })
}

pub fn logout(state: &AppState, p: &Participant) -> Result<(), AppError> {
    let now: NaiveDateTime = p.audit.at.naive_utc();
    state.db.tenant_tx(&p.scope, |tx| {
        store::end_session(tx, &p.session_id, now)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::ParticipantSignedOut, "participant_session", Some(&p.session_id)).subject(&p.participant_id, None),
        )?;
        Ok(())
    })
}
