//! Endpoints (admins), emitting events (other services, in their transaction) and the
//! delivery outbox (the worker).

use chrono::{Duration, NaiveDateTime};
use rand::Rng;
use serde_json::{json, Value};
use uuid::Uuid;

use super::model::{
    DeliveryList, DeliveryRow, DeliveryStatus, DeliveryView, EndpointInput, EndpointKind, EndpointList, EndpointRow, EndpointSaved,
    EndpointView, Payload, PersonalField, WebhookEvent,
};
use super::target::{self, Answer, Policy};
use super::{signature, store};
use crate::audit::{self, Action, AuditContext, Event, Outcome};
use crate::auth::service::Principal;
use crate::crypto::TenantKeys;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::state::AppState;
use crate::tenants::model::TenantStatus;

const TABLE: &str = "webhook_endpoints";
const DELIVERIES: &str = "webhook_deliveries";
/// A rotated-out secret still signs this long, so receivers can switch without a gap.
pub const ROTATION_OVERLAP_HOURS: i64 = 24;
/// Deliveries claimed per tenant and round.
const BATCH: i64 = 50;
/// At most this many endpoints per tenant.
const MAX_ENDPOINTS: usize = 20;

fn now_of(p: &Principal) -> NaiveDateTime {
    audit::chain::truncate_to_micros(p.audit.at.naive_utc())
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|e| AppError::Internal(e.to_string()))
}

fn events_of(row: &EndpointRow) -> Result<Vec<WebhookEvent>, AppError> {
    let codes: Vec<String> = serde_json::from_str(&row.events).map_err(|e| AppError::Internal(e.to_string()))?;
    codes.iter().map(|c| WebhookEvent::from_stored(c)).collect()
}

fn fields_of(row: &EndpointRow) -> Result<Vec<PersonalField>, AppError> {
    let codes: Vec<String> = serde_json::from_str(&row.personal_fields).map_err(|e| AppError::Internal(e.to_string()))?;
    codes.iter().map(|c| PersonalField::from_stored(c)).collect()
}

/// `https://host/…abcd`: enough to recognise a Teams URL, not enough to use it.
fn masked(url: &str, host: &str) -> String {
    let tail: String = url.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("https://{host}/…{tail}")
}

fn view(keys: &TenantKeys, row: &EndpointRow) -> Result<EndpointView, AppError> {
    let kind = EndpointKind::from_stored(&row.kind)?;
    let url = keys.decrypt(TABLE, "url", &row.id, &row.url_ciphertext)?;
    Ok(EndpointView {
        id: row.id.clone(),
        kind,
        name: row.name.clone(),
        url_display: match kind {
            EndpointKind::Standard => url.to_string(),
            EndpointKind::Teams => masked(&url, &row.host),
        },
        host: row.host.clone(),
        events: events_of(row)?,
        personal_fields: fields_of(row)?,
        enabled: row.enabled,
        disabled_reason: row.disabled_reason.clone(),
        previous_secret_until: row.previous_secret_until,
        created_at: row.created_at,
    })
}

struct Checked {
    name: String,
    url: Option<(String, String)>,
    events: Vec<WebhookEvent>,
    fields: Vec<PersonalField>,
}

