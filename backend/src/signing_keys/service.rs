//! Recording and publishing the platform's verification keys.

use super::model::{KeyRow, VerificationKey, VerificationKeys, ALGORITHM};
use super::store;
use crate::audit::{self, AuditContext, Event};
use crate::crypto::{PlatformSigner, PublicKey};
use crate::db::Db;
use crate::error::AppError;
use crate::state::AppState;

/// Lists the signing key of `signer` as the current one (at start of the server and of
/// operator commands): a key not yet listed closes the open one and is added; a listed,
/// closed key (the master key was changed back) is opened again. Audited on the platform
/// chain when anything changed. Returns whether it did.
pub fn record_current(db: &Db, signer: &PlatformSigner, ctx: &AuditContext) -> Result<bool, AppError> {
    let key_id = signer.key_id().to_owned();
    let outcome = db.platform_tx(|tx| {
        let at = ctx.at.naive_utc();
        let detail = match store::find(tx, &key_id)? {
            Some(row) if row.valid_until.is_none() => return Ok(false),
            Some(_) => {
                store::close_open(tx, at)?;
                store::reopen(tx, &key_id)?;
                "reopened"
            }
            None => {
                let closed = store::close_open(tx, at)?;
                store::insert(
                    tx,
                    &KeyRow {
                        key_id: key_id.clone(),
                        algorithm: ALGORITHM.into(),
                        public_key: signer.public_key_hex(),
                        valid_from: at,
                        valid_until: None,
                    },
                )?;
                if closed > 0 {
                    "rotated"
                } else {
                    "first"
                }
            }
        };
        audit::record(tx, ctx, Event::new(audit::Action::SigningKeyRecorded, "signing_key", Some(&key_id)).detail("change", detail))?;
        Ok(true)
    });
    match outcome {
        // Another node or command recorded it at the same moment (a unique violation).
        Err(e) if is_recorded(db, &key_id)? => {
            tracing::debug!(error = %e, "signing key recorded concurrently");
            Ok(false)
        }
        other => other,
    }
}

fn is_recorded(db: &Db, key_id: &str) -> Result<bool, AppError> {
    let mut conn = db.conn()?;
    Ok(store::find(&mut conn, key_id)?.is_some())
}

/// Every verification key the platform has used, newest first, the current one marked.
/// A state built without the start-up step (in-process tests) records its key here first.
pub fn list(state: &AppState) -> Result<VerificationKeys, AppError> {
    let signer = PlatformSigner::from_master(&state.master)?;
    let mut rows = {
        let mut conn = state.db.conn()?;
        store::all(&mut conn)?
    };
    if !rows.iter().any(|r| r.key_id == signer.key_id() && r.valid_until.is_none()) {
        record_current(&state.db, &signer, &AuditContext::system(state.clock.now()))?;
        let mut conn = state.db.conn()?;
        rows = store::all(&mut conn)?;
    }
    let keys = rows
        .into_iter()
        .map(|row| {
            let key =
                PublicKey::from_hex(&row.public_key).map_err(|_| AppError::Internal(format!("stored key {} unreadable", row.key_id)))?;
            Ok(VerificationKey {
                current: row.key_id == signer.key_id(),
                public_key_pem: key.to_pem(),
                public_key_hex: row.public_key,
                key_id: row.key_id,
                algorithm: row.algorithm,
                valid_from: row.valid_from,
                valid_until: row.valid_until,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(VerificationKeys { keys })
}

/// Reads the public keys of a `GET /api/v1/platform/keys` answer (as an auditor saved it).
pub fn keys_of_document(text: &str) -> Option<Vec<PublicKey>> {
    let doc: serde_json::Value = serde_json::from_str(text).ok()?;
    doc.get("keys")?
        .as_array()?
        .iter()
        .map(|k| k.get("public_key_hex").and_then(|h| h.as_str()).and_then(|h| PublicKey::from_hex(h).ok()))
        .collect()
}

/// The public keys of every listed signing key (for the platform's own checks).
pub fn list_keys(db: &Db) -> Result<Vec<PublicKey>, AppError> {
    let mut conn = db.conn()?;
    store::all(&mut conn)?
        .iter()
        .map(|r| PublicKey::from_hex(&r.public_key).map_err(|_| AppError::Internal(format!("stored key {} unreadable", r.key_id))))
        .collect()
}
