use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use anwesend_protocol::{EnrolRequest, EnrolResponse, HeartbeatRequest, HeartbeatResponse};

use super::model::*;
use super::signed::DeviceRequest;
use super::store;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event};
use crate::auth::service::{token_hash, Origin, Principal};
use crate::bookings::service::clean;
use crate::crypto::random_bytes;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service::keys;

/// Letters and digits that cannot be mistaken for each other when typed.
const CODE_ALPHABET: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// `ABCD-EFGH`: 40 random bits, enough for a code that works once for minutes behind a
/// per-address rate limit.
fn new_code() -> String {
    let bytes = random_bytes(8);
    let chars: String = bytes.iter().map(|b| CODE_ALPHABET[usize::from(*b) % CODE_ALPHABET.len()] as char).collect();
    format!("{}-{}", &chars[..4], &chars[4..])
}

fn normalize_code(code: &str) -> String {
    code.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_uppercase()).collect()
}

/// `1.2.10` > `1.2.9`; anything unparsable counts as outdated.
pub fn is_outdated(version: Option<&str>, minimum: &str) -> bool {
    let parse =
        |v: &str| v.trim_start_matches('v').split(['.', '-', '+']).take(3).map(|p| p.parse::<u64>().ok()).collect::<Option<Vec<_>>>();
    match (version.and_then(parse), parse(minimum)) {
        (Some(v), Some(min)) => v < min,
        (None, _) => version.is_some(),
        _ => false,
    }
}

fn check_location(tx: &mut TenantTx<'_>, location: Option<&String>) -> Result<(), AppError> {
    if let Some(location) = location {
        if !crate::locations::store::list(tx)?.iter().any(|l| &l.id == location) {
            return Err(AppError::invalid("location_id", "no such location"));
        }
    }
    Ok(())
}

/// A one-time enrolment code for a new device (shown once to the admin).
pub fn create_enrolment(state: &AppState, p: &Principal, scope: &TenantScope, input: &NewEnrolment) -> Result<EnrolmentCode, AppError> {
    let name = clean("name", &input.name, 100, true)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let code = new_code();
    let row = EnrolmentRow {
        tenant_id: scope.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        code_hash: token_hash(&normalize_code(&code)),
        name,
        location_id: input.location_id.clone(),
        created_by: p.account_id.clone(),
        created_at: now,
        expires_at: now + Duration::minutes(i64::from(state.config.devices.enrolment_minutes)),
        used_at: None,
        device_id: None,
    };
    state.db.tenant_tx(scope, |tx| {
        check_location(tx, row.location_id.as_ref())?;
        store::insert_enrolment(tx, &row)?;
        audit::record(tx, &p.audit, Event::new(Action::DeviceEnrolmentCreated, "device_enrolment", Some(&row.id)))?;
        Ok(())
    })?;
    Ok(EnrolmentCode { code, expires_at: row.expires_at })
}

pub fn enrolment_invalid() -> AppError {
    AppError::rule(ProblemCode::EnrolmentInvalid, "this enrolment code is unknown, used or expired; ask an admin for a new one")
}