fn check(state: &AppState, input: &EndpointInput, creating: bool) -> Result<Checked, AppError> {
    let name = input.name.trim();
    if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
        return Err(AppError::invalid("name", "1 to 80 characters, no control characters"));
    }
    let url = match &input.url {
        Some(text) => {
            let url = target::check_form(text.trim(), Policy::of(&state.config)).map_err(|r| AppError::invalid("url", r.to_string()))?;
            let host = url.host_str().unwrap_or_default().to_owned();
            Some((url.to_string(), host))
        }
        None if creating => return Err(AppError::invalid("url", "is required")),
        None => None,
    };
    if input.events.is_empty() || input.events.len() > WebhookEvent::ALL.len() {
        return Err(AppError::invalid("events", "choose at least one event, each once"));
    }
    let mut events = Vec::new();
    for code in &input.events {
        let event = WebhookEvent::from_code(code)
            .ok_or_else(|| AppError::invalid("events", format!("unknown event `{}`", code.chars().take(40).collect::<String>())))?;
        if events.contains(&event) {
            return Err(AppError::invalid("events", "each event once"));
        }
        events.push(event);
    }
    if input.personal_fields.len() > PersonalField::ALL.len() {
        return Err(AppError::invalid("personal_fields", "each field once"));
    }
    let mut fields = Vec::new();
    for code in &input.personal_fields {
        let field = PersonalField::from_code(code).ok_or_else(|| AppError::invalid("personal_fields", "only `name` and `email`"))?;
        if fields.contains(&field) {
            return Err(AppError::invalid("personal_fields", "each field once"));
        }
        fields.push(field);
    }
    Ok(Checked { name: name.to_owned(), url, events, fields })
}

fn codes<T: Copy>(items: &[T], code: impl Fn(T) -> &'static str) -> Vec<&'static str> {
    items.iter().map(|i| code(*i)).collect()
}

pub fn list(state: &AppState, scope: &TenantScope) -> Result<EndpointList, AppError> {
    state.db.tenant_read(scope, |tx| {
        let rows = store::endpoints(tx)?;
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let endpoints = rows.iter().map(|r| view(&keys, r)).collect::<Result<_, _>>()?;
        Ok(EndpointList { endpoints, events: WebhookEvent::ALL.to_vec() })
    })
}

/// Adds an endpoint; a standard endpoint gets a new signing secret, answered once.
pub fn create(state: &AppState, p: &Principal, scope: &TenantScope, input: &EndpointInput) -> Result<EndpointSaved, AppError> {
    let checked = check(state, input, true)?;
    let (url, host) = checked.url.clone().unwrap_or_default();
    let now = now_of(p);
    state.db.tenant_tx(scope, |tx| {
        if store::endpoints(tx)?.len() >= MAX_ENDPOINTS {
            return Err(AppError::invalid("url", format!("at most {MAX_ENDPOINTS} endpoints per tenant")));
        }
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let id = Uuid::now_v7().to_string();
        let secret = (input.kind == EndpointKind::Standard).then(signature::new_secret);
        let row = EndpointRow {
            tenant_id: scope.tenant_id().to_owned(),
            url_ciphertext: keys.encrypt(TABLE, "url", &id, &url),
            secret_ciphertext: secret.as_ref().map(|s| keys.encrypt(TABLE, "secret", &id, s)),
            id,
            kind: input.kind.as_str().to_owned(),
            name: checked.name.clone(),
            host: host.clone(),
            previous_secret_ciphertext: None,
            previous_secret_until: None,
            events: to_json(&codes(&checked.events, WebhookEvent::as_str))?,
            personal_fields: to_json(&codes(&checked.fields, PersonalField::as_str))?,
            enabled: input.enabled,
            disabled_reason: None,
            created_at: now,
            updated_at: now,
        };
        store::insert_endpoint(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::WebhookEndpointCreated, "webhook_endpoint", Some(&row.id))
                .detail("kind", input.kind.as_str())
                .detail("host", host.as_str())
                .detail("events", codes(&checked.events, WebhookEvent::as_str))
                .detail("personal_fields", codes(&checked.fields, PersonalField::as_str))
                .detail("enabled", input.enabled),
        )?;
        Ok(EndpointSaved { endpoint: view(&keys, &row)?, secret })
    })
}

fn find(tx: &mut TenantTx<'_>, id: &str) -> Result<EndpointRow, AppError> {
    if id.len() > 64 {
        return Err(AppError::NotFound);
    }
    store::endpoint(tx, id)?.ok_or(AppError::NotFound)
}

