//! Verifies a signed device request (TOM TRANS-2): known, unrevoked device; timestamp
//! within ±`MAX_SKEW_SECONDS`; HMAC over method, path, timestamp, nonce and body hash;
//! nonce never seen before. Limited per client address before any lookup; refusals of
//! known devices are audited in their tenant, once per device, reason and window with a
//! count (`audit::refusals`), and nothing is written before the signature is checked. The
//! nonce is stored in the request's one write transaction, with its change. On PostgreSQL
//! that transaction begins with the verification's read (`Db::open_tenant_tx`); on SQLite
//! the read is a transaction of its own, so a forged request never waits for the writers'
//! turn.

use std::cell::{Cell, RefCell};

use actix_web::{web, HttpRequest};
use anwesend_protocol as protocol;

use super::model::DeviceRow;
use super::store;
use crate::audit::{Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::principal::RequestFacts;
use crate::db::{OpenTx, TenantScope, TenantTx};
use crate::error::AppError;
use crate::http::ApiError;
use crate::problem::ProblemCode;
use crate::state::AppState;

/// A verified device request.
pub struct DeviceRequest {
    pub device: DeviceRow,
    /// The device's tenant: the only scope a device request acts in (SEP-2).
    pub scope: TenantScope,
    /// The tenant's keys, as read to check the signature.
    pub keys: crate::crypto::TenantKeys,
    pub audit: AuditContext,
    pub body: web::Bytes,
    nonce: String,
    path: String,
    /// Whether the nonce is stored (by `write`); `settle` stores it otherwise.
    nonce_kept: Cell<bool>,
    /// PostgreSQL: the request's write transaction, begun by the verification's read and
    /// holding the nonce; `write` finishes it with the change, `settle` without one.
    open: RefCell<Option<OpenTx>>,
}

fn refused(code: ProblemCode) -> ApiError {
    ApiError::new(code)
}

fn header<'a>(req: &'a HttpRequest, name: &str) -> Option<&'a str> {
    req.headers().get(name).and_then(|v| v.to_str().ok())
}

/// What a signed request carries besides its body, taken from it before the blocking work.
pub struct SignedHead {
    device_id: String,
    timestamp: String,
    nonce: String,
    signature: String,
    method: String,
    path: String,
    facts: RequestFacts,
}

impl SignedHead {
    pub fn of(req: &HttpRequest) -> Result<Self, ApiError> {
        let (Some(device_id), Some(timestamp), Some(nonce), Some(signature)) = (
            header(req, protocol::HEADER_DEVICE),
            header(req, protocol::HEADER_TIMESTAMP),
            header(req, protocol::HEADER_NONCE),
            header(req, protocol::HEADER_SIGNATURE),
        ) else {
            return Err(refused(ProblemCode::SignatureMissing));
        };
        Ok(Self {
            device_id: device_id.to_owned(),
            timestamp: timestamp.to_owned(),
            nonce: nonce.to_owned(),
            signature: signature.to_owned(),
            method: req.method().as_str().to_owned(),
            path: req.path().to_owned(),
            facts: RequestFacts::of(req)?,
        })
    }

    /// Verifies the request (blocking: it reads the device), on the same thread as the
    /// work that follows, so a device request makes one hop to the blocking pool.
    pub fn verify(self, state: &AppState, body: web::Bytes) -> Result<DeviceRequest, ApiError> {
        let Self { device_id, timestamp, nonce, signature, method, path, facts } = self;
        let origin = facts.origin(state)?;
        state.limits.device_per_ip.admit(&origin.ip_key())?;
        let now = origin.at;
        if device_id.len() > 64 {
            return Err(refused(ProblemCode::DeviceUnknown));
        }
        let Some(found) = state.device_tenants.locate(state, &device_id)? else { return Err(refused(ProblemCode::DeviceUnknown)) };
        let scope = TenantScope::named_by_device(found.found_tenant);
        // One read: the device, whether its tenant takes changes, its secret and the
        // tenant's keys. The signature is checked on that read; a refused request's
        // transaction is rolled back, so it leaves nothing behind, not even its nonce.
        let mut open = if state.db.url().is_postgres() { Some(state.db.open_tenant_tx(&scope)?) } else { None };
        let read = |rows: Vec<store::RequestRow>| {
            let mut rows = rows.into_iter();
            let Some((device, tenant_status, newest_key)) = rows.next() else { return Ok(None) };
            // Every device request changes data: none in an offboarding tenant (TOM DEL-1).
            crate::offboarding::guard::check_status(Some(&tenant_status), &actix_web::http::Method::POST, &path)?;
            let key_rows: Vec<_> = newest_key.into_iter().chain(rows.filter_map(|(_, _, key)| key)).collect();
            let keys = crate::tenants::service::unwrap_keys(&device.tenant_id, &key_rows, &state.master)?;
            let secret = keys.decrypt("devices", "secret", &device.id, &device.secret_ciphertext)?;
            let secret = hex::decode(secret.as_bytes()).map_err(|e| crate::AppError::Internal(e.to_string()))?;
            Ok::<_, AppError>(Some((device, secret, keys)))
        };
        // On PostgreSQL the nonce is written with the read, in the transaction the request
        // goes on in; on SQLite it is written with the request's change (`write`).
        let (found, nonce_new) = match open.as_mut() {
            Some(open) => {
                let at = now.naive_utc();
                let (rows, new) = match open.run(|tx| Ok(store::find_for_request_remembering(tx, &found.found_id, &nonce, at)?)) {
                    // The device was deleted after `device_tenants` located it.
                    Err(e) if e.is_constraint_violation() => return Err(refused(ProblemCode::DeviceUnknown)),
                    found => found?,
                };
                (read(rows)?, new)
            }
            None => (state.db.tenant_read(&scope, |tx| read(store::find_for_request(tx, &found.found_id)?))?, true),
        };
        let Some((device, secret, keys)) = found else { return Err(refused(ProblemCode::DeviceUnknown)) };
        let audit = AuditContext {
            actor: Actor { kind: ActorKind::Device, id: Some(device.id.clone()), role: None },
            at: now,
            request_id: Some(origin.request_id.clone()),
            ip: origin.ip.clone(),
        };
        let request =
            DeviceRequest { device, scope, keys, audit, body, nonce, path, nonce_kept: Cell::new(false), open: RefCell::new(None) };
        let refusal = match timestamp.parse::<i64>() {
            _ if request.device.revoked_at.is_some() => Some(ProblemCode::DeviceRevoked),
            Ok(ts) if (now.timestamp() - ts).abs() <= protocol::MAX_SKEW_SECONDS => {
                if !protocol::nonce_is_valid(&request.nonce) {
                    Some(ProblemCode::BadNonce)
                } else if !protocol::verify(&secret, &method, &request.path, ts, &request.nonce, &request.body, &signature) {
                    Some(ProblemCode::BadSignature)
                } else {
                    None
                }
            }
            _ => Some(ProblemCode::StaleTimestamp),
        };
        if let Some(code) = refusal {
            // Rolled back before the refusal is audited in a transaction of its own.
            drop(open);
            return Err(request.refuse(state, code));
        }
        if !nonce_new {
            drop(open);
            return Err(request.refuse(state, ProblemCode::ReplayedNonce));
        }
        request.open.replace(open);
        Ok(request)
    }
}

