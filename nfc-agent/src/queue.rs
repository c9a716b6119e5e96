//! The offline queue (TOM AVAIL-4): every tap is appended to a file and fsynced before
//! it is uploaded, and leaves the queue only when the server has answered it. The file
//! holds JSON lines, `{"add":{tap}}` and `{"done":"key"}`; it is emptied when nothing
//! waits. A line cut short by a crash is dropped on the next start.

use std::collections::VecDeque;
use std::fs::{File, OpenOptions};
use std::io::{self, BufRead, BufReader, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use anwesend_protocol::TapRequest;
use serde::{Deserialize, Serialize};

#[derive(Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum Line {
    Add(TapRequest),
    Done(String),
}

pub struct Queue {
    path: PathBuf,
    file: File,
    pending: VecDeque<TapRequest>,
}

/// Opens a file for appending, created readable by its owner only.
fn open_private(path: &Path) -> io::Result<File> {
    let mut options = OpenOptions::new();
    options.read(true).append(true).create(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    options.open(path)
}

/// The taps waiting in the file, in order; the length of its readable part; lines skipped.
fn replay(file: &File) -> io::Result<(VecDeque<TapRequest>, u64, usize)> {
    let mut pending = VecDeque::new();
    let (mut good, mut skipped) = (0u64, 0usize);
    let mut reader = BufReader::new(file);
    let mut line = String::new();
    loop {
        line.clear();
        let read = reader.read_line(&mut line)?;
        if read == 0 || !line.ends_with('\n') {
            break; // end, or a line a crash cut short
        }
        good += read as u64;
        match serde_json::from_str::<Line>(&line) {
            Ok(Line::Add(tap)) => pending.push_back(tap),
            Ok(Line::Done(key)) => pending.retain(|t| t.idempotency_key != key),
            Err(_) => skipped += 1,
        }
    }
    Ok((pending, good, skipped))
}

impl Queue {
    /// Opens (or creates) the queue at `path` and reads what still waits.
    pub fn open(path: &Path) -> io::Result<Queue> {
        let mut file = open_private(path)?;
        // A file created by hand keeps no wider rights than one the agent made.
        #[cfg(unix)]
        std::fs::set_permissions(path, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
        file.seek(SeekFrom::Start(0))?;
        let (pending, good, skipped) = replay(&file)?;
        if skipped > 0 {
            eprintln!("anwesend-agent: {skipped} unreadable line(s) in {} skipped", path.display());
        }
        if file.metadata()?.len() != good {
            file.set_len(good)?;
            file.sync_all()?;
        }
        Ok(Queue { path: path.to_owned(), file, pending })
    }

    /// Counts what waits in the queue file without taking it (for `status`).
    pub fn peek_len(path: &Path) -> io::Result<usize> {
        match File::open(path) {
            Ok(file) => Ok(replay(&file)?.0.len()),
            Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(0),
            Err(e) => Err(e),
        }
    }

    /// Refuses a second agent on the same queue.
    pub fn lock(&self) -> Result<(), String> {
        self.file.try_lock().map_err(|_| format!("another anwesend-agent is running with the queue {}", self.path.display()))
    }

    fn append(&mut self, line: &Line) -> io::Result<()> {
        let mut bytes = serde_json::to_vec(line).map_err(io::Error::other)?;
        bytes.push(b'\n');
        self.file.write_all(&bytes)?;
        self.file.sync_data()
    }

    /// Stores a tap durably; returns once it is on disk.
    pub fn push(&mut self, tap: TapRequest) -> io::Result<()> {
        self.append(&Line::Add(tap.clone()))?;
        self.pending.push_back(tap);
        Ok(())
    }

    /// The oldest waiting tap.
    pub fn front(&self) -> Option<&TapRequest> {
        self.pending.front()
    }

    /// Removes an answered tap; empties the file when nothing else waits.
    pub fn remove(&mut self, key: &str) -> io::Result<()> {
        self.append(&Line::Done(key.to_owned()))?;
        self.pending.retain(|t| t.idempotency_key != key);
        if self.pending.is_empty() {
            self.file.set_len(0)?;
            self.file.sync_all()?;
        }
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.pending.len()
    }

    pub fn is_empty(&self) -> bool {
        self.pending.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tap(n: u32) -> TapRequest {
        TapRequest {
            idempotency_key: format!("key-{n:04}"),
            card_id: format!("0401020304{n:04X}"),
            tapped_at: 1_700_000_000 + i64::from(n),
            reader: "R".into(),
            sun: None,
        }
    }

    fn keys(q: &Queue) -> Vec<String> {
        q.pending.iter().map(|t| t.idempotency_key.clone()).collect()
    }

    #[test]
    fn avail_4_queued_taps_survive_a_restart_in_order() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("agent.queue");
        let mut q = Queue::open(&path).expect("open");
        for n in 0..20 {
            q.push(tap(n)).expect("push");
        }
        q.remove("key-0000").expect("remove");
        drop(q);
        let q = Queue::open(&path).expect("reopen");
        assert_eq!(q.len(), 19);
        assert_eq!(keys(&q), (1..20).map(|n| format!("key-{n:04}")).collect::<Vec<_>>());
        assert_eq!(q.front().map(|t| t.card_id.as_str()), Some("04010203040001"));
    }

    #[test]
    fn avail_4_a_line_cut_short_by_a_crash_is_dropped_and_the_rest_kept() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("agent.queue");
        let mut q = Queue::open(&path).expect("open");
        q.push(tap(1)).expect("push");
        q.push(tap(2)).expect("push");
        drop(q);
        // The crash hit while the third tap was written.
        let mut f = OpenOptions::new().append(true).open(&path).expect("append");
        f.write_all(b"{\"add\":{\"idempotency_key\":\"key-0003\",\"card").expect("write");
        drop(f);
        let mut q = Queue::open(&path).expect("reopen");
        assert_eq!(keys(&q), ["key-0001", "key-0002"]);
        // New taps go after the good lines, not after the torn one.
        q.push(tap(4)).expect("push");
        drop(q);
        assert_eq!(keys(&Queue::open(&path).expect("reopen")), ["key-0001", "key-0002", "key-0004"]);
    }

    #[test]
    fn the_file_is_emptied_when_everything_is_answered_and_is_private() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("agent.queue");
        let mut q = Queue::open(&path).expect("open");
        q.push(tap(1)).expect("push");
        q.push(tap(2)).expect("push");
        q.remove("key-0002").expect("remove");
        assert_eq!(keys(&q), ["key-0001"]);
        assert!(std::fs::metadata(&path).expect("meta").len() > 0);
        q.remove("key-0001").expect("remove");
        assert!(q.is_empty());
        assert_eq!(std::fs::metadata(&path).expect("meta").len(), 0);
        assert_eq!(Queue::peek_len(&path).expect("peek"), 0);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(std::fs::metadata(&path).expect("meta").permissions().mode() & 0o777, 0o600);
        }
    }

    #[test]
    fn a_second_agent_cannot_take_the_same_queue() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("agent.queue");
        let first = Queue::open(&path).expect("open");
        first.lock().expect("first lock");
        let second = Queue::open(&path).expect("open");
        assert!(second.lock().is_err());
    }
}
