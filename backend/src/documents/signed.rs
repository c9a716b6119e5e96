//! The signature of a document (issue 21): after the PDF's `%%EOF` a last line
//!
//! `%anwesend-document <base64 of {"document": <canonical JSON>, "signature": {…}}>`
//!
//! (PDF readers ignore what follows `%%EOF`). The signature (ECDSA P-256, SHA-256, the
//! platform key) covers `canonical JSON + "\n" + hex(SHA-256 of the PDF before the line)`,
//! so one changed byte anywhere fails: in the pages (hash), in the JSON (signature), in
//! the line itself (its canonical form). The verification code printed on the pages is
//! the start of the SHA-256 of the canonical JSON (a signature cannot print inside what it
//! signs); a check shows it again so a reader can compare it with the paper.

use base64::Engine;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

use crate::crypto::{canonical_json, KnownKeys, PlatformSigner, PublicKey};

pub const FORMAT: &str = "anwesend-document/1";
pub const ALGORITHM: &str = "ECDSA-P256-SHA256";
pub const MARKER: &[u8] = b"%anwesend-document ";

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum DocumentError {
    #[error("this is not a signed anwesend document ({0})")]
    NotADocument(String),
    #[error("the document was changed after signing ({0})")]
    Changed(&'static str),
    #[error("the document was not signed by the platform's key (it names key {0}, which is not among the keys to check with)")]
    UnknownKey(String),
}

/// What a valid document says.
#[derive(Debug, Clone, PartialEq)]
pub struct Verified {
    pub document: Value,
    pub key_id: String,
    /// The verification code printed on its pages.
    pub code: String,
}

/// The verification code of a document's content: the first 12 hex digits of the SHA-256
/// of its canonical JSON, in groups of four (`3F2A-09BC-77D1`).
pub fn code(canonical: &str) -> String {
    let digest = hex::encode_upper(Sha256::digest(canonical.as_bytes()));
    let head = digest.get(..12).unwrap_or_default();
    head.as_bytes().chunks(4).map(|c| String::from_utf8_lossy(c).into_owned()).collect::<Vec<_>>().join("-")
}

fn message(canonical: &str, body: &[u8]) -> Vec<u8> {
    format!("{canonical}\n{}", crate::crypto::sha256_hex(body)).into_bytes()
}

/// Appends the signature line to a finished PDF (`body`, ending in a newline).
pub fn seal(mut body: Vec<u8>, document: &Value, signer: &PlatformSigner) -> Vec<u8> {
    if !body.ends_with(b"\n") {
        body.push(b'\n');
    }
    let canonical = canonical_json(document);
    let value = signer.sign(&message(&canonical, &body));
    let block = json!({
        "document": document,
        "signature": { "algorithm": ALGORITHM, "key_id": signer.key_id(), "public_key": signer.public_key_hex(), "value": value },
    });
    body.extend_from_slice(MARKER);
    body.extend_from_slice(base64::engine::general_purpose::STANDARD.encode(canonical_json(&block)).as_bytes());
    body.push(b'\n');
    body
}

/// The signature line of a file: (the PDF before it, the decoded JSON text).
pub fn split(bytes: &[u8]) -> Result<(&[u8], String), DocumentError> {
    let line_start = bytes
        .windows(MARKER.len() + 1)
        .rposition(|w| w.first() == Some(&b'\n') && w.get(1..) == Some(MARKER))
        .map(|i| i + 1)
        .ok_or_else(|| DocumentError::NotADocument("it has no anwesend signature".into()))?;
    let (body, line) = bytes.split_at(line_start);
    let encoded = line
        .strip_prefix(MARKER)
        .and_then(|l| l.strip_suffix(b"\n"))
        .ok_or_else(|| DocumentError::NotADocument("its signature line is cut off".into()))?;
    if !encoded.iter().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=')) {
        return Err(DocumentError::Changed("its signature line is damaged"));
    }
    let decoded =
        base64::engine::general_purpose::STANDARD.decode(encoded).map_err(|_| DocumentError::Changed("its signature line is damaged"))?;
    // One spelling only: a changed padding bit must not pass.
    if base64::engine::general_purpose::STANDARD.encode(&decoded).as_bytes() != encoded {
        return Err(DocumentError::Changed("its signature line is damaged"));
    }
    let text = String::from_utf8(decoded).map_err(|_| DocumentError::Changed("its signature line is damaged"))?;
    Ok((body, text))
}

fn is_hex(s: &str) -> bool {
    !s.is_empty() && s.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
}

/// Checks a signed document against `keys` (the platform's signer, a public key, or the
/// published list of keys): intact, and signed by one of them.
pub fn verify<K: KnownKeys + ?Sized>(bytes: &[u8], keys: &K) -> Result<Verified, DocumentError> {
    let (body, text) = split(bytes)?;
    let block: Value = serde_json::from_str(&text).map_err(|_| DocumentError::Changed("its embedded content is not valid JSON"))?;
    if canonical_json(&block) != text {
        return Err(DocumentError::Changed("its embedded content is not in its signed form"));
    }
    let (Some(document), Some(signature)) = (block.get("document"), block.get("signature")) else {
        return Err(DocumentError::NotADocument("it lacks its content or signature".into()));
    };
    if block.as_object().map(|o| o.len()) != Some(2) {
        return Err(DocumentError::Changed("its embedded content holds more than content and signature"));
    }
    if document.get("format").and_then(Value::as_str) != Some(FORMAT) {
        return Err(DocumentError::NotADocument("unknown document format".into()));
    }
    let field = |key: &str| signature.get(key).and_then(Value::as_str).unwrap_or_default().to_owned();
    if field("algorithm") != ALGORITHM {
        return Err(DocumentError::NotADocument("unknown signature algorithm".into()));
    }
    let (key_id, public_key, value) = (field("key_id"), field("public_key"), field("value"));
    if ![&key_id, &public_key, &value].iter().all(|h| is_hex(h)) {
        return Err(DocumentError::Changed("its signature is damaged"));
    }
    let canonical = canonical_json(document);
    let message = message(&canonical, body);
    let Some(key) = keys.find(&key_id) else {
        return Err(DocumentError::UnknownKey(key_id));
    };
    if key.to_hex() != public_key {
        return Err(DocumentError::UnknownKey(key_id));
    }
    key.verify(&message, &value).map_err(|_| DocumentError::Changed("the signature does not match its pages and content"))?;
    Ok(Verified { document: document.clone(), key_id, code: code(&canonical) })
}

/// The public key a document names (to tell "not ours" from "changed" for a reader).
pub fn named_key(bytes: &[u8]) -> Option<PublicKey> {
    let (_, text) = split(bytes).ok()?;
    let block: Value = serde_json::from_str(&text).ok()?;
    PublicKey::from_hex(block.get("signature")?.get("public_key")?.as_str()?).ok()
}
