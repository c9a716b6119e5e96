//! Platform signatures (ECDSA P-256, SHA-256) for exports and certificates that an
//! auditor can check later. The signing key is derived from the master key, so it needs
//! no storage and changes only with the master key. Its public half (`PublicKey`) is all
//! a check needs: hex (uncompressed SEC1) or PEM (SubjectPublicKeyInfo, what `openssl`
//! reads), and `KnownKeys` finds the key a document names by its id, so a checker can
//! hold the platform's own key, one public key or the published list of old and new keys.

use p256::ecdsa::signature::{Signer, Verifier};
use p256::ecdsa::{Signature, SigningKey, VerifyingKey};

use super::{CryptoError, MasterKey};

pub struct PlatformSigner {
    key: SigningKey,
    key_id: String,
}

impl PlatformSigner {
    pub fn from_master(master: &MasterKey) -> Result<Self, CryptoError> {
        // An HMAC output is a valid P-256 scalar with overwhelming probability; a counter
        // covers the rest.
        for counter in 0u32..16 {
            let seed = master.derive(&format!("platform-signing-key/{counter}"));
            if let Ok(key) = SigningKey::from_slice(seed.as_ref()) {
                let key_id = key_id(key.verifying_key());
                return Ok(Self { key, key_id });
            }
        }
        Err(CryptoError::BadKey("cannot derive a signing key".into()))
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Uncompressed SEC1 public key, hex: what an auditor needs to check signatures.
    pub fn public_key_hex(&self) -> String {
        hex::encode(self.key.verifying_key().to_encoded_point(false).as_bytes())
    }

    pub fn public_key(&self) -> PublicKey {
        PublicKey { key: *self.key.verifying_key(), key_id: self.key_id.clone() }
    }

    /// Signature over `message` (DER, base64-free raw r||s bytes, hex-encoded).
    pub fn sign(&self, message: &[u8]) -> String {
        let signature: Signature = self.key.sign(message);
        hex::encode(signature.to_bytes())
    }

    pub fn verify(&self, message: &[u8], signature_hex: &str) -> Result<(), CryptoError> {
        verify_with(self.key.verifying_key(), message, signature_hex)
    }
}

/// A platform verification key (public), with its id: the first 8 bytes of SHA-256 over
/// the uncompressed point, hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    key_id: String,
}

/// DER prefix of a P-256 SubjectPublicKeyInfo with an uncompressed point (RFC 5480):
/// SEQUENCE { SEQUENCE { id-ecPublicKey, prime256v1 }, BIT STRING (65 bytes) }.
const SPKI_PREFIX: [u8; 26] = [
    0x30, 0x59, 0x30, 0x13, 0x06, 0x07, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x02, 0x01, 0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x03, 0x01,
    0x07, 0x03, 0x42, 0x00,
];
const PEM_BEGIN: &str = "-----BEGIN PUBLIC KEY-----";
const PEM_END: &str = "-----END PUBLIC KEY-----";

impl PublicKey {
    /// From hex of the uncompressed (or compressed) SEC1 point.
    pub fn from_hex(text: &str) -> Result<Self, CryptoError> {
        let bytes = hex::decode(text.trim()).map_err(|_| CryptoError::Format)?;
        Self::from_sec1(&bytes)
    }

    fn from_sec1(bytes: &[u8]) -> Result<Self, CryptoError> {
        let key = VerifyingKey::from_sec1_bytes(bytes).map_err(|_| CryptoError::Format)?;
        Ok(Self { key_id: key_id(&key), key })
    }

    /// From a PEM `PUBLIC KEY` block (a P-256 SubjectPublicKeyInfo).
    pub fn from_pem(text: &str) -> Result<Self, CryptoError> {
        use base64::Engine;
        let body = text.trim().strip_prefix(PEM_BEGIN).and_then(|t| t.trim_end().strip_suffix(PEM_END)).ok_or(CryptoError::Format)?;
        let joined: String = body.split_whitespace().collect();
        let der = base64::engine::general_purpose::STANDARD.decode(joined).map_err(|_| CryptoError::Format)?;
        let point = der.strip_prefix(&SPKI_PREFIX[..]).filter(|p| p.len() == 65).ok_or(CryptoError::Format)?;
        Self::from_sec1(point)
    }

    /// PEM or hex, whichever `text` is.
    pub fn parse(text: &str) -> Result<Self, CryptoError> {
        if text.trim_start().starts_with("-----BEGIN") {
            Self::from_pem(text)
        } else {
            Self::from_hex(text)
        }
    }

    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// Uncompressed SEC1 point, hex.
    pub fn to_hex(&self) -> String {
        hex::encode(self.key.to_encoded_point(false).as_bytes())
    }

    /// PEM `PUBLIC KEY` (SubjectPublicKeyInfo), as `openssl dgst -verify` takes it.
    pub fn to_pem(&self) -> String {
        use base64::Engine;
        let mut der = SPKI_PREFIX.to_vec();
        der.extend_from_slice(self.key.to_encoded_point(false).as_bytes());
        let b64 = base64::engine::general_purpose::STANDARD.encode(der);
        let mut out = format!("{PEM_BEGIN}\n");
        for line in b64.as_bytes().chunks(64) {
            out.push_str(std::str::from_utf8(line).unwrap_or_default());
            out.push('\n');
        }
        out.push_str(PEM_END);
        out.push('\n');
        out
    }

    pub fn verify(&self, message: &[u8], signature_hex: &str) -> Result<(), CryptoError> {
        verify_with(&self.key, message, signature_hex)
    }
}

/// Where a checker finds the key a signed document names by its id.
pub trait KnownKeys {
    fn find(&self, key_id: &str) -> Option<PublicKey>;
}

impl KnownKeys for PlatformSigner {
    fn find(&self, key_id: &str) -> Option<PublicKey> {
        (key_id == self.key_id).then(|| self.public_key())
    }
}

impl KnownKeys for PublicKey {
    fn find(&self, key_id: &str) -> Option<PublicKey> {
        (key_id == self.key_id).then(|| self.clone())
    }
}

impl KnownKeys for [PublicKey] {
    fn find(&self, key_id: &str) -> Option<PublicKey> {
        self.iter().find(|k| k.key_id == key_id).cloned()
    }
}

impl KnownKeys for Vec<PublicKey> {
    fn find(&self, key_id: &str) -> Option<PublicKey> {
        self.as_slice().find(key_id)
    }
}

fn key_id(key: &VerifyingKey) -> String {
    use sha2::Digest;
    hex::encode(&sha2::Sha256::digest(key.to_encoded_point(false).as_bytes())[..8])
}

pub fn verify_with(key: &VerifyingKey, message: &[u8], signature_hex: &str) -> Result<(), CryptoError> {
    let bytes = hex::decode(signature_hex).map_err(|_| CryptoError::Format)?;
    let signature = Signature::from_slice(&bytes).map_err(|_| CryptoError::Format)?;
    key.verify(message, &signature).map_err(|_| CryptoError::Decrypt)
}

/// Checks `signature_hex` over `message` with a public key given as hex (uncompressed
/// SEC1, as `PlatformSigner::public_key_hex` prints it), e.g. the one a deletion
/// certificate names. Returns that key's id.
pub fn verify_with_public_key(public_key_hex: &str, message: &[u8], signature_hex: &str) -> Result<String, CryptoError> {
    let bytes = hex::decode(public_key_hex).map_err(|_| CryptoError::Format)?;
    let key = VerifyingKey::from_sec1_bytes(&bytes).map_err(|_| CryptoError::Format)?;
    verify_with(&key, message, signature_hex)?;
    Ok(key_id(&key))
}
