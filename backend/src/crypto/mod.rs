//! Keys and primitives (BSI TR-02102-1 approved only: AES-256-GCM, HMAC-SHA256, SHA-256).
//!
//! - `MasterKey`: the key-encryption key, from a file or the environment, never stored
//!   in the database. It wraps every other key.
//! - `TenantKeys`: a tenant's data key (field encryption) and index key (blind indexes),
//!   stored wrapped in `tenant_keys` (TOM PSEUDO-1); destroying them shreds the tenant's
//!   ciphertext in every backup (TOM DEL-4).
//! - `IpHasher`: rotating keys for client IP hashes (TOM INPUT-2).
//! - `sdm`: the AES-128 messages of NTAG 424 DNA secure cards (the card's own cipher).

mod field;
mod master;
pub mod sdm;
mod signing;

use aes_gcm::aead::{Aead, Payload};
use aes_gcm::{Aes256Gcm, KeyInit, Nonce};
use hmac::{Hmac, Mac};
use rand::RngCore;
use sha2::Sha256;
use zeroize::Zeroizing;

pub use field::{normalize_email, TenantKeys};
pub use master::{keyring_dir, MasterKey, MasterKeyOrigin};
pub use signing::{verify_with_public_key, KnownKeys, PlatformSigner, PublicKey};

pub use crate::error::CryptoError;

pub type Key = Zeroizing<[u8; 32]>;

const NONCE_LEN: usize = 12;

pub fn random_key() -> Key {
    let mut key = Zeroizing::new([0u8; 32]);
    rand::rngs::OsRng.fill_bytes(key.as_mut());
    key
}

/// `n` random bytes from the operating system.
pub fn random_bytes(n: usize) -> Vec<u8> {
    let mut out = vec![0u8; n];
    rand::rngs::OsRng.fill_bytes(&mut out);
    out
}

/// Associated data with length-prefixed parts, so ("ab","c") never equals ("a","bc").
pub(crate) fn context(label: &str, parts: &[&str]) -> Vec<u8> {
    let mut out = Vec::with_capacity(64);
    for part in std::iter::once(label).chain(parts.iter().copied()) {
        out.extend_from_slice(&(part.len() as u32).to_be_bytes());
        out.extend_from_slice(part.as_bytes());
    }
    out
}

/// AES-256-GCM with a random 96-bit nonce: `nonce || ciphertext || tag`.
pub(crate) fn seal(key: &[u8; 32], aad: &[u8], plaintext: &[u8]) -> Vec<u8> {
    let cipher = Aes256Gcm::new(key.into());
    let mut nonce = [0u8; NONCE_LEN];
    rand::rngs::OsRng.fill_bytes(&mut nonce);
    let sealed = cipher.encrypt(Nonce::from_slice(&nonce), Payload { msg: plaintext, aad }).unwrap_or_default(); // encryption fails only for > 64 GiB inputs
    let mut out = Vec::with_capacity(NONCE_LEN + sealed.len());
    out.extend_from_slice(&nonce);
    out.extend_from_slice(&sealed);
    out
}

pub(crate) fn open(key: &[u8; 32], aad: &[u8], sealed: &[u8]) -> Result<Zeroizing<Vec<u8>>, CryptoError> {
    if sealed.len() < NONCE_LEN + 16 {
        return Err(CryptoError::Format);
    }
    let (nonce, body) = sealed.split_at(NONCE_LEN);
    Aes256Gcm::new(key.into())
        .decrypt(Nonce::from_slice(nonce), Payload { msg: body, aad })
        .map(Zeroizing::new)
        .map_err(|_| CryptoError::Decrypt)
}

pub(crate) fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key length"));
    for part in parts {
        mac.update(part);
    }
    mac.finalize().into_bytes().into()
}

/// HMAC-SHA256 over the concatenated `parts` under `key` (webhook signatures).
pub fn hmac_sha256_parts(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    hmac_sha256(key, parts)
}

/// The canonical JSON of a value, the form every signed document here signs: compact (no
/// whitespace), object keys sorted (serde_json's map is ordered), numbers and strings as
/// serde_json writes them. Deletion certificates, audit exports, signed documents and the TOM report use it.
pub fn canonical_json(value: &serde_json::Value) -> String {
    value.to_string()
}

/// SHA-256 of `bytes`, lower-case hex: how signed files and manifests name their content.
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex::encode(Sha256::digest(bytes))
}

/// Constant-time equality for secrets and MACs.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// HMAC-SHA256 of `message` under `key`, hex-encoded.
pub fn hmac_hex(key: &[u8], message: &[u8]) -> String {
    hex::encode(hmac_sha256(key, &[message]))
}
