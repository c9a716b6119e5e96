use std::collections::HashMap;
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
    /// The tenant keyring: one secret per tenant in a directory beside the database, not
    /// in it. A tenant's keys are wrapped under the master key *and* its secret, so
    /// deleting the secret makes the wrapped keys in every database backup useless
    /// (crypto-shredding, TOM DEL-4). `None`: keys wrapped under the master key alone.
    keyring: Option<std::path::PathBuf>,
    /// Keys opened lately, by (purpose, owner, key id) with the wrapped bytes they came
    /// from: a request needs no keyring read and no unwrap while the stored key is the
    /// same. Kept `UNWRAPPED_FOR` at most, and dropped at once when the owner's secret is
    /// destroyed; a key whose row was destroyed never matches (its wrapped bytes are gone).
    unwrapped: std::sync::Mutex<HashMap<(String, String, String), Unwrapped>>,
}

struct Unwrapped {
    wrapped: Vec<u8>,
    key: Key,
    at: std::time::Instant,
}

/// How long an opened key is reused before the keyring is read again: another node may
/// have destroyed the secret (crypto-shredding), and this bounds how long this one still
/// opens rows restored from a backup.
const UNWRAPPED_FOR: std::time::Duration = std::time::Duration::from_secs(60);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MasterKey").field("id", &self.id).field("origin", &self.origin).finish_non_exhaustive()
    }
}

impl MasterKey {
    pub fn from_bytes(key: Key, origin: MasterKeyOrigin) -> Self {
        let id = hex::encode(&hmac_sha256(key.as_ref(), &[b"anwesend master key id"])[..8]);
        Self { key, id, origin, keyring: None, unwrapped: std::sync::Mutex::default() }
    }

    /// Uses `dir` as the tenant keyring (see the field).
    pub fn with_keyring(mut self, dir: impl Into<std::path::PathBuf>) -> Self {
        self.keyring = Some(dir.into());
        self
    }

    pub fn keyring(&self) -> Option<&Path> {
        self.keyring.as_deref()
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
        let key = key.with_keyring(keyring_dir(config));
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
        let origin = if text.lines().any(|l| l.trim() == DEV_MARKER) { MasterKeyOrigin::GeneratedDev } else { MasterKeyOrigin::Operator };
        let encoded: String = text.lines().filter(|l| !l.trim_start().starts_with('#')).collect::<Vec<_>>().join("");
        let encoded = Zeroizing::new(encoded);
        let key = Self::from_bytes(decode_key(encoded.trim())?, origin);
        // Beside the key file by default, as `data_dir/master.key` and `data_dir/keyring`.
        Ok(match path.parent() {
            Some(dir) => key.with_keyring(dir.join("keyring")),
            None => key,
        })
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
            STANDARD.encode(self.key.as_slice())
        ));
        file.write_all(body.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| format!("cannot write {}: {e}", path.display()))
    }

    /// Wraps a key for `owner` (tenant id or "platform") under this master key, and under
    /// the owner's keyring secret when it has one. Fails rather than fall back to the
    /// master key alone when the keyring cannot be read.
    pub fn wrap(&self, purpose: &str, owner: &str, key_id: &str, key: &[u8; 32]) -> Result<Vec<u8>, CryptoError> {
        let aad = context("anwesend-wrap-v1", &[purpose, owner, key_id]);
        Ok(match self.owner_secret(owner)? {
            Some(secret) => seal(&self.kek(owner, &secret), &aad, key),
            None => seal(&self.key, &aad, key),
        })
    }

    /// Opens a wrapped key: under the owner's keyring secret when the keyring holds one,
    /// else under the master key alone. A destroyed secret leaves nothing that opens it.
    pub fn unwrap(&self, purpose: &str, owner: &str, key_id: &str, wrapped: &[u8]) -> Result<Key, CryptoError> {
        let slot = (purpose.to_owned(), owner.to_owned(), key_id.to_owned());
        let cache = || self.unwrapped.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(hit) = cache().get(&slot).filter(|u| u.wrapped == wrapped && u.at.elapsed() < UNWRAPPED_FOR) {
            return Ok(hit.key.clone());
        }
        let key = self.open_wrapped(purpose, owner, key_id, wrapped)?;
        cache().insert(slot, Unwrapped { wrapped: wrapped.to_vec(), key: key.clone(), at: std::time::Instant::now() });
        Ok(key)
    }

    fn open_wrapped(&self, purpose: &str, owner: &str, key_id: &str, wrapped: &[u8]) -> Result<Key, CryptoError> {
        let aad = context("anwesend-wrap-v1", &[purpose, owner, key_id]);
        let plain = match self.owner_secret(owner)? {
            Some(secret) => open(&self.kek(owner, &secret), &aad, wrapped)?,
            None => open(&self.key, &aad, wrapped)?,
        };
        let bytes: [u8; 32] = plain.as_slice().try_into().map_err(|_| CryptoError::Format)?;
        Ok(Zeroizing::new(bytes))
    }

    /// A platform-level key derived for one purpose (HMAC-SHA256 as KDF).
    pub fn derive(&self, label: &str) -> Key {
        Zeroizing::new(hmac_sha256(self.key.as_ref(), &[b"anwesend-derive-v1\0", label.as_bytes()]))
    }
}