/// The tenant of each device seen lately: a device never moves to another tenant, so its
/// lookup past row-level security is needed once, not per request. Unknown ids are not
/// kept, and the map is emptied when it reaches `DEVICE_TENANTS_MAX`.
#[derive(Default)]
pub struct DeviceTenants(std::sync::Mutex<std::collections::HashMap<String, crate::db::Located>>);

const DEVICE_TENANTS_MAX: usize = 10_000;

impl DeviceTenants {
    fn locate(&self, state: &AppState, device_id: &str) -> Result<Option<crate::db::Located>, AppError> {
        let known = || self.0.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(found) = known().get(device_id) {
            return Ok(Some(found.clone()));
        }
        let found = store::locate(&mut *state.db.conn()?, device_id)?;
        if let Some(found) = &found {
            let mut known = known();
            if known.len() >= DEVICE_TENANTS_MAX {
                known.clear();
            }
            known.insert(device_id.to_owned(), found.clone());
        }
        Ok(found)
    }
}

impl DeviceRequest {
    /// Audits a refusal of this known device (counted per reason and window) and answers it.
    fn refuse(&self, state: &AppState, code: ProblemCode) -> ApiError {
        let event = Event::new(Action::DeviceRequestRefused, "device", Some(&self.device.id))
            .outcome(Outcome::Denied)
            .detail("reason", code.as_str())
            .detail("path", self.path.as_str());
        match state.limits.refusals.record(&state.db, Some(&self.scope), &self.audit, event) {
            Ok(()) => refused(code),
            Err(e) => e.into(),
        }
    }

    /// The request's write transaction: its nonce is remembered in the same transaction as
    /// the change, so a request costs one commit. A nonce seen before fails the
    /// transaction (`settle` answers it as a replay).
    pub fn write<T>(&self, state: &AppState, f: impl FnOnce(&mut TenantTx<'_>) -> Result<T, AppError>) -> Result<T, AppError> {
        let value = match self.open.take() {
            Some(open) => open.finish(f)?,
            None => state.db.tenant_tx(&self.scope, |tx| {
                if !store::remember_nonce(tx, &self.device.id, &self.nonce, self.audit.at.naive_utc())? {
                    return Err(AppError::rule(ProblemCode::ReplayedNonce, "this nonce was used before"));
                }
                f(tx)
            })?,
        };
        self.nonce_kept.set(true);
        Ok(value)
    }

    /// The answer to the request once its work is done. A nonce not yet remembered (the
    /// input was refused, the write failed, or the work wrote nothing) is remembered now;
    /// one seen before makes the answer a refused replay, whatever the work answered.
    pub fn settle<T>(&self, state: &AppState, answer: Result<T, ApiError>) -> Result<T, ApiError> {
        if self.nonce_kept.get() {
            return answer;
        }
        if let Some(open) = self.open.take() {
            // The work wrote nothing: the nonce, stored by the verification, commits alone.
            return open.finish(|_| Ok(())).map_err(ApiError::from).and(answer);
        }
        let now = self.audit.at.naive_utc();
        match state.db.tenant_tx(&self.scope, |tx| Ok(store::remember_nonce(tx, &self.device.id, &self.nonce, now)?)) {
            Ok(true) => answer,
            Ok(false) => Err(self.refuse(state, ProblemCode::ReplayedNonce)),
            // Two requests with one nonce at the same moment: the database's key refuses the second.
            Err(e) if e.is_constraint_violation() => Err(self.refuse(state, ProblemCode::ReplayedNonce)),
            Err(e) => Err(e.into()),
        }
    }
}