/// Exchanges an enrolment code for a device id and secret (public, rate limited).
pub fn enrol(state: &AppState, origin: &Origin, input: &EnrolRequest) -> Result<EnrolResponse, AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let code = normalize_code(&input.code);
    let version = clean("agent_version", &input.agent_version, 32, true)?;
    if code.len() != 8 {
        return Err(enrolment_invalid());
    }
    let found = store::locate_enrolment_by_code_hash(&mut *state.db.conn()?, &token_hash(&code))?.ok_or_else(enrolment_invalid)?;
    let scope = TenantScope::named_by_token(found.found_tenant);
    let enrolment = state.db.tenant_read(&scope, |tx| Ok(store::enrolment(tx, &found.found_id)?))?;
    let enrolment = enrolment.filter(|e| e.used_at.is_none() && e.expires_at > now).ok_or_else(enrolment_invalid)?;
    // No new devices in an offboarding tenant (TOM DEL-1).
    if crate::offboarding::store::status(&mut *state.db.conn()?, &enrolment.tenant_id)?.as_deref()
        != Some(crate::tenants::model::STATUS_ACTIVE)
    {
        return Err(enrolment_invalid());
    }
    let secret = hex::encode(random_bytes(32));
    let id = Uuid::now_v7().to_string();
    state.db.tenant_tx(&scope, |tx| {
        if store::use_enrolment(tx, &enrolment.id, &id, now)? == 0 {
            return Err(enrolment_invalid());
        }
        let keys = keys(tx, &state.master)?;
        let device = DeviceRow {
            tenant_id: scope.tenant_id().to_owned(),
            secret_ciphertext: keys.encrypt("devices", "secret", &id, &secret),
            id: id.clone(),
            name: enrolment.name.clone(),
            location_id: enrolment.location_id.clone(),
            mode: "check_in".into(),
            duplicate_window_seconds: 10,
            late_upload_after_seconds: 300,
            session_ids: String::new(),
            agent_version: Some(version.clone()),
            readers: None,
            queue_length: None,
            last_heartbeat_at: None,
            created_by: Some(enrolment.created_by.clone()),
            created_at: now,
            revoked_at: None,
            secure_cards: false,
        };
        store::insert(tx, &device)?;
        let ctx = AuditContext {
            actor: Actor { kind: ActorKind::Device, id: Some(id.clone()), role: None },
            at: origin.at,
            request_id: Some(origin.request_id.clone()),
            ip: origin.ip.clone(),
        };
        audit::record(
            tx,
            &ctx,
            Event::new(Action::DeviceEnrolled, "device", Some(&id))
                .detail("enrolment_id", enrolment.id.as_str())
                .detail("agent_version", version.as_str()),
        )?;
        let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        Ok(EnrolResponse {
            device_id: id.clone(),
            secret: secret.clone(),
            device_name: device.name.clone(),
            tenant_name: tenant.name,
            config: device.config(),
        })
    })
}

/// Records a heartbeat and answers with the configuration set on the server (DEV-1).
pub fn heartbeat(state: &AppState, req: &DeviceRequest, input: &HeartbeatRequest) -> Result<HeartbeatResponse, AppError> {
    let version = clean("agent_version", &input.agent_version, 32, true)?;
    if input.readers.len() > 16 {
        return Err(AppError::invalid("readers", "at most 16 readers"));
    }
    let readers = input.readers.iter().map(|r| clean("readers", r, 100, true)).collect::<Result<Vec<_>, _>>()?.join("\n");
    let now = audit::chain::truncate_to_micros(req.audit.at.naive_utc());
    let d = &req.device;
    req.write(state, |tx| {
        let queue = i32::try_from(input.queue_length).unwrap_or(i32::MAX);
        store::heartbeat(tx, &d.id, &version, &readers, queue, input.secure_cards, now)?;
        store::forget_nonces(tx, now - Duration::seconds(2 * anwesend_protocol::MAX_SKEW_SECONDS))?;
        Ok(())
    })?;
    let minimum = state.config.devices.minimum_agent_version.clone();
    Ok(HeartbeatResponse { config: d.config(), outdated: is_outdated(Some(&version), &minimum), minimum_agent_version: minimum })
}

fn view(state: &AppState, d: DeviceRow, pending: &[CardEnrolmentRow], now: NaiveDateTime) -> DeviceView {
    let config = d.config();
    DeviceView {
        status: if d.revoked_at.is_some() { DeviceStatus::Revoked } else { DeviceStatus::Active },
        outdated: is_outdated(d.agent_version.as_deref(), &state.config.devices.minimum_agent_version),
        readers: d.readers.as_deref().unwrap_or_default().lines().map(str::to_owned).collect(),
        card_enrolment_for: pending.iter().find(|c| c.device_id == d.id && c.expires_at > now).map(|c| c.participant_id.clone()),
        settings: DeviceSettings {
            name: d.name.clone(),
            location_id: d.location_id.clone(),
            mode: config.mode,
            duplicate_window_seconds: d.duplicate_window_seconds,
            late_upload_after_seconds: d.late_upload_after_seconds,
            session_ids: config.session_ids,
        },
        secure_cards: d.secure_cards,
        id: d.id,
        agent_version: d.agent_version,
        queue_length: d.queue_length,
        last_heartbeat_at: d.last_heartbeat_at,
        created_at: d.created_at,
        revoked_at: d.revoked_at,
    }
}

