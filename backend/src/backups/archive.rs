//! The backup file: age (X25519) around a plaintext of three parts, `MAGIC`, the manifest
//! as one JSON line, then the database to the end. Debian's `age -d -i KEY FILE` opens it
//! as well; `tail -n +3` of the plaintext is the database. The verify key lives in the
//! keyring directory (0600), never in the database or a backup.

use std::io::{self, BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;

use age::secrecy::ExposeSecret;
use age::x25519::{Identity, Recipient};
use chrono::NaiveDateTime;

use super::model::{Manifest, MAGIC};
use crate::config::Config;
use crate::error::AppError;

/// The verify key's private half, in the keyring directory beside the tenant secrets.
pub const VERIFY_KEY_FILE: &str = "backup-verify.agekey";

const NAME_PREFIX: &str = "anwesend-";
const NAME_SUFFIX: &str = ".backup.age";
const NAME_TIME: &str = "%Y%m%dT%H%M%SZ";

fn io_error(what: &str, path: &Path, e: io::Error) -> AppError {
    AppError::Internal(format!("{what} {}: {e}", path.display()))
}

/// `anwesend-20261204T030000Z.backup.age`: the time the backup was taken, in its name,
/// so pruning does not depend on file times that a copy changes.
pub fn file_name(at: NaiveDateTime) -> String {
    format!("{NAME_PREFIX}{}{NAME_SUFFIX}", at.format(NAME_TIME))
}

/// The time in a backup file's name; `None` for any other file.
pub fn taken_at(name: &str) -> Option<NaiveDateTime> {
    let stamp = name.strip_prefix(NAME_PREFIX)?.strip_suffix(NAME_SUFFIX)?;
    NaiveDateTime::parse_from_str(stamp, NAME_TIME).ok()
}

/// The backup files in `dir` with their times, oldest first.
pub fn list(dir: &Path) -> Result<Vec<(NaiveDateTime, PathBuf)>, AppError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(io_error("cannot read", dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| io_error("cannot read", dir, e))?.path();
        if let Some(at) = path.file_name().and_then(|n| n.to_str()).and_then(taken_at) {
            files.push((at, path));
        }
    }
    files.sort();
    Ok(files)
}

