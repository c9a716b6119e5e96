//! Platform signatures (ECDSA P-256, SHA-256) for exports and certificates that an
//! auditor can check later. The signing key is derived from the master key, so it needs
//! no storage and changes only with the master key.

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

    /// Signature over `message` (DER, base64-free raw r||s bytes, hex-encoded).
    pub fn sign(&self, message: &[u8]) -> String {
        let signature: Signature = self.key.sign(message);
        hex::encode(signature.to_bytes())
    }

    pub fn verify(&self, message: &[u8], signature_hex: &str) -> Result<(), CryptoError> {
        verify_with(self.key.verifying_key(), message, signature_hex)
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