/// Changes an endpoint; an absent `url` keeps the stored one. Enabling it again clears
/// the reason the server disabled it.
pub fn update(state: &AppState, p: &Principal, scope: &TenantScope, id: &str, input: &EndpointInput) -> Result<EndpointView, AppError> {
    let checked = check(state, input, false)?;
    let now = now_of(p);
    state.db.tenant_tx(scope, |tx| {
        let mut row = find(tx, id)?;
        if row.kind != input.kind.as_str() {
            return Err(AppError::invalid("kind", "cannot change; add a new endpoint"));
        }
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        if let Some((url, host)) = &checked.url {
            row.url_ciphertext = keys.encrypt(TABLE, "url", &row.id, url);
            row.host = host.clone();
        }
        row.name = checked.name.clone();
        row.events = to_json(&codes(&checked.events, WebhookEvent::as_str))?;
        row.personal_fields = to_json(&codes(&checked.fields, PersonalField::as_str))?;
        if input.enabled {
            row.disabled_reason = None;
        } else if row.enabled {
            store::cancel_pending(tx.parts().0, scope.tenant_id(), &row.id, now)?;
        }
        row.enabled = input.enabled;
        row.updated_at = now;
        store::update_endpoint(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::WebhookEndpointUpdated, "webhook_endpoint", Some(&row.id))
                .detail("host", row.host.as_str())
                .detail("url_changed", checked.url.is_some())
                .detail("events", codes(&checked.events, WebhookEvent::as_str))
                .detail("personal_fields", codes(&checked.fields, PersonalField::as_str))
                .detail("enabled", input.enabled),
        )?;
        view(&keys, &row)
    })
}

pub fn delete(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<(), AppError> {
    state.db.tenant_tx(scope, |tx| {
        let row = find(tx, id)?;
        store::delete_endpoint(tx, &row.id)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::WebhookEndpointDeleted, "webhook_endpoint", Some(&row.id)).detail("host", row.host.as_str()),
        )?;
        Ok(())
    })
}

/// A new signing secret; the old one keeps signing for `ROTATION_OVERLAP_HOURS`.
pub fn rotate_secret(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<EndpointSaved, AppError> {
    let now = now_of(p);
    state.db.tenant_tx(scope, |tx| {
        let mut row = find(tx, id)?;
        if row.kind != EndpointKind::Standard.as_str() {
            return Err(AppError::invalid("kind", "a Teams endpoint has no signing secret; its URL is the credential"));
        }
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let old = row.secret_ciphertext.as_deref().map(|c| keys.decrypt(TABLE, "secret", &row.id, c)).transpose()?;
        let secret = signature::new_secret();
        row.previous_secret_ciphertext = old.map(|s| keys.encrypt(TABLE, "previous_secret", &row.id, &s));
        row.previous_secret_until = Some(now + Duration::hours(ROTATION_OVERLAP_HOURS));
        row.secret_ciphertext = Some(keys.encrypt(TABLE, "secret", &row.id, &secret));
        row.updated_at = now;
        store::update_endpoint(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::WebhookSecretRotated, "webhook_endpoint", Some(&row.id)).detail("host", row.host.as_str()),
        )?;
        Ok(EndpointSaved { endpoint: view(&keys, &row)?, secret: Some(secret) })
    })
}

pub fn deliveries(state: &AppState, scope: &TenantScope, id: &str) -> Result<DeliveryList, AppError> {
    state.db.tenant_read(scope, |tx| {
        let row = find(tx, id)?;
        let rows = store::deliveries(tx, &row.id, 100)?;
        let deliveries = rows
            .into_iter()
            .map(|d| {
                let status = DeliveryStatus::from_stored(&d.status)?;
                Ok(DeliveryView {
                    event: WebhookEvent::from_stored(&d.event)?,
                    next_attempt_at: (status == DeliveryStatus::Pending).then_some(d.next_attempt_at),
                    status,
                    id: d.id,
                    attempts: d.attempts,
                    last_status: d.last_status,
                    last_error: d.last_error,
                    created_at: d.created_at,
                    finished_at: d.finished_at,
                })
            })
            .collect::<Result<_, AppError>>()?;
        Ok(DeliveryList { deliveries })
    })
}

