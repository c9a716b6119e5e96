//! The files an agent keeps beside its config: the device identity (written once at
//! enrolment), the queue, and the state `run` leaves for `status`. All mode 0600.

use std::io::Write;
use std::path::{Path, PathBuf};

use anwesend_protocol::DeviceConfig;
use serde::{Deserialize, Serialize};

/// The device identity, as enrolment stored it.
#[derive(Serialize, Deserialize, Clone)]
pub struct Identity {
    pub server: String,
    pub device_id: String,
    /// Hex; only this file and the server (encrypted) know it.
    pub secret: String,
    pub device_name: String,
    pub tenant_name: String,
}

/// What `run` last knew, for `status` and for a restart without the server.
#[derive(Serialize, Deserialize, Clone, Default)]
pub struct State {
    pub config: Option<DeviceConfig>,
    pub readers: Vec<String>,
    pub last_upload_at: Option<i64>,
    pub last_contact_at: Option<i64>,
    pub revoked: bool,
}

pub struct Paths {
    pub identity: PathBuf,
    pub queue: PathBuf,
    pub state: PathBuf,
}

impl Paths {
    /// `anwesend-agent.json` → `anwesend-agent.queue`, `anwesend-agent.state`.
    pub fn beside(identity: &Path) -> Paths {
        Paths { identity: identity.to_owned(), queue: identity.with_extension("queue"), state: identity.with_extension("state") }
    }
}

/// Only an `https://` server, or plain http on this machine with `insecure_dev`
/// (TOM TRANS-1: card ids travel only over TLS).
pub fn check_server_url(server: &str, insecure_dev: bool) -> Result<(), String> {
    let local = ["http://localhost:", "http://localhost/", "http://127.0.0.1:", "http://127.0.0.1/", "http://[::1]:"]
        .iter()
        .any(|p| server.starts_with(p))
        || server == "http://localhost";
    if server.starts_with("https://") || (insecure_dev && local) {
        Ok(())
    } else {
        Err("the server must be https:// (plain http only with --insecure-dev on localhost)".into())
    }
}

fn private_file(path: &Path, create_new: bool) -> std::io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true);
    if create_new {
        options.create_new(true);
    } else {
        options.create(true).truncate(true);
    }
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

pub fn write_identity(path: &Path, id: &Identity) -> Result<(), String> {
    let json = serde_json::to_string_pretty(id).map_err(|e| e.to_string())?;
    let mut file = private_file(path, true)
        .map_err(|e| format!("{}: {e} (an enrolled device keeps its file; remove it to enrol again)", path.display()))?;
    file.write_all(json.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| format!("{}: {e}", path.display()))
}

pub fn read_identity(path: &Path) -> Result<Identity, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}; enrol first with `anwesend-agent enroll`", path.display()))?;
    let id: Identity = serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))?;
    // An identity edited to plain http would send card ids in the clear.
    if id.server.starts_with("http://") && check_server_url(&id.server, true).is_err() {
        return Err(format!("{}: the server must be https://", path.display()));
    }
    Ok(id)
}

pub fn read_state(path: &Path) -> State {
    std::fs::read_to_string(path).ok().and_then(|t| serde_json::from_str(&t).ok()).unwrap_or_default()
}

/// Replaces the state file atomically (write beside it, then rename).
pub fn write_state(path: &Path, state: &State) -> std::io::Result<()> {
    let tmp = path.with_extension("state.tmp");
    let mut file = private_file(&tmp, false)?;
    file.write_all(&serde_json::to_vec_pretty(state).map_err(std::io::Error::other)?)?;
    file.sync_all()?;
    std::fs::rename(&tmp, path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trans_1_only_https_or_local_development_servers() {
        assert!(check_server_url("https://anwesend.example.org", false).is_ok());
        assert!(check_server_url("http://anwesend.example.org", false).is_err());
        assert!(check_server_url("http://anwesend.example.org", true).is_err());
        assert!(check_server_url("http://localhost:8080", false).is_err());
        assert!(check_server_url("http://localhost:8080", true).is_ok());
        assert!(check_server_url("http://127.0.0.1:8080", true).is_ok());
        // Not a way around the check.
        assert!(check_server_url("http://localhost.evil.example", true).is_err());
        assert!(check_server_url("http://127.0.0.1.evil.example", true).is_err());
    }

    #[test]
    fn identity_is_written_once_and_readable_only_by_its_owner() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("agent.json");
        let id = Identity {
            server: "https://a.example".into(),
            device_id: "d".into(),
            secret: "00".into(),
            device_name: "n".into(),
            tenant_name: "t".into(),
        };
        write_identity(&path, &id).expect("write");
        assert!(write_identity(&path, &id).is_err(), "an enrolled identity is not overwritten");
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
        assert_eq!(read_identity(&path).expect("read").device_id, "d");
    }
}
