use std::io::Write;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use zeroize::Zeroizing;

use super::{context, hmac_sha256, open, random_key, seal, CryptoError, Key};
use crate::config::{Config, ConfigError};

/// Where the master key came from. A generated development key is refused in prod (SEP-4).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MasterKeyOrigin {
    GeneratedDev,
    Operator,
}

const DEV_MARKER: &str = "# origin: generated-dev";
const OPERATOR_MARKER: &str = "# origin: operator";

pub struct MasterKey {
    key: Key,
    id: String,
    origin: MasterKeyOrigin,
}

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn from_bytes(key: Key, origin: MasterKeyOrigin) -> Self {
        let id = hex::encode(&hmac_sha256(key.as_ref(), &[b"anwesend master key id"])[..8]);
        Self { key, id, origin }
    }

    /// A fresh random key, e.g. for tests.
    pub fn generate(origin: MasterKeyOrigin) -> Self {
        Self::from_bytes(random_key(), origin)
    }

    /// A short public fingerprint, stored next to everything this key wraps.
    pub fn id(&self) -> &str {
        &self.id
    }

    pub fn origin(&self) -> MasterKeyOrigin {
        self.origin
    }

    /// Loads the key the configuration names. In dev, a missing key file is generated
    /// (and marked as such); in prod a generated key is refused.
    pub fn load(config: &Config) -> Result<Self, ConfigError> {
        let key = if let Some(encoded) = &config.master_key {
            Self::from_bytes(decode_key(encoded).map_err(|m| ConfigError::new("master_key", m))?, MasterKeyOrigin::Operator)
        } else {
            let path = config.master_key_path();
            if !path.exists() && config.master_key_file.is_none() && !config.is_prod() {
                let key = Self::generate(MasterKeyOrigin::GeneratedDev);
                key.write_file(&path).map_err(|e| ConfigError::new("master_key_file", e))?;
                tracing::warn!(path = %path.display(), "generated a development master key");
                key
            } else {
                Self::read_file(&path).map_err(|m| ConfigError::new("master_key_file", m))?
            }
        };
        if config.is_prod() && key.origin == MasterKeyOrigin::GeneratedDev {
            return Err(ConfigError::new(
                "master_key_file",
                "is a generated development key; prod needs a key made with `anwesend keys generate-master`",
            ));
        }
        Ok(key)
    }

    pub fn read_file(path: &Path) -> Result<Self, String> {
        let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
        let text = Zeroizing::new(text);
        let origin = if text.lines().any(|l| l.trim() == DEV_MARKER) {
            MasterKeyOrigin::GeneratedDev
        } else {
            MasterKeyOrigin::Operator
        };
        let encoded: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("");
        let encoded = Zeroizing::new(encoded);
        Ok(Self::from_bytes(decode_key(encoded.trim())?, origin))
    }

    /// Writes the key with mode 0600; refuses to overwrite an existing file.
    pub fn write_file(&self, path: &Path) -> Result<(), String> {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(path).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let marker = match self.origin {
            MasterKeyOrigin::GeneratedDev => DEV_MARKER,
            MasterKeyOrigin::Operator => OPERATOR_MARKER,
        };
        let body = Zeroizing::new(format!(
            "# anwesend master key: keep it secret and back it up apart from the database.\n{marker}\n{}\n",
            STANDARD.encode(self.key.as_ref())
        ));
        file.write_all(body.as_bytes())
            .and_then(|()| file.sync_all())
            .map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Wraps a key for `owner` (tenant id or "platform") under this master key.
    pub fn wrap(&self, purpose: &str, owner: &str, key_id: &str, key: &[u8; 32]) -> Vec<u8> {
        seal(&self.key, &context("anwesend-wrap-v1", &[purpose, owner, key_id]), key)
    }

    pub fn unwrap(&self, purpose: &str, owner: &str, key_id: &str, wrapped: &[u8]) -> Result<Key, CryptoError> {
        let plain = open(&self.key, &context("anwesend-wrap-v1", &[purpose, owner, key_id]), wrapped)?;
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| CryptoError::Format)?;
        Ok(Zeroizing::new(bytes))
    }

    /// A platform-level key derived for one purpose (HMAC-SHA256 as KDF).
    pub fn derive(&self, label: &str) -> Key {
        Zeroizing::new(hmac_sha256(self.key.as_ref(), &[b"anwesend-derive-v1\0", label.as_bytes()]))
    }
}

fn decode_key(encoded: &str) -> Result<Key, String> {
    let bytes = Zeroizing::new(
        STANDARD.decode(encoded.trim()).map_err(|_| "is not valid base64".to_string())?,
    );
    let key: [u8; 32] = bytes.as_slice().try_into().map_err(|_| "must hold exactly 32 bytes".to_string())?;
    Ok(Zeroizing::new(key))
}

impl MasterKey {
    /// Keys for platform-level personal data (staff account emails), derived from the
    /// master key so they need no storage.
    pub fn platform_keys(&self) -> super::TenantKeys {
        super::TenantKeys::new("platform", "platform-v1", self.derive("platform.data"), self.derive("platform.index"))
    }
}