/// The endpoints that receive personal fields, for the processing record (RIGHTS-3):
/// (name, host, fields, events).
/// An endpoint that receives personal fields: its name, host, the fields and the events.
pub type PersonalRecipient = (String, String, Vec<PersonalField>, Vec<WebhookEvent>);

pub fn personal_recipients(tx: &mut TenantTx<'_>) -> Result<Vec<PersonalRecipient>, AppError> {
    let mut out = Vec::new();
    for row in store::endpoints(tx)? {
        let fields = fields_of(&row)?;
        if !fields.is_empty() {
            out.push((row.name.clone(), row.host.clone(), fields, events_of(&row)?));
        }
    }
    Ok(out)
}

/// The person an event is about, decrypted only when an endpoint wants a personal field.
pub type Personal<'a> = Box<dyn FnOnce() -> Result<(String, String), AppError> + 'a>;

/// Queues `event` for every enabled endpoint that chose it, inside the caller's
/// transaction (so a delivery exists exactly when the change commits). `personal` gives
/// (name, email) and is called only if an endpoint ticked a personal field. Returns how many.
pub fn emit(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    event: WebhookEvent,
    mut payload: Payload,
    personal: Option<Personal<'_>>,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let endpoints: Vec<EndpointRow> = store::endpoints(tx)?
        .into_iter()
        .filter(|e| e.enabled)
        .filter(|e| events_of(e).is_ok_and(|events| events.contains(&event)))
        .collect();
    if endpoints.is_empty() {
        return Ok(0);
    }
    if endpoints.iter().any(|e| e.personal_fields != "[]") {
        if let Some(personal) = personal {
            let (name, email) = personal()?;
            payload.name = Some(name);
            payload.email = Some(email);
        }
    }
    let payload = &payload;
    let at = audit::chain::truncate_to_micros(at);
    let tenant_id = tx.tenant_id().to_owned();
    for endpoint in &endpoints {
        let fields = fields_of(endpoint)?;
        let body = body(EndpointKind::from_stored(&endpoint.kind)?, event, payload, &fields, at);
        let id = signature::new_message_id();
        store::insert_delivery(
            tx,
            &DeliveryRow {
                tenant_id: tenant_id.clone(),
                payload_ciphertext: Some(keys.encrypt(DELIVERIES, "payload", &id, &body)),
                id,
                endpoint_id: endpoint.id.clone(),
                event: event.as_str().to_owned(),
                status: DeliveryStatus::Pending.as_str().to_owned(),
                attempts: 0,
                next_attempt_at: at,
                last_status: None,
                last_error: None,
                created_at: at,
                finished_at: None,
            },
        )?;
    }
    Ok(endpoints.len())
}

/// The data with the ticked personal fields added.
fn data_of(payload: &Payload, fields: &[PersonalField]) -> serde_json::Map<String, Value> {
    let mut data = payload.data.clone();
    for field in fields {
        let value = match field {
            PersonalField::Name => &payload.name,
            PersonalField::Email => &payload.email,
        };
        if let Some(value) = value {
            data.insert(field.as_str().to_owned(), Value::String(value.clone()));
        }
    }
    data
}

/// The request body: Standard Webhooks' `{type, timestamp, data}`, or a Teams message
/// with an Adaptive Card.
pub fn body(kind: EndpointKind, event: WebhookEvent, payload: &Payload, fields: &[PersonalField], at: NaiveDateTime) -> String {
    let data = data_of(payload, fields);
    let timestamp = crate::timestamp::rfc3339(at);
    let value = match kind {
        EndpointKind::Standard => json!({ "type": event.as_str(), "timestamp": timestamp, "data": data }),
        EndpointKind::Teams => {
            let facts: Vec<Value> =
                data.iter().map(|(k, v)| json!({ "title": k, "value": v.as_str().map_or_else(|| v.to_string(), str::to_owned) })).collect();
            json!({
                "type": "message",
                "attachments": [{
                    "contentType": "application/vnd.microsoft.card.adaptive",
                    "contentUrl": null,
                    "content": {
                        "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
                        "type": "AdaptiveCard",
                        "version": "1.4",
                        "body": [
                            { "type": "TextBlock", "text": format!("anwesend: {}", event.as_str()), "weight": "Bolder", "size": "Medium", "wrap": true },
                            { "type": "TextBlock", "text": payload.summary, "wrap": true },
                            { "type": "FactSet", "facts": facts },
                            { "type": "TextBlock", "text": timestamp, "isSubtle": true, "size": "Small" }
                        ]
                    }
                }]
            })
        }
    };
    value.to_string()
}

