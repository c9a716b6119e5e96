//! Verifies a signed device request (TOM TRANS-2): known, unrevoked device; timestamp
//! within ±`MAX_SKEW_SECONDS`; HMAC over method, path, timestamp, nonce and body hash;
//! nonce never seen before. Limited per client address before any lookup; refusals of
//! known devices are audited in their tenant, once per device, reason and window with a
//! count (`audit::refusals`), and only a good signature opens a write transaction.

use actix_web::{web, HttpRequest};
use anwesend_protocol as protocol;

use super::model::DeviceRow;
use super::store;
use crate::audit::{Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::principal::RequestFacts;
use crate::db::TenantScope;
use crate::http::ApiError;
use crate::problem::ProblemCode;
use crate::state::AppState;

/// A verified device request.
pub struct DeviceRequest {
    pub device: DeviceRow,
    /// The device's tenant: the only scope a device request acts in (SEP-2).
    pub scope: TenantScope,
    pub audit: AuditContext,
    pub body: web::Bytes,
}

fn refused(code: ProblemCode) -> ApiError {
    ApiError::new(code)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

pub async fn verify(req: &HttpRequest, state: &web::Data<AppState>, body: web::Bytes) -> Result<DeviceRequest, ApiError> {
    let (Some(device_id), Some(timestamp), Some(nonce), Some(signature)) = (
        header(req, protocol::HEADER_DEVICE).map(str::to_owned),
        header(req, protocol::HEADER_TIMESTAMP).map(str::to_owned),
        header(req, protocol::HEADER_NONCE).map(str::to_owned),
        header(req, protocol::HEADER_SIGNATURE).map(str::to_owned),
    ) else {
        return Err(refused(ProblemCode::SignatureMissing));
    };
    let method = req.method().as_str().to_owned();
    let path = req.path().to_owned();
    let facts = RequestFacts::of(req)?;
    let state = state.clone().into_inner();
    web::block(move || -> Result<DeviceRequest, ApiError> {
        let origin = facts.origin(&state)?;
        state.limits.device_per_ip.admit(&origin.ip_key())?;
        let now = origin.at;
        if device_id.len() > 64 {
            return Err(refused(ProblemCode::DeviceUnknown));
        }
        let found = store::locate(&mut *state.db.conn()?, &device_id).map_err(crate::AppError::from)?;
        let Some(found) = found else { return Err(refused(ProblemCode::DeviceUnknown)) };
        let scope = TenantScope::named_by_device(found.found_tenant);
        let device = state.db.tenant_read(&scope, |tx| Ok(store::find(tx, &found.found_id)?))?;
        let Some(device) = device else { return Err(refused(ProblemCode::DeviceUnknown)) };
        // Every device request changes data: none in an offboarding tenant (TOM DEL-1).
        crate::offboarding::guard::check(&mut *state.db.conn()?, &device.tenant_id, &actix_web::http::Method::POST, &path)?;
        let audit = AuditContext {
            actor: Actor { kind: ActorKind::Device, id: Some(device.id.clone()), role: None },
            at: now,
            request_id: Some(origin.request_id.clone()),
            ip: origin.ip.clone(),
        };
        let refuse = |code: ProblemCode| -> Result<DeviceRequest, ApiError> {
            let event = Event::new(Action::DeviceRequestRefused, "device", Some(&device.id))
                .outcome(Outcome::Denied)
                .detail("reason", code.as_str())
                .detail("path", path.as_str());
            state.limits.refusals.record(&state.db, Some(&scope), &audit, event)?;
            Err(refused(code))
        };
        if device.revoked_at.is_some() {
            return refuse(ProblemCode::DeviceRevoked);
        }
        let Ok(ts) = timestamp.parse::<i64>() else { return refuse(ProblemCode::StaleTimestamp) };
        if (now.timestamp() - ts).abs() > protocol::MAX_SKEW_SECONDS {
            return refuse(ProblemCode::StaleTimestamp);
        }
        if !protocol::nonce_is_valid(&nonce) {
            return refuse(ProblemCode::BadNonce);
        }
        // The signature is checked in a read: a forged request takes no write lock.
        let secret = state.db.tenant_read(&scope, |tx| {
            let keys = crate::tenants::service::keys(tx, &state.master)?;
            let secret = keys.decrypt("devices", "secret", &device.id, &device.secret_ciphertext)?;
            hex::decode(secret.as_bytes()).map_err(|e| crate::AppError::Internal(e.to_string()))
        })?;
        if !protocol::verify(&secret, &method, &path, ts, &nonce, &body, &signature) {
            return refuse(ProblemCode::BadSignature);
        }
        match state.db.tenant_tx(&scope, |tx| Ok(store::remember_nonce(tx, &device.id, &nonce, now.naive_utc())?)) {
            Ok(true) => {}
            Ok(false) => return refuse(ProblemCode::ReplayedNonce),
            // Two requests with one nonce at the same moment: the database's key refuses the second.
            Err(e) if e.is_constraint_violation() => return refuse(ProblemCode::ReplayedNonce),
            Err(e) => return Err(e.into()),
        }
        Ok(DeviceRequest { device, scope, audit, body })
    })
    .await?
}