/// The verify key, made on first use (mode 0600, in the keyring directory). Another
/// process making it at the same moment wins; its key is read.
pub fn verify_identity(config: &Config) -> Result<Identity, AppError> {
    let path = crate::crypto::keyring_dir(config).join(VERIFY_KEY_FILE);
    if !path.exists() {
        let dir = crate::crypto::keyring_dir(config);
        std::fs::create_dir_all(&dir).map_err(|e| io_error("cannot create", &dir, e))?;
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        match options.open(&path) {
            Ok(mut file) => {
                let identity = Identity::generate();
                let body = format!(
                    "# anwesend backup verify key (age X25519): keep it secret; back it up apart from the backups\n# public key: {}\n{}\n",
                    identity.to_public(),
                    identity.to_string().expose_secret()
                );
                file.write_all(body.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| io_error("cannot write", &path, e))?;
                return Ok(identity);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => {}
            Err(e) => return Err(io_error("cannot create", &path, e)),
        }
    }
    read_identity(&path)
}

/// An age identity file (`AGE-SECRET-KEY-1…`, lines starting with `#` are comments), as
/// Debian's `age-keygen` writes it: the operator's recovery key or the verify key.
pub fn read_identity(path: &Path) -> Result<Identity, AppError> {
    let text = age::secrecy::SecretString::from(std::fs::read_to_string(path).map_err(|e| io_error("cannot read", path, e))?);
    let line = text
        .expose_secret()
        .lines()
        .map(str::trim)
        .find(|l| !l.is_empty() && !l.starts_with('#'))
        .ok_or_else(|| AppError::Config(format!("{} holds no age identity", path.display())))?;
    Identity::from_str(line).map_err(|_| AppError::Config(format!("{} is not an age X25519 identity (AGE-SECRET-KEY-1…)", path.display())))
}

/// Who can open a new backup: the verify key and every configured recovery key.
pub fn recipients(config: &Config, verify: &Identity) -> Result<Vec<Recipient>, AppError> {
    let mut all = vec![verify.to_public()];
    for text in &config.backups.recovery_recipients {
        all.push(
            Recipient::from_str(text).map_err(|_| AppError::Config("backups.recovery_recipients: not an age X25519 public key".into()))?,
        );
    }
    Ok(all)
}

/// A backup being written: encrypted on the way to a hidden partial file that becomes
/// the backup only when complete (`finish`); dropped unfinished, it is removed.
pub struct Writer {
    partial: PathBuf,
    path: PathBuf,
    stream: Option<age::stream::StreamWriter<io::BufWriter<std::fs::File>>>,
}

impl Writer {
    pub fn create(path: &Path, recipients: &[Recipient], manifest: &Manifest) -> Result<Self, AppError> {
        let dir = path.parent().ok_or_else(|| AppError::Internal("a backup path needs a directory".into()))?;
        let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
        if path.exists() {
            return Err(AppError::Conflict(format!("{} exists already", path.display())));
        }
        let partial = dir.join(format!(".{name}.partial"));
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let file = options.open(&partial).map_err(|e| io_error("cannot create", &partial, e))?;
        let mut writer = Self { partial, path: path.to_owned(), stream: None };
        let encryptor = age::Encryptor::with_recipients(recipients.iter().map(|r| r as &dyn age::Recipient))
            .map_err(|e| AppError::Internal(format!("backup encryption: {e}")))?;
        let stream = encryptor.wrap_output(io::BufWriter::new(file)).map_err(|e| io_error("cannot write", &writer.partial, e))?;
        writer.stream = Some(stream);
        let header = serde_json::to_string(manifest).map_err(|e| AppError::Internal(e.to_string()))?;
        writer.write_all(format!("{MAGIC}\n{header}\n").as_bytes()).map_err(|e| io_error("cannot write", &writer.path, e))?;
        Ok(writer)
    }

    /// Ends the encryption, syncs and moves the file into place; returns its size.
    pub fn finish(mut self) -> Result<u64, AppError> {
        let stream = self.stream.take().ok_or_else(|| AppError::Internal("backup writer used after finish".into()))?;
        let file = stream
            .finish()
            .and_then(|w| w.into_inner().map_err(io::IntoInnerError::into_error))
            .map_err(|e| io_error("cannot write", &self.partial, e))?;
        file.sync_all().map_err(|e| io_error("cannot sync", &self.partial, e))?;
        let size = file.metadata().map_err(|e| io_error("cannot stat", &self.partial, e))?.len();
        drop(file);
        std::fs::rename(&self.partial, &self.path).map_err(|e| io_error("cannot move into place", &self.path, e))?;
        if let Some(dir) = self.path.parent().and_then(|d| std::fs::File::open(d).ok()) {
            let _ = dir.sync_all();
        }
        Ok(size)
    }
}

impl Write for Writer {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.stream.as_mut().ok_or_else(|| io::Error::other("finished"))?.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.stream.as_mut().ok_or_else(|| io::Error::other("finished"))?.flush()
    }
}

impl Drop for Writer {
    fn drop(&mut self) {
        if self.stream.is_some() {
            let _ = std::fs::remove_file(&self.partial);
        }
    }
}

/// Opens a backup with `identity`: its manifest, and a reader of the database. Every
/// byte read is authenticated by age: a changed byte fails the read.
pub fn open(path: &Path, identity: &Identity) -> Result<(Manifest, impl BufRead), AppError> {
    let file = std::fs::File::open(path).map_err(|e| io_error("cannot open", path, e))?;
    let not_ours = |what: &str| AppError::Invalid { field: "backup", message: format!("{}: {what}", path.display()) };
    let decryptor = age::Decryptor::new_buffered(BufReader::new(file)).map_err(|e| not_ours(&format!("not an age file ({e})")))?;
    let reader = decryptor
        .decrypt(std::iter::once(identity as &dyn age::Identity))
        .map_err(|e| not_ours(&format!("cannot be opened with this key ({e})")))?;
    let mut reader = BufReader::new(reader);
    let mut line = String::new();
    reader.by_ref().take(64).read_line(&mut line).map_err(|e| not_ours(&format!("damaged ({e})")))?;
    if line.trim_end() != MAGIC {
        return Err(not_ours("not an anwesend backup"));
    }
    line.clear();
    reader.by_ref().take(16 * 1024 * 1024).read_line(&mut line).map_err(|e| not_ours(&format!("damaged ({e})")))?;
    let manifest: Manifest = serde_json::from_str(&line).map_err(|e| not_ours(&format!("unreadable manifest ({e})")))?;
    if manifest.format != 1 {
        return Err(not_ours(&format!("backup format {} is not known to this version", manifest.format)));
    }
    Ok((manifest, reader))
}