/// 30 s, 1 min, 2 min … capped at 6 h, each ±20 % at random (so receivers that were
/// down do not get every retry at once).
pub fn backoff(attempts: i32) -> Duration {
    let base = (30 * 2i64.pow(attempts.clamp(1, 10) as u32 - 1)).min(6 * 3600) * 1000;
    let jitter = rand::thread_rng().gen_range(0.8..=1.2);
    Duration::milliseconds((base as f64 * jitter) as i64)
}

/// A claimed delivery, decrypted, ready to send.
struct Ready {
    id: String,
    endpoint_id: String,
    event: String,
    kind: EndpointKind,
    url: String,
    host: String,
    secrets: Vec<String>,
    body: Option<String>,
    attempts: i32,
}

/// Sends every due delivery of every tenant once; returns how many were delivered.
/// Blocking. The tenants' tables are under row-level security, so each tenant is asked in
/// its own scope (a read first, a write only where something is due).
pub fn deliver_due(state: &AppState) -> Result<usize, AppError> {
    let mut delivered = 0;
    for tenant in crate::tenants::service::list(&state.db)? {
        if tenant.status == TenantStatus::Offboarded.as_str() {
            continue;
        }
        let scope = TenantScope::named_by_operator(tenant.id.clone());
        loop {
            let now = state.clock.now().naive_utc();
            if !state.db.tenant_read(&scope, |tx| Ok(store::has_due(tx, now)?))? {
                break;
            }
            let ready = state.db.tenant_tx(&scope, |tx| claim(state, tx, now))?;
            let full = ready.len() as i64 == BATCH;
            // An endpoint that answered 410 is disabled and its queue cancelled: the rest of
            // this batch for it is not sent.
            let mut gone = std::collections::HashSet::new();
            for r in ready {
                if gone.contains(&r.endpoint_id) {
                    continue;
                }
                let endpoint_id = r.endpoint_id.clone();
                let (sent, disabled) = send(state, &scope, r)?;
                delivered += usize::from(sent);
                if disabled {
                    gone.insert(endpoint_id);
                }
            }
            if !full {
                break;
            }
        }
    }
    Ok(delivered)
}

fn claim(state: &AppState, tx: &mut TenantTx<'_>, now: NaiveDateTime) -> Result<Vec<Ready>, AppError> {
    // A worker that dies after the claim leaves the delivery for another after 10 minutes.
    let rows = store::claim_due(tx, now, BATCH, now + Duration::minutes(10))?;
    if rows.is_empty() {
        return Ok(Vec::new());
    }
    let keys = crate::tenants::service::keys(tx, &state.master)?;
    let mut out = Vec::new();
    for row in rows {
        let endpoint = find(tx, &row.endpoint_id)?;
        let mut secrets = Vec::new();
        if let Some(c) = &endpoint.secret_ciphertext {
            secrets.push(keys.decrypt(TABLE, "secret", &endpoint.id, c)?.to_string());
        }
        if let (Some(c), Some(until)) = (&endpoint.previous_secret_ciphertext, endpoint.previous_secret_until) {
            if until > now {
                secrets.push(keys.decrypt(TABLE, "previous_secret", &endpoint.id, c)?.to_string());
            }
        }
        out.push(Ready {
            body: row
                .payload_ciphertext
                .as_deref()
                .map(|c| keys.decrypt(DELIVERIES, "payload", &row.id, c).map(|b| b.to_string()))
                .transpose()?,
            url: keys.decrypt(TABLE, "url", &endpoint.id, &endpoint.url_ciphertext)?.to_string(),
            kind: EndpointKind::from_stored(&endpoint.kind)?,
            host: endpoint.host.clone(),
            endpoint_id: endpoint.id,
            event: row.event,
            attempts: row.attempts,
            id: row.id,
            secrets,
        });
    }
    Ok(out)
}

