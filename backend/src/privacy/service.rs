//! Erasure (TOM PRIV-4), restriction, and the tenant's queue of requests about personal
//! data (RIGHTS-2). An erasure removes everything that identifies a person and keeps
//! what must stay as anonymous statistics (a booking took a seat, someone attended). One
//! transaction erases, writes the deletion log (counts per category, no personal data)
//! and the audit entry; the erasure ledger has the person before it commits.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDateTime, Utc};
use uuid::Uuid;

use super::ledger::{self, Entry};
use super::model::{
    ErasureReport, NewSubjectRequest, ParticipantCorrection, ParticipantCorrectionView, Reason, RestrictionChange, RestrictionView,
    SubjectRequestView,
};
use super::store;
use crate::audit::{self, deletion, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::bookings::model::ParticipantRow;
use crate::bookings::service::{clean, person};
use crate::bookings::store as bookings;
use crate::crypto::{normalize_email, random_bytes, TenantKeys};
use crate::db::{self, TenantScope, TenantTx};
use crate::error::AppError;
use crate::notify::templates::{self, Language};
use crate::portal::model::{ReceivedVia, RequestKind, RequestStatus, SubjectRequestRow};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service as tenants;
use crate::timestamp;

const REQUESTED: Reason<'static> = Reason { code: "erasure_request", text: "request of the data subject", legal_basis: "GDPR Art. 17(1)" };

fn now_of(ctx: &AuditContext) -> NaiveDateTime {
    audit::chain::truncate_to_micros(ctx.at.naive_utc())
}

/// Erases one participant of `scope`'s tenant.
pub fn erase(
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    participant_id: &str,
    reason: &Reason<'_>,
) -> Result<ErasureReport, AppError> {
    let report = state.db.tenant_tx(scope, |tx| erase_in(tx, state, scope, ctx, participant_id, reason, true))?;
    state.db.flush_log();
    Ok(report)
}

pub(crate) fn erase_in(
    tx: &mut TenantTx<'_>,
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    participant_id: &str,
    reason: &Reason<'_>,
    to_ledger: bool,
) -> Result<ErasureReport, AppError> {
    let now = now_of(ctx);
    let tenant = scope.tenant_id();
    db::lock_row(tx, crate::db::Locked::Participants, participant_id)?;
    let row = bookings::participant(tx, participant_id)?.ok_or(AppError::NotFound)?;
    if row.erased_at.is_some() {
        return Err(AppError::rule(ProblemCode::AlreadyErased, "this person's data has been erased already"));
    }
    let keys = tenants::keys(tx, &state.master)?;
    let mail_index = keys.blind_index("mail_outbox", "recipient", &normalize_email(&person(&keys, &row)?.email));
    let counts = [
        ("participant_profile", 1),
        ("name_search_index", store::delete_name_terms(tx, participant_id)?),
        ("sign_in_links", store::delete_magic_links(tx, participant_id)?),
        ("portal_sessions", store::delete_portal_sessions(tx, participant_id)?),
        ("card_bindings", store::delete_cards(tx, participant_id)?),
        ("signatures", crate::attendance::store::delete_signatures_of(tx, participant_id)?),
        ("absences", crate::absences::service::erase(tx, participant_id)?),
        ("mails", store::delete_mails(tx, participant_id, &mail_index)?),
        ("booking_answers", store::clear_booking_answers(tx, participant_id)?),
        ("request_messages", store::clear_request_messages(tx, participant_id)?),
    ]
    .map(|(category, n)| (category, i64::try_from(n).unwrap_or(i64::MAX)));
    store::anonymise_participant(tx, participant_id, &random_bytes(32), now)?;
    for (category, record_count) in counts.iter().filter(|(_, n)| *n > 0) {
        let new = deletion::NewDeletion {
            category,
            record_count: *record_count,
            subject_ref: Some(participant_id),
            reason_code: reason.code,
            reason_text: reason.text,
            legal_basis: reason.legal_basis,
        };
        deletion::record(tx, ctx, new)?;
    }
    audit::record(
        tx,
        ctx,
        Event::new(Action::ParticipantErased, "participant", Some(participant_id))
            .subject(participant_id, None)
            .detail("reason", reason.code),
    )?;
    if to_ledger {
        let entry = Entry { tenant_id: tenant.to_owned(), participant_id: participant_id.to_owned(), erased_at: now };
        ledger::append(&ledger::path(&state.config), &entry).map_err(|e| AppError::Internal(format!("erasure ledger: {e}")))?;
    }
    Ok(ErasureReport { participant_id: participant_id.to_owned(), erased_at: now, counts: counts.map(|(c, n)| (c.to_owned(), n)).to_vec() })
}

/// Erases again everyone in the ledger whom the database holds unerased: after a
/// restore of an older copy. Runs at every start; returns how many it erased.
pub fn reapply_ledger(state: &AppState, at: DateTime<Utc>) -> Result<usize, AppError> {
    let entries = ledger::read(&ledger::path(&state.config)).map_err(|e| AppError::Internal(format!("erasure ledger: {e}")))?;
    let mut by_tenant: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for entry in entries {
        by_tenant.entry(entry.tenant_id).or_default().push(entry.participant_id);
    }
    let ctx = AuditContext::system(at);
    let reason = Reason {
        code: "erasure_reapplied",
        text: "erased before; brought back by restoring an older copy of the database",
        legal_basis: "GDPR Art. 17(1)",
    };
    let mut erased = 0;
    for (tenant, ids) in by_tenant {
        let scope = TenantScope::named_by_operator(tenant);
        // A copy older than the tenant has no such tenant: nothing to erase.
        let Ok(back) = state.db.tenant_tx(&scope, |tx| Ok(store::not_erased(tx, &ids)?)) else { continue };
        for id in back {
            state.db.tenant_tx(&scope, |tx| erase_in(tx, state, &scope, &ctx, &id, &reason, false))?;
            erased += 1;
        }
    }
    state.db.flush_log();
    Ok(erased)
}

fn view(keys: &TenantKeys, r: SubjectRequestRow, who: Option<&ParticipantRow>, now: NaiveDateTime) -> Result<SubjectRequestView, AppError> {
    let message =
        r.message_ciphertext.as_deref().map(|c| keys.decrypt("subject_requests", "message", &r.id, c)).transpose()?.map(|m| m.to_string());
    let participant_name = who.map(|p| person(keys, p)).transpose()?.map(|p| p.name).unwrap_or_default();
    Ok(SubjectRequestView {
        overdue: r.status == RequestStatus::Open.as_str() && r.due_at < now,
        id: r.id,
        participant_id: r.participant_id,
        participant_name,
        kind: RequestKind::from_stored(&r.kind)?,
        status: RequestStatus::from_stored(&r.status)?,
        received_via: ReceivedVia::from_stored(&r.received_via)?,
        message,
        created_at: r.created_at,
        due_at: r.due_at,
        handled_at: r.handled_at,
        handled_by: r.handled_by,
    })
}

fn view_in(tx: &mut TenantTx<'_>, state: &AppState, r: SubjectRequestRow, now: NaiveDateTime) -> Result<SubjectRequestView, AppError> {
    let keys = tenants::keys(tx, &state.master)?;
    let who = bookings::participant(tx, &r.participant_id)?;
    view(&keys, r, who.as_ref(), now)
}

/// The queue: open requests first, by due date.
pub fn list(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<Vec<SubjectRequestView>, AppError> {
    let now = now_of(&p.audit);
    state.db.tenant_read(scope, |tx| {
        let keys = tenants::keys(tx, &state.master)?;
        let rows = store::requests(tx)?;
        let ids: Vec<String> = rows.iter().map(|r| r.participant_id.clone()).collect();
        let people: BTreeMap<String, ParticipantRow> = bookings::participants(tx, &ids)?.into_iter().map(|p| (p.id.clone(), p)).collect();
        rows.into_iter()
            .map(|r| {
                let who = people.get(&r.participant_id);
                view(&keys, r, who, now)
            })
            .collect()
    })
}

/// A request staff received outside the portal.
pub fn create(state: &AppState, p: &Principal, scope: &TenantScope, input: &NewSubjectRequest) -> Result<SubjectRequestView, AppError> {
    let kind = RequestKind::parse(&input.kind)?;
    let received_via = ReceivedVia::parse_staff(&input.received_via)?;
    let message = clean("message", &input.message, 2000, false)?;
    let now = now_of(&p.audit);
    state.db.tenant_tx(scope, |tx| {
        let who = bookings::participant(tx, &input.participant_id)?.filter(|w| w.erased_at.is_none()).ok_or(AppError::NotFound)?;
        let keys = tenants::keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let row = SubjectRequestRow {
            tenant_id: scope.tenant_id().to_owned(),
            message_ciphertext: (!message.is_empty()).then(|| keys.encrypt("subject_requests", "message", &id, &message)),
            id,
            participant_id: who.id.clone(),
            kind: kind.as_str().to_owned(),
            status: RequestStatus::Open.as_str().to_owned(),
            received_via: received_via.as_str().to_owned(),
            created_at: now,
            due_at: crate::portal::model::due_from(now),
            handled_at: None,
            handled_by: None,
        };
        crate::portal::store::insert_request(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubjectRequestReceived, "subject_request", Some(&row.id))
                .subject(&who.id, None)
                .detail("kind", row.kind.as_str())
                .detail("via", row.received_via.as_str()),
        )?;
        crate::webhooks::service::request_received(tx, &keys, &row, &who, now)?;
        view(&keys, row, Some(&who), now)
    })
}

/// Carries out a request with one action and tells the person by mail: erasure erases,
/// restriction restricts; access, correction and objection are marked done once staff
/// have answered them (the portal's export is the access copy).
pub fn execute(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<SubjectRequestView, AppError> {
    let now = now_of(&p.audit);
    let done = state.db.tenant_tx(scope, |tx| {
        let tenant_id = scope.tenant_id();
        let request = store::request(tx, id)?.ok_or(AppError::NotFound)?;
        if request.status != RequestStatus::Open.as_str() {
            return Err(AppError::rule(ProblemCode::AlreadyHandled, "this request has been handled already"));
        }
        let who = bookings::participant(tx, &request.participant_id)?.ok_or(AppError::NotFound)?;
        if who.erased_at.is_some() {
            // Nothing is left to act on and no address to write to: the request is closed.
            store::mark_done(tx, id, &p.account_id, now)?;
            let event = Event::new(Action::SubjectRequestExecuted, "subject_request", Some(id))
                .subject(&who.id, None)
                .detail("kind", request.kind.as_str());
            audit::record(tx, &p.audit, event.detail("outcome", "already_erased"))?;
            let row = store::request(tx, id)?.ok_or(AppError::NotFound)?;
            return view_in(tx, state, row, now);
        }
        let keys = tenants::keys(tx, &state.master)?;
        let email = person(&keys, &who)?.email;
        match request.kind.as_str() {
            "erasure" => {
                erase_in(tx, state, scope, &p.audit, &who.id, &REQUESTED, true)?;
            }
            "restriction" if who.restricted_at.is_none() => {
                store::set_restricted(tx, &who.id, Some(now), now)?;
            }
            _ => {}
        }
        if store::mark_done(tx, id, &p.account_id, now)? == 0 {
            return Err(AppError::rule(ProblemCode::AlreadyHandled, "this request has been handled already"));
        }
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubjectRequestExecuted, "subject_request", Some(id))
                .subject(&who.id, None)
                .detail("kind", request.kind.as_str()),
        )?;
        let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;
        let lang = Language::from_code(&who.language).unwrap_or(Language::De);
        let message = templates::request_done(lang, &email, &tenant.name, &request.kind);
        let mail = crate::notify::enqueue(tx, &keys, Some(tenant_id), "request_done", &message, now)?;
        if request.kind == "erasure" {
            // The last mail to an erased person: not findable by their address; its
            // text (with the address) goes once it is sent.
            store::unlink_mail(tx, &mail, &random_bytes(32))?;
        }
        state.mail_wakeup.wake();
        let row = store::request(tx, id)?.ok_or(AppError::NotFound)?;
        view_in(tx, state, row, now)
    })?;
    state.db.flush_log();
    Ok(done)
}

