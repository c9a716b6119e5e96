//! Standard Webhooks signatures (<https://www.standardwebhooks.com>): HMAC-SHA256 over
//! `{webhook-id}.{webhook-timestamp}.{body}` with the secret's bytes (`whsec_` + base64),
//! sent as `v1,<base64>`; several space-separated while a rotated-out secret still holds.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use crate::error::AppError;

pub const SECRET_PREFIX: &str = "whsec_";

/// A new random secret: 32 bytes, `whsec_` + base64.
pub fn new_secret() -> String {
    format!("{SECRET_PREFIX}{}", STANDARD.encode(crate::crypto::random_bytes(32)))
}

fn secret_bytes(secret: &str) -> Result<Vec<u8>, AppError> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).unwrap_or(secret);
    STANDARD.decode(encoded).map_err(|_| AppError::Internal("a webhook secret is not base64".into()))
}

/// `v1,<base64 HMAC-SHA256(secret, id.timestamp.body)>`.
pub fn sign(secret: &str, msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, AppError> {
    let key = secret_bytes(secret)?;
    let ts = timestamp.to_string();
    let mac = crate::crypto::hmac_sha256_parts(&key, &[msg_id.as_bytes(), b".", ts.as_bytes(), b".", body]);
    Ok(format!("v1,{}", STANDARD.encode(mac)))
}

/// The `webhook-signature` header: one signature per secret, space-separated.
pub fn header(secrets: &[&str], msg_id: &str, timestamp: i64, body: &[u8]) -> Result<String, AppError> {
    let signatures = secrets.iter().map(|s| sign(s, msg_id, timestamp, body)).collect::<Result<Vec<_>, _>>()?;
    Ok(signatures.join(" "))
}

/// A message id: `msg_` + 22 random base62-ish characters (URL-safe base64 without padding).
pub fn new_message_id() -> String {
    use base64::engine::general_purpose::URL_SAFE_NO_PAD;
    format!("msg_{}", URL_SAFE_NO_PAD.encode(crate::crypto::random_bytes(16)))
}