/// One attempt and its record (and audit entry with the recipient host, TRANS-6).
/// Returns (delivered, endpoint disabled).
fn send(state: &AppState, scope: &TenantScope, r: Ready) -> Result<(bool, bool), AppError> {
    let policy = Policy::of(&state.config);
    let attempts = r.attempts + 1;
    let sent_at = state.clock.now();
    let answer = match (&r.body, url::Url::parse(&r.url)) {
        (Some(body), Ok(url)) => {
            let mut headers = Vec::new();
            if r.kind == EndpointKind::Standard {
                let secrets: Vec<&str> = r.secrets.iter().map(String::as_str).collect();
                headers.push(("webhook-id", r.id.clone()));
                headers.push(("webhook-timestamp", sent_at.timestamp().to_string()));
                headers.push(("webhook-signature", signature::header(&secrets, &r.id, sent_at.timestamp(), body.as_bytes())?));
            }
            let timeout = std::time::Duration::from_secs(u64::from(state.config.webhooks.timeout_seconds));
            target::post(&url, policy, &headers, body.clone().into_bytes(), timeout)
        }
        (None, _) => Answer::Failed("no payload".into()),
        (_, Err(_)) => Answer::Refused(target::Refusal::Malformed),
    };
    let now = state.clock.now().naive_utc();
    let max = state.config.webhooks.max_attempts as i32;
    // (status, last HTTP status, error, endpoint gone)
    let (status, code, error, gone) = match &answer {
        Answer::Status(code, _) if (200..300).contains(code) => (DeliveryStatus::Delivered, Some(i32::from(*code)), None, false),
        Answer::Status(410, _) => {
            (DeliveryStatus::Failed, Some(410), Some("the receiver answered 410 Gone: endpoint disabled".to_owned()), true)
        }
        Answer::Status(code, location) if (300..400).contains(code) => {
            let to = location.as_deref().and_then(|l| url::Url::parse(l).ok()).and_then(|u| u.host_str().map(str::to_owned));
            let error = format!("answered {code}: redirects are not followed{}", to.map(|h| format!(" (to {h})")).unwrap_or_default());
            (DeliveryStatus::Refused, Some(i32::from(*code)), Some(error), false)
        }
        Answer::Status(code, _) => {
            let status = if attempts >= max { DeliveryStatus::Failed } else { DeliveryStatus::Pending };
            (status, Some(i32::from(*code)), Some(format!("answered {code}")), false)
        }
        Answer::Refused(refusal) => (DeliveryStatus::Refused, None, Some(refusal.to_string()), false),
        Answer::Failed(e) => {
            let status = if attempts >= max { DeliveryStatus::Failed } else { DeliveryStatus::Pending };
            (status, None, Some(e.clone()), false)
        }
    };
    let next = if status == DeliveryStatus::Pending { now + backoff(attempts) } else { now };
    let ctx = AuditContext::system(state.clock.now());
    state.db.tenant_tx(scope, |tx| {
        store::record_attempt(tx, &r.id, status, attempts, next, code, error.as_deref(), now)?;
        let action = match status {
            DeliveryStatus::Delivered => Action::WebhookDelivered,
            DeliveryStatus::Refused => Action::WebhookDeliveryRefused,
            _ => Action::WebhookDeliveryFailed,
        };
        let mut event = Event::new(action, "webhook_delivery", Some(&r.id))
            .detail("endpoint_id", r.endpoint_id.as_str())
            .detail("host", r.host.as_str())
            .detail("event", r.event.as_str())
            .detail("attempt", attempts)
            .detail("status", status.as_str());
        if let Some(code) = code {
            event = event.detail("http_status", code);
        }
        if status != DeliveryStatus::Delivered {
            event = event.outcome(Outcome::Failure).detail("error", error.clone().unwrap_or_default());
        }
        audit::record(tx, &ctx, event)?;
        if gone {
            store::disable(tx, &r.endpoint_id, "gone", now)?;
            audit::record(
                tx,
                &ctx,
                Event::new(Action::WebhookEndpointDisabled, "webhook_endpoint", Some(&r.endpoint_id))
                    .detail("reason", "gone")
                    .detail("host", r.host.as_str()),
            )?;
        }
        Ok(())
    })?;
    if status != DeliveryStatus::Delivered {
        tracing::warn!(delivery = %r.id, host = %r.host, attempts, status = status.as_str(), "webhook not delivered");
    }
    Ok((status == DeliveryStatus::Delivered, gone))
}