/// Where `load` keeps the tenant keyring: `data_dir/keyring`.
pub fn keyring_dir(config: &Config) -> std::path::PathBuf {
    config.data_dir.join("keyring")
}

impl MasterKey {
    /// The key-encryption key of an owner with a keyring secret.
    fn kek(&self, owner: &str, secret: &Key) -> Key {
        Zeroizing::new(hmac_sha256(self.key.as_ref(), &[b"anwesend-tenant-kek-v1\0", owner.as_bytes(), b"\0", secret.as_ref()]))
    }

    fn secret_path(&self, owner: &str) -> Result<Option<std::path::PathBuf>, CryptoError> {
        let Some(dir) = &self.keyring else { return Ok(None) };
        if owner.is_empty() || owner.len() > 64 || !owner.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(CryptoError::BadKey("keyring owner ids are 1–64 characters a–z, 0–9 and -".into()));
        }
        Ok(Some(dir.join(format!("{owner}.key"))))
    }

    fn owner_secret(&self, owner: &str) -> Result<Option<Key>, CryptoError> {
        if owner == "platform" {
            return Ok(None);
        }
        let Some(path) = self.secret_path(owner)? else { return Ok(None) };
        match std::fs::read_to_string(&path) {
            // Overwritten with zeros by a destruction that was cut short (the node died
            // before removing the file): the secret is gone.
            Ok(text) if text.bytes().all(|b| b == 0) => Ok(None),
            Ok(text) => decode_key(Zeroizing::new(text).trim()).map(Some).map_err(CryptoError::BadKey),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(CryptoError::BadKey(format!("cannot read the keyring: {e}"))),
        }
    }

    /// Whether the keyring holds a secret for `owner`.
    pub fn has_owner_secret(&self, owner: &str) -> Result<bool, CryptoError> {
        Ok(self.owner_secret(owner)?.is_some())
    }

    /// Creates `owner`'s keyring secret (mode 0600, fsynced) before its keys are wrapped.
    /// Without a keyring: nothing, and the keys are wrapped under the master key alone.
    pub fn create_owner_secret(&self, owner: &str) -> Result<bool, CryptoError> {
        let Some(path) = self.secret_path(owner)? else { return Ok(false) };
        let io = |e: std::io::Error| CryptoError::BadKey(format!("cannot write the keyring: {e}"));
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path).map_err(io)?;
        let body = Zeroizing::new(format!("{}\n", STANDARD.encode(random_key().as_slice())));
        file.write_all(body.as_bytes()).and_then(|()| file.sync_all()).map_err(io)?;
        sync_dir(path.parent());
        Ok(true)
    }

    /// Destroys `owner`'s keyring secret: overwritten with zeros, synced, removed. Every
    /// key wrapped under it, in the database and in every copy of it, is then useless
    /// (TOM DEL-4). Returns whether there was one.
    pub fn destroy_owner_secret(&self, owner: &str) -> Result<bool, CryptoError> {
        self.unwrapped.lock().unwrap_or_else(std::sync::PoisonError::into_inner).retain(|(_, o, _), _| o != owner);
        let Some(path) = self.secret_path(owner)? else { return Ok(false) };
        let io = |e: std::io::Error| CryptoError::BadKey(format!("cannot destroy the keyring secret: {e}"));
        let len = match std::fs::metadata(&path) {
            Ok(meta) => meta.len(),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
            Err(e) => return Err(io(e)),
        };
        let mut file = std::fs::OpenOptions::new().write(true).open(&path).map_err(io)?;
        file.write_all(&vec![0u8; usize::try_from(len).unwrap_or(64)]).and_then(|()| file.sync_all()).map_err(io)?;
        drop(file);
        std::fs::remove_file(&path).map_err(io)?;
        sync_dir(path.parent());
        Ok(true)
    }
}

fn sync_dir(dir: Option<&Path>) {
    if let Some(dir) = dir {
        if let Ok(d) = std::fs::File::open(dir) {
            let _ = d.sync_all();
        }
    }
}

fn decode_key(encoded: &str) -> Result<Key, String> {
    let bytes = Zeroizing::new(STANDARD.decode(encoded.trim()).map_err(|_| "is not valid base64".to_string())?);
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