/// Corrects a person's name, email and phone (Art. 16): re-encrypted, the email and
/// name indexes rebuilt, their mails moved to the new address index; audited with the
/// names of the fields changed. A restricted person can be corrected (Art. 18(1)(a)).
pub fn correct(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    participant_id: &str,
    input: &ParticipantCorrection,
) -> Result<ParticipantCorrectionView, AppError> {
    let name = clean("name", &input.name, 200, true)?;
    let email = crate::accounts::service::validate_email(&input.email)?;
    // Absent: kept as it is; empty: removed.
    let phone = input.phone.as_deref().map(|p| clean("phone", p, 50, false)).transpose()?.map(|p| Some(p).filter(|p| !p.is_empty()));
    if phone.as_ref().and_then(Option::as_deref).is_some_and(|p| !p.chars().all(|c| c.is_ascii_digit() || " +-/()".contains(c))) {
        return Err(AppError::invalid("phone", "may hold only digits, spaces and + - / ( )"));
    }
    let now = now_of(&p.audit);
    state.db.tenant_tx(scope, |tx| {
        let tenant = scope.tenant_id();
        db::lock_row(tx, crate::db::Locked::Participants, participant_id)?;
        let row = bookings::participant(tx, participant_id)?.filter(|w| w.erased_at.is_none()).ok_or(AppError::NotFound)?;
        let keys = tenants::keys(tx, &state.master)?;
        let before = person(&keys, &row)?;
        let mut changed = Vec::new();
        let mut next = row.clone();
        if before.name != name {
            changed.push("name".to_owned());
            next.name_ciphertext = keys.encrypt("participants", "name", &row.id, &name);
        }
        if before.email != email {
            changed.push("email".to_owned());
            next.email_index = keys.blind_index("participants", "email", &email);
            if bookings::participant_by_email(tx, &next.email_index)?.is_some_and(|other| other.id != row.id) {
                return Err(AppError::rule(ProblemCode::EmailInUse, "another person of this tenant has this email address"));
            }
            next.email_ciphertext = keys.encrypt("participants", "email", &row.id, &email);
        }
        if let Some(phone) = phone.filter(|p| *p != before.phone) {
            changed.push("phone".to_owned());
            next.phone_ciphertext = phone.as_deref().map(|p| keys.encrypt("participants", "phone", &row.id, p));
        }
        if changed.is_empty() {
            return Ok(ParticipantCorrectionView { participant_id: row.id, changed });
        }
        next.updated_at = now;
        store::correct_participant(tx, &next)?;
        if changed.iter().any(|c| c == "name") {
            store::delete_name_terms(tx, &row.id)?;
            let terms: Vec<crate::bookings::model::TermRow> = crate::bookings::service::name_terms(&name)
                .iter()
                .map(|t| crate::bookings::model::TermRow {
                    tenant_id: tenant.to_owned(),
                    participant_id: row.id.clone(),
                    term_index: keys.blind_index("participants", "name_term", t),
                })
                .collect();
            store::insert_name_terms(tx, &terms)?;
        }
        if changed.iter().any(|c| c == "email") {
            let from = keys.blind_index("mail_outbox", "recipient", &normalize_email(&before.email));
            let to = keys.blind_index("mail_outbox", "recipient", &normalize_email(&email));
            store::move_mails(tx, &from, &to)?;
        }
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::ParticipantUpdated, "participant", Some(&row.id)).subject(&row.id, None).detail("fields", changed.join(",")),
        )?;
        Ok(ParticipantCorrectionView { participant_id: row.id, changed })
    })
}