pub fn list(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<Vec<DeviceView>, AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_read(scope, |tx| {
        let pending = store::card_enrolments(tx)?;
        Ok(store::list(tx)?.into_iter().map(|d| view(state, d, &pending, now)).collect())
    })
}

fn one(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<DeviceView, AppError> {
    list(state, p, scope)?.into_iter().find(|d| d.id == id).ok_or(AppError::NotFound)
}

/// Name, location and the configuration the device picks up at its next heartbeat.
pub fn update(state: &AppState, p: &Principal, scope: &TenantScope, id: &str, input: &DeviceSettings) -> Result<DeviceView, AppError> {
    let name = clean("name", &input.name, 100, true)?;
    if !matches!(input.mode.as_str(), "check_in" | "check_out") {
        return Err(AppError::invalid("mode", "must be check_in or check_out"));
    }
    if !(0..=3600).contains(&input.duplicate_window_seconds) {
        return Err(AppError::invalid("duplicate_window_seconds", "between 0 and 3600"));
    }
    if !(10..=604_800).contains(&input.late_upload_after_seconds) {
        return Err(AppError::invalid("late_upload_after_seconds", "between 10 and 604800"));
    }
    if input.session_ids.len() > 100 {
        return Err(AppError::invalid("session_ids", "at most 100 sessions"));
    }
    state.db.tenant_tx(scope, |tx| {
        let mut d = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        check_location(tx, input.location_id.as_ref())?;
        let known = crate::events::store::sessions_by_id(tx, &input.session_ids)?;
        if known.len() != input.session_ids.len() {
            return Err(AppError::invalid("session_ids", "every id must be a session of this tenant"));
        }
        d.name = name.clone();
        d.location_id = input.location_id.clone();
        d.mode = input.mode.clone();
        d.duplicate_window_seconds = input.duplicate_window_seconds;
        d.late_upload_after_seconds = input.late_upload_after_seconds;
        d.session_ids = input.session_ids.join(",");
        store::update_settings(tx, &d)?;
        audit::record(tx, &p.audit, Event::new(Action::DeviceConfigured, "device", Some(id)).detail("mode", d.mode.as_str()))?;
        Ok(())
    })?;
    one(state, p, scope, id)
}

/// Revokes a device: its next request fails (DEV-1).
pub fn revoke(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<DeviceView, AppError> {
    state.db.tenant_tx(scope, |tx| {
        store::find(tx, id)?.ok_or(AppError::NotFound)?;
        if store::revoke(tx, id, p.audit.at.naive_utc())? == 0 {
            return Err(AppError::rule(ProblemCode::AlreadyRevoked, "this device is revoked already"));
        }
        store::clear_card_enrolment(tx, id)?;
        audit::record(tx, &p.audit, Event::new(Action::DeviceRevoked, "device", Some(id)))?;
        Ok(())
    })?;
    one(state, p, scope, id)
}

/// "Enrol card" mode: the next card tapped on this device within two minutes is bound to
/// the participant.
pub fn request_card_enrolment(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    device_id: &str,
    input: &CardEnrolmentRequest,
) -> Result<CardEnrolmentPending, AppError> {
    let expires_at = p.audit.at.naive_utc() + Duration::minutes(2);
    state.db.tenant_tx(scope, |tx| {
        let device = store::find(tx, device_id)?.ok_or(AppError::NotFound)?;
        if device.revoked_at.is_some() {
            return Err(AppError::rule(ProblemCode::DeviceRevoked, "this device is revoked"));
        }
        crate::bookings::store::participant(tx, &input.participant_id)?
            .ok_or_else(|| AppError::invalid("participant_id", "no such participant"))?;
        store::set_card_enrolment(
            tx,
            &CardEnrolmentRow {
                tenant_id: scope.tenant_id().to_owned(),
                device_id: device_id.to_owned(),
                participant_id: input.participant_id.clone(),
                requested_by: p.account_id.clone(),
                expires_at,
            },
        )?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::CardEnrolmentStarted, "device", Some(device_id)).subject(&input.participant_id, None),
        )?;
        Ok(CardEnrolmentPending { device_id: device_id.to_owned(), participant_id: input.participant_id.clone(), expires_at })
    })
}