/// `session.check_in_summary`, when a session's list is closed: its ids and how many
/// confirmed bookings were present, late, left early or absent (numbers only).
pub fn check_in_summary(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    session: &crate::events::model::SessionRow,
    counts: &[(crate::attendance::model::AttendeeStatus, usize)],
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let figures: Vec<String> = counts.iter().map(|(status, n)| format!("{} {n}", status.as_str())).collect();
    let mut payload =
        Payload { summary: format!("{}: {}", WebhookEvent::CheckInSummary.as_str(), figures.join(", ")), ..Payload::default() };
    payload.data.insert("session_id".into(), session.id.as_str().into());
    payload.data.insert("event_id".into(), session.event_id.as_str().into());
    payload.data.insert("starts_at".into(), crate::timestamp::rfc3339(session.starts_at).into());
    for (status, n) in counts {
        payload.data.insert(status.as_str().into(), (*n).into());
    }
    emit(tx, keys, WebhookEvent::CheckInSummary, payload, None, at)
}

/// `incident.notice`, when the platform sends the tenant a breach notification: the
/// incident's and notice's ids and the tenant's figures (the text is in the mail and on
/// "Vorfälle").
pub fn incident_notice(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    incident_id: &str,
    notice_id: &str,
    persons: i64,
    records: i64,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut payload =
        Payload { summary: format!("{}: {persons} / {records}", WebhookEvent::IncidentNotice.as_str()), ..Payload::default() };
    payload.data.insert("incident_id".into(), incident_id.into());
    payload.data.insert("notice_id".into(), notice_id.into());
    payload.data.insert("persons".into(), persons.into());
    payload.data.insert("records".into(), records.into());
    emit(tx, keys, WebhookEvent::IncidentNotice, payload, None, at)
}

/// `subject_request.received`: the request's id and kind; the person's name and email
/// only for endpoints that ticked them (never the message).
pub fn request_received(
    tx: &mut TenantTx<'_>,
    keys: &TenantKeys,
    row: &crate::portal::model::SubjectRequestRow,
    who: &crate::bookings::model::ParticipantRow,
    at: NaiveDateTime,
) -> Result<usize, AppError> {
    let mut payload = Payload { summary: format!("{} ({})", WebhookEvent::RequestReceived.as_str(), row.kind), ..Payload::default() };
    payload.data.insert("request_id".into(), row.id.as_str().into());
    payload.data.insert("participant_id".into(), row.participant_id.as_str().into());
    payload.data.insert("kind".into(), row.kind.as_str().into());
    payload.data.insert("received_via".into(), row.received_via.as_str().into());
    payload.data.insert("due_at".into(), crate::timestamp::rfc3339(row.due_at).into());
    let personal: Personal<'_> = Box::new(move || {
        let p = crate::bookings::service::person(keys, who)?;
        Ok((p.name, p.email))
    });
    emit(tx, keys, WebhookEvent::RequestReceived, payload, Some(personal), at)
}