/// Restricts the processing of a person's data, or lifts the restriction (Art. 18).
pub fn restrict(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    participant_id: &str,
    change: &RestrictionChange,
) -> Result<RestrictionView, AppError> {
    let now = now_of(&p.audit);
    state.db.tenant_tx(scope, |tx| {
        let who = bookings::participant(tx, participant_id)?.filter(|w| w.erased_at.is_none()).ok_or(AppError::NotFound)?;
        let at = change.restricted.then(|| who.restricted_at.unwrap_or(now));
        store::set_restricted(tx, &who.id, at, now)?;
        let action = if change.restricted { Action::ParticipantRestricted } else { Action::ParticipantRestrictionLifted };
        audit::record(tx, &p.audit, Event::new(action, "participant", Some(&who.id)).subject(&who.id, None))?;
        Ok(RestrictionView { participant_id: who.id, restricted_at: at })
    })
}

/// Everything stored about one person, readable and machine-readable (TOM RIGHTS-1):
/// profile, bookings, attendance, cards (as pseudonyms), requests, mails and the audit
/// entries about them. The export itself is audited.
pub fn person_export(
    tx: &mut TenantTx<'_>,
    state: &AppState,
    scope: &TenantScope,
    ctx: &AuditContext,
    row: &ParticipantRow,
) -> Result<serde_json::Value, AppError> {
    use serde_json::json;
    let tenant_id = scope.tenant_id();
    let keys = tenants::keys(tx, &state.master)?;
    let who = person(&keys, row)?;
    let tenant = crate::tenants::store::find(tx, tenant_id)?.ok_or(AppError::NotFound)?;

    let booking_rows = bookings::of_participant(tx, &row.id)?;
    let mut booking_list = Vec::new();
    for (b, view) in booking_rows.iter().zip(crate::portal::service::portal_bookings(tx, booking_rows.clone())?) {
        let answers = crate::bookings::service::answers(&keys, b)?;
        booking_list.push(json!({
            "id": b.id, "event_id": b.event_id, "title": view.title, "kind": view.kind, "sessions": view.sessions,
            "status": b.status, "phone": answers.phone, "note": answers.note,
            "consent_text": b.consent_text, "consented_at": timestamp::text(b.consented_at),
            "created_at": timestamp::text(b.created_at), "cancelled_at": timestamp::text(b.cancelled_at), "cancelled_by": b.cancelled_by,
        }));
    }

    let records = crate::attendance::store::of_participant(tx, &row.id)?;
    let session_ids: Vec<String> = records.iter().map(|r| r.session_id.clone()).collect();
    let sessions = crate::events::store::sessions_by_id(tx, &session_ids)?;
    let mut titles = BTreeMap::new();
    for s in &sessions {
        if !titles.contains_key(&s.event_id) {
            let title = crate::events::store::find(tx, &s.event_id)?.map(|e| e.title).unwrap_or_default();
            titles.insert(s.event_id.clone(), title);
        }
    }
    let attendance: Vec<serde_json::Value> = records
        .iter()
        .map(|r| {
            let session = sessions.iter().find(|s| s.id == r.session_id);
            json!({
                "id": r.id, "session_id": r.session_id,
                "event_title": session.and_then(|s| titles.get(&s.event_id)),
                "session_starts_at": session.and_then(|s| timestamp::text(s.starts_at)),
                "kind": r.kind, "occurred_at": timestamp::text(r.occurred_at), "recorded_at": timestamp::text(r.recorded_at), "source": r.source,
                "late_upload": r.late_upload, "voided": r.voided, "supersedes_id": r.supersedes_id, "reason": r.reason,
            })
        })
        .collect();
    let absences = crate::absences::service::export(tx, state, &row.id)?;
    // A card's id is never stored; its keyed hash is the pseudonym the tenant knows it by.
    let cards: Vec<serde_json::Value> = crate::attendance::store::cards_of(tx, &row.id)?
        .into_iter()
        .map(|c| json!({ "id": c.id, "pseudonym": hex::encode(&c.card_hmac[..c.card_hmac.len().min(8)]), "bound_at": timestamp::text(c.created_at) }))
        .collect();

    // Signatures given at check-in, with their strokes (the drawing itself).
    let mut signatures = Vec::new();
    for s in crate::attendance::store::signatures_of_participant(tx, &row.id)? {
        let strokes = crate::attendance::service::strokes_of(&keys, "attendance_signatures", &s.id, &s.strokes_ciphertext)?;
        signatures.push(json!({ "id": s.id, "attendance_id": s.attendance_id, "session_id": s.session_id, "signed_at": timestamp::text(s.signed_at), "strokes": strokes }));
    }

    let mut requests = Vec::new();
    for r in crate::portal::store::requests_of(tx, &row.id)? {
        let message = r
            .message_ciphertext
            .as_deref()
            .map(|c| keys.decrypt("subject_requests", "message", &r.id, c))
            .transpose()?
            .map(|m| m.to_string());
        requests.push(json!({ "id": r.id, "kind": r.kind, "message": message, "status": r.status, "received_via": r.received_via, "created_at": timestamp::text(r.created_at), "due_at": timestamp::text(r.due_at), "handled_at": timestamp::text(r.handled_at) }));
    }
    let recipient = keys.blind_index("mail_outbox", "recipient", &normalize_email(&who.email));
    let mails: Vec<serde_json::Value> = crate::notify::store::for_recipient(tx, &recipient)?
        .into_iter()
        .map(|m| json!({ "purpose": m.purpose, "status": crate::notify::MailStatus::from_code(&m.status), "created_at": timestamp::text(m.created_at), "sent_at": timestamp::text(m.sent_at) }))
        .collect();
    // Who acted is named by role only: staff members' ids are not the person's data.
    let chain = audit::service::chain_of(tx);
    let visibility = audit::model::Visibility::Subject(row.id.clone());
    let audit_entries: Vec<serde_json::Value> = audit::service::search(tx, &chain, &visibility, &audit::model::Filter::default(), None, 1000)?
        .into_iter()
        .rev()
        .map(|e| json!({ "occurred_at": timestamp::text(e.occurred_at), "action": e.action, "outcome": e.outcome, "actor_type": e.actor_type, "actor_role": e.actor_role, "target_type": e.target_type, "target_id": e.target_id }))
        .collect();

    let opt_out_text = row
        .mail_opt_out_text_ciphertext
        .as_deref()
        .map(|c| keys.decrypt("participants", "mail_opt_out_text", &row.id, c))
        .transpose()?
        .map(|t| t.to_string());
    audit::record(tx, ctx, Event::new(Action::ParticipantDataExported, "participant", Some(&row.id)).subject(&row.id, None))?;
    Ok(json!({
        "exported_at": ctx.at,
        "controller": tenant.name,
        "participant": {
            "id": row.id, "name": who.name, "email": who.email, "phone": who.phone, "language": row.language,
            "created_at": timestamp::text(row.created_at), "updated_at": timestamp::text(row.updated_at), "restricted_at": timestamp::text(row.restricted_at),
            "mail_opt_out_at": timestamp::text(row.mail_opt_out_at), "mail_opt_out_reason": row.mail_opt_out_reason, "mail_opt_out_text": opt_out_text,
        },
        "bookings": booking_list,
        "attendance": attendance,
        "absences": absences,
        "cards": cards,
        "signatures": signatures,
        "requests": requests,
        "mails": mails,
        "audit_entries": audit_entries,
    }))
}

/// The staff side of an access request: the same export, for a tenant admin to hand over.
/// A restricted person's data is not used, so it is not exported here (they can still
/// download it themselves in the portal).
pub fn export(state: &AppState, p: &Principal, scope: &TenantScope, participant_id: &str) -> Result<serde_json::Value, AppError> {
    state.db.tenant_tx(scope, |tx| {
        let who = bookings::participant(tx, participant_id)?.filter(|w| w.erased_at.is_none()).ok_or(AppError::NotFound)?;
        if who.restricted_at.is_some() {
            return Err(AppError::rule(ProblemCode::Restricted, "this person's data is restricted (Art. 18 GDPR) and is not exported; lift the restriction first, or let the person download it in the portal"));
        }
        person_export(tx, state, scope, &p.audit, &who)
    })
}
