//! The deletion certificate (TOM DEL-3): what was deleted, when, and that the keys are
//! destroyed, signed by the platform (ECDSA P-256, the key of `crypto::PlatformSigner`).
//!
//! File: one canonical JSON document (compact, keys as serde_json orders them) and a
//! newline: `{"certificate": {...}, "signature": {"algorithm", "key_id", "public_key",
//! "value"}}`. The signature covers the canonical `certificate` object; `verify` accepts
//! the file only byte for byte as written, so any edited byte fails. It needs no database:
//! the public key is in the file, and is checked against the platform's key (or one the
//! auditor was given) so a certificate signed by anyone else fails too.

use serde_json::{json, Value};

use crate::crypto::{canonical_json, verify_with_public_key, PlatformSigner};

pub const FORMAT: &str = "anwesend-deletion-certificate/1";
pub const ALGORITHM: &str = "ECDSA-P256-SHA256";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum CertificateError {
    #[error("not an anwesend deletion certificate: {0}")]
    Format(String),
    #[error("the file was changed after signing (it is not in its signed form)")]
    Changed,
    #[error("the signature does not match the content: the certificate was changed or not signed by its key")]
    BadSignature,
    #[error("signed by key {0}, which is not the platform's key")]
    UnknownKey(String),
}

/// What a valid certificate says, for the verify command's message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub tenant_id: String,
    pub tenant_name: String,
    pub deleted_at: String,
    pub keys_destroyed_at: String,
    pub records_deleted: i64,
    pub key_id: String,
}

/// Signs `certificate` and returns the file's text.
pub fn sign(certificate: Value, signer: &PlatformSigner) -> String {
    let signature = signer.sign(canonical_json(&certificate).as_bytes());
    let document = json!({
        "certificate": certificate,
        "signature": { "algorithm": ALGORITHM, "key_id": signer.key_id(), "public_key": signer.public_key_hex(), "value": signature },
    });
    format!("{}\n", canonical_json(&document))
}

/// Checks a certificate file. `expected_public_key` (hex): the platform's key; the
/// certificate must be signed by it. `None` checks only that the file is intact and
/// signed by the key it names (the caller then shows that key's id to compare).
pub fn verify(bytes: &[u8], expected_public_key: Option<&str>) -> Result<Verified, CertificateError> {
    let text = std::str::from_utf8(bytes).map_err(|_| CertificateError::Format("not UTF-8".into()))?;
    let body = text.strip_suffix('\n').ok_or(CertificateError::Changed)?;
    let document: Value = serde_json::from_str(body).map_err(|_| CertificateError::Changed)?;
    if canonical_json(&document) != body {
        return Err(CertificateError::Changed);
    }
    let (Some(certificate), Some(signature)) = (document.get("certificate"), document.get("signature")) else {
        return Err(CertificateError::Format("lacks certificate or signature".into()));
    };
    if document.as_object().map(|o| o.len()) != Some(2) {
        return Err(CertificateError::Format("holds more than certificate and signature".into()));
    }
    let field = |v: &Value, key: &str| {
        v.get(key).and_then(Value::as_str).map(str::to_owned).ok_or_else(|| CertificateError::Format(format!("lacks {key}")))
    };
    if field(certificate, "format")? != FORMAT || field(signature, "algorithm")? != ALGORITHM {
        return Err(CertificateError::Format("unknown format or algorithm".into()));
    }
    let public_key = field(signature, "public_key")?;
    let key_id = field(signature, "key_id")?;
    let value = field(signature, "value")?;
    // Lower-case hex only, so no byte of the file can change and still verify.
    if ![&public_key, &key_id, &value].iter().all(|h| h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))) {
        return Err(CertificateError::Changed);
    }
    let signed_by =
        verify_with_public_key(&public_key, canonical_json(certificate).as_bytes(), &value).map_err(|_| CertificateError::BadSignature)?;
    if signed_by != key_id {
        return Err(CertificateError::BadSignature);
    }
    if let Some(expected) = expected_public_key {
        if !expected.trim().eq_ignore_ascii_case(&public_key) {
            return Err(CertificateError::UnknownKey(key_id));
        }
    }
    let tenant = certificate.get("tenant").cloned().unwrap_or_default();
    Ok(Verified {
        tenant_id: field(&tenant, "id")?,
        tenant_name: field(&tenant, "name")?,
        deleted_at: field(certificate, "deleted_at")?,
        keys_destroyed_at: field(certificate, "keys_destroyed_at")?,
        records_deleted: certificate.get("records_deleted").and_then(Value::as_i64).unwrap_or_default(),
        key_id,
    })
}
