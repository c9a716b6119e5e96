//! The erasure ledger: one line per erased person (tenant id, participant id, time; no
//! personal data) in a file beside the database, not in it. Restoring an older copy of
//! the database therefore cannot undo an erasure: `service::reapply_ledger` erases again
//! whoever the copy brought back (SDM M60.S10). A line is appended and fsynced before the
//! erasure commits: a crash in between erases once more on the next start, never less.

use std::io::{self, BufRead, Write};
use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};

use crate::config::Config;

#[derive(Serialize, Deserialize, Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    pub tenant_id: String,
    pub participant_id: String,
    pub erased_at: NaiveDateTime,
}

pub fn path(config: &Config) -> PathBuf {
    config.data_dir.join("erasure-ledger.jsonl")
}

pub fn append(path: &Path, entry: &Entry) -> io::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir)?;
    }
    let mut options = std::fs::OpenOptions::new();
    options.append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path)?;
    let mut line = serde_json::to_vec(entry).map_err(io::Error::other)?;
    line.push(b'\n');
    file.write_all(&line)?;
    file.sync_data()
}

/// Every entry; a missing file is an empty ledger, a line cut short by a crash is skipped.
pub fn read(path: &Path) -> io::Result<Vec<Entry>> {
    let file = match std::fs::File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(e),
    };
    let mut entries = Vec::new();
    for line in io::BufReader::new(file).lines() {
        if let Ok(entry) = serde_json::from_str(&line?) {
            entries.push(entry);
        }
    }
    Ok(entries)
}
