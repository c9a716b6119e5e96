//! Field encryption with associated data and blind indexes (TOM PSEUDO-1).

use zeroize::Zeroizing;

use super::{context, hmac_sha256, open, seal, CryptoError, Key};

const FORMAT_V1: u8 = 1;

/// One tenant's unwrapped keys, bound to that tenant: every ciphertext names the tenant,
/// table, column and row in its associated data, so a value copied to another row or
/// tenant does not decrypt.
pub struct TenantKeys {
    tenant_id: String,
    data_key_id: String,
    data_key: Key,
    index_key: Key,
}

impl std::fmt::Debug for TenantKeys {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TenantKeys").field("tenant_id", &self.tenant_id).finish_non_exhaustive()
    }
}

impl TenantKeys {
    pub fn new(tenant_id: &str, data_key_id: &str, data_key: Key, index_key: Key) -> Self {
        Self { tenant_id: tenant_id.into(), data_key_id: data_key_id.into(), data_key, index_key }
    }

    pub fn tenant_id(&self) -> &str {
        &self.tenant_id
    }

    /// `1 || len(key id) || key id || nonce || ciphertext || tag`; the key id allows rotation.
    pub fn encrypt(&self, table: &str, column: &str, row_id: &str, plaintext: &str) -> Vec<u8> {
        let aad = self.aad(table, column, row_id, &self.data_key_id);
        let sealed = seal(&self.data_key, &aad, plaintext.as_bytes());
        let mut out = Vec::with_capacity(2 + self.data_key_id.len() + sealed.len());
        out.push(FORMAT_V1);
        out.push(self.data_key_id.len() as u8);
        out.extend_from_slice(self.data_key_id.as_bytes());
        out.extend_from_slice(&sealed);
        out
    }

    pub fn decrypt(&self, table: &str, column: &str, row_id: &str, ciphertext: &[u8]) -> Result<Zeroizing<String>, CryptoError> {
        let (&version, rest) = ciphertext.split_first().ok_or(CryptoError::Format)?;
        let (&id_len, rest) = rest.split_first().ok_or(CryptoError::Format)?;
        if version != FORMAT_V1 || rest.len() < id_len as usize {
            return Err(CryptoError::Format);
        }
        let (key_id, sealed) = rest.split_at(id_len as usize);
        if key_id != self.data_key_id.as_bytes() {
            return Err(CryptoError::Decrypt);
        }
        let aad = self.aad(table, column, row_id, &self.data_key_id);
        let plain = open(&self.data_key, &aad, sealed)?;
        String::from_utf8(plain.to_vec()).map(Zeroizing::new).map_err(|_| CryptoError::Format)
    }

    /// HMAC-SHA256 under the tenant's index key of an already normalised value; equal
    /// inputs give equal outputs, so it can be looked up without decrypting anything.
    pub fn blind_index(&self, table: &str, column: &str, normalized: &str) -> Vec<u8> {
        hmac_sha256(self.index_key.as_ref(), &[&context("anwesend-index-v1", &[table, column]), normalized.as_bytes()]).to_vec()
    }

    fn aad(&self, table: &str, column: &str, row_id: &str, key_id: &str) -> Vec<u8> {
        context("anwesend-field-v1", &[&self.tenant_id, table, column, row_id, key_id])
    }
}

/// The form an email is indexed under: trimmed and lower-cased.
pub fn normalize_email(email: &str) -> String {
    email.trim().to_lowercase()
}
