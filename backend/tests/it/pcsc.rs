//! Test support for driving a real pcscd with the `vsmartcard-vpcd` virtual reader driver,
//! and one test proving it with a real PC/SC client.
//!
//! vpcd (loaded by pcscd through /etc/reader.conf.d/vpcd) listens on TCP 35963 (slot 0,
//! "Virtual PCD 00 00") and 35964 (slot 1, "Virtual PCD 00 01"). A virtual card is a TCP
//! client of that port: connecting inserts it, closing removes it. Both directions frame
//! messages as a 2-byte big-endian length and the payload. A 1-byte payload from vpcd is a
//! control code (00 power off, 01 power on, 02 reset, 04 get ATR: the card answers with
//! its ATR); anything longer is a command APDU, answered by a response APDU.
//!
//! There is one pcscd and one vpcd port pair per machine, so PC/SC tests run one at a time:
//! each holds a [`PcscLab`], which takes a process-wide lock and runs its own pcscd.
//! pcscd polls a reader about every 400 ms, so a card must stay inserted about a second to
//! be seen, and its removal is noticed within about as long.

use std::fs::OpenOptions;
use std::io::{Read, Write};
use std::net::{Shutdown, TcpStream};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::thread::{self, JoinHandle};
use std::time::{Duration, Instant};

const PCSCD: &str = "/usr/sbin/pcscd";
const VPCD_DRIVER: &str = "/usr/lib/pcsc/drivers/serial/libifdvpcd.so";
const VPCD_CONF: &str = "/etc/reader.conf.d/vpcd";
const SOCKET: &str = "/run/pcscd/pcscd.comm";
const PID_FILE: &str = "/run/pcscd/pcscd.pid";
/// vpcd's port for slot 0; slot n listens on `VPCD_PORT + n`.
const VPCD_PORT: u16 = 35963;
const VPCD_SLOTS: u16 = 2;
const SOCKET_TIMEOUT: Duration = Duration::from_secs(10);
const TERM_TIMEOUT: Duration = Duration::from_secs(5);
/// How long pcscd needs to notice a removal before the next insertion counts as a new tap.
const REMOVAL_SETTLE: Duration = Duration::from_millis(900);

/// The ATR a PC/SC contactless reader reports for a MIFARE Classic 1K (PC/SC part 3 storage card).
pub(crate) const ATR: [u8; 20] =
    [0x3B, 0x8F, 0x80, 0x01, 0x80, 0x4F, 0x0C, 0xA0, 0x00, 0x00, 0x03, 0x06, 0x03, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x6A];
/// The PC/SC Get-Data APDU for the card's UID.
pub(crate) const GET_UID: [u8; 5] = [0xFF, 0xCA, 0x00, 0x00, 0x00];

static PCSC_LOCK: Mutex<()> = Mutex::new(());

/// Holds the process-wide PC/SC lock and a pcscd this guard started; dropping it stops that
/// pcscd by PID.
pub(crate) struct PcscLab {
    child: Option<Child>,
    log_path: PathBuf,
    _dir: tempfile::TempDir,
    // Last, so it is released after the pcscd is stopped.
    _lock: MutexGuard<'static, ()>,
}

impl PcscLab {
    /// Takes the lock, starts `pcscd -f -a` with its output in a log file in a temp dir, and
    /// waits until its socket accepts connections.
    pub(crate) fn start() -> PcscLab {
        let lock = PCSC_LOCK.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        for (path, package) in [(PCSCD, "pcscd"), (VPCD_DRIVER, "vsmartcard-vpcd"), (VPCD_CONF, "vsmartcard-vpcd")] {
            assert!(Path::new(path).exists(), "{path} is missing: the PC/SC tests need `apt-get install {package}`");
        }
        let dir = tempfile::tempdir().expect("temp dir for the pcscd log");
        let log_path = dir.path().join("pcscd.log");
        // Constructed before pcscd starts, so that a failed start still stops it on unwinding.
        let mut lab = PcscLab { child: None, log_path, _dir: dir, _lock: lock };
        lab.start_pcscd();
        lab
    }

    /// Stops our pcscd (SIGTERM, then SIGKILL after 5 s), starts a new one, waits for the socket.
    pub(crate) fn restart_pcscd(&mut self) {
        self.stop_pcscd();
        self.start_pcscd();
    }

    /// Stops our pcscd and waits until it has exited; `start_pcscd` brings it back.
    pub(crate) fn stop_pcscd(&mut self) {
        let Some(mut child) = self.child.take() else { return };
        let pid = child.id();
        if child.try_wait().expect("poll pcscd").is_none() {
            // Without unsafe code there is no kill(2); the kill command sends SIGTERM.
            let _ = Command::new("kill").args(["-TERM", &pid.to_string()]).stderr(Stdio::null()).status();
            let deadline = Instant::now() + TERM_TIMEOUT;
            while child.try_wait().expect("poll pcscd").is_none() {
                if Instant::now() >= deadline {
                    let _ = child.kill(); // SIGKILL
                    break;
                }
                thread::sleep(Duration::from_millis(20));
            }
        }
        let status = child.wait().expect("wait for pcscd");
        self.note(&format!("pcscd (pid {pid}) stopped: {status}"));
        // A killed pcscd leaves its socket and PID file behind.
        if UnixStream::connect(SOCKET).is_err() {
            let _ = std::fs::remove_file(SOCKET);
            let _ = std::fs::remove_file(PID_FILE);
        }
    }

    /// Starts pcscd (after `stop_pcscd`) and waits until its socket accepts connections.
    pub(crate) fn start_pcscd(&mut self) {
        assert!(self.child.is_none(), "start_pcscd: this lab's pcscd is already running");
        if let Some(pid) = running_pcscd() {
            panic!(
                "a pcscd is already running (pid {pid}); the PC/SC tests start their own: stop it, e.g. \
                 systemctl stop pcscd.socket pcscd"
            );
        }
        if UnixStream::connect(SOCKET).is_ok() {
            panic!(
                "no pcscd is running, but something listens on {SOCKET} (systemd's pcscd.socket?); the PC/SC \
                 tests start their own pcscd: stop it, e.g. systemctl stop pcscd.socket pcscd"
            );
        }
        // Left by a pcscd that was killed: nothing listens on it.
        let _ = std::fs::remove_file(SOCKET);
        let _ = std::fs::remove_file(PID_FILE);
        for slot in 0..VPCD_SLOTS {
            let port = VPCD_PORT + slot;
            assert!(!tcp_port_listening(port), "TCP port {port} (vpcd slot {slot}) is already in use by another process");
        }

        self.note("starting pcscd -f -a -i");
        let log = OpenOptions::new().create(true).append(true).open(&self.log_path).expect("open the pcscd log");
        let started = Instant::now();
        let child = Command::new(PCSCD)
            .args(["-f", "-a", "-i"])
            .stdin(Stdio::null())
            .stdout(log.try_clone().expect("clone the pcscd log handle"))
            .stderr(log)
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {PCSCD}: {e}"));
        let pid = child.id();
        self.child = Some(child);
        let deadline = started + SOCKET_TIMEOUT;
        loop {
            if UnixStream::connect(SOCKET).is_ok() {
                break;
            }
            let exited = self.child.as_mut().expect("pcscd child").try_wait().expect("poll pcscd");
            if let Some(status) = exited {
                self.child = None;
                panic!("pcscd (pid {pid}) exited while starting: {status}\n--- pcscd log ---\n{}", self.log());
            }
            if Instant::now() >= deadline {
                panic!(
                    "pcscd (pid {pid}) did not accept connections on {SOCKET} within {SOCKET_TIMEOUT:?}\n\
                     --- pcscd log ---\n{}",
                    self.log()
                );
            }
            thread::sleep(Duration::from_millis(20));
        }
        self.note(&format!("pcscd (pid {pid}) accepts connections after {:?}", started.elapsed()));
    }

    /// The pcscd log so far, across restarts, with this harness's own notes.
    pub(crate) fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_else(|e| format!("(cannot read the pcscd log: {e})"))
    }

    fn note(&self, line: &str) {
        if let Ok(mut log) = OpenOptions::new().create(true).append(true).open(&self.log_path) {
            let _ = writeln!(log, "--- harness: {line}");
        }
    }
}

impl Drop for PcscLab {
    fn drop(&mut self) {
        self.stop_pcscd();
        if thread::panicking() {
            let log = self.log();
            let tail: Vec<&str> = log.lines().rev().take(120).collect();
            eprintln!("--- pcscd log, last {} lines ---", tail.len());
            for line in tail.iter().rev() {
                eprintln!("{line}");
            }
        }
    }
}

/// The PID of a running pcscd (not a zombie), found in /proc.
fn running_pcscd() -> Option<u32> {
    let entries = std::fs::read_dir("/proc").ok()?;
    entries.flatten().find_map(|entry| {
        let pid: u32 = entry.file_name().to_str()?.parse().ok()?;
        let stat = std::fs::read_to_string(entry.path().join("stat")).ok()?;
        // "PID (COMM) STATE ...": COMM may hold spaces and parentheses, so split at the last ')'.
        let (head, rest) = stat.rsplit_once(')')?;
        let comm = head.split_once('(')?.1;
        let state = rest.split_whitespace().next()?;
        (comm == "pcscd" && state != "Z" && state != "X").then_some(pid)
    })
}

/// Whether some socket listens on this TCP port (IPv4 or IPv6), from /proc/net.
fn tcp_port_listening(port: u16) -> bool {
    let local = format!(":{port:04X}");
    ["/proc/net/tcp", "/proc/net/tcp6"].iter().any(|table| {
        std::fs::read_to_string(table).is_ok_and(|text| {
            text.lines().skip(1).any(|line| {
                let fields: Vec<&str> = line.split_whitespace().collect();
                // fields[1] is the local address "ADDR:PORT", fields[3] the state; 0A is LISTEN.
                fields.len() > 3 && fields[1].ends_with(&local) && fields[3] == "0A"
            })
        })
    })
}

/// The PC/SC name of vpcd's slot 0 or 1 as pcscd reports it, e.g. "Virtual PCD 00 00".
pub(crate) fn reader_name(slot: u16) -> String {
    assert!(slot < VPCD_SLOTS, "vpcd has slots 0 and 1, not {slot}");
    format!("Virtual PCD 00 {slot:02X}")
}

#[derive(Default)]
struct CardLog {
    apdus: Vec<Vec<u8>>,
    uid_read: bool,
}

type SharedLog = Arc<(Mutex<CardLog>, Condvar)>;

fn lock_log(log: &SharedLog) -> MutexGuard<'_, CardLog> {
    log.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A contactless storage card in a vpcd slot, served by a background thread. It answers
/// `FF CA 00 00 00` with its UID and 90 00, the reader's own pseudo-APDUs (`FF 00 ..`, e.g.
/// LED and buzzer control) with 90 00, and anything else with 6A 81; it records every APDU.
pub(crate) struct VirtualCard {
    stream: TcpStream,
    log: SharedLog,
    server: Option<JoinHandle<()>>,
}

impl VirtualCard {
    /// Connects to vpcd's slot `slot` (port 35963 + slot), i.e. inserts the card. Retries the
    /// connect for up to 5 s.
    pub(crate) fn insert(slot: u16, uid: &[u8]) -> VirtualCard {
        assert!(slot < VPCD_SLOTS, "vpcd has slots 0 and 1, not {slot}");
        let port = VPCD_PORT + slot;
        let deadline = Instant::now() + Duration::from_secs(5);
        let stream = loop {
            match TcpStream::connect(("127.0.0.1", port)) {
                Ok(stream) => break stream,
                Err(e) if Instant::now() >= deadline => {
                    panic!("cannot insert a card into vpcd slot {slot} (127.0.0.1:{port}): {e}; is pcscd running?")
                }
                Err(_) => thread::sleep(Duration::from_millis(50)),
            }
        };
        stream.set_nodelay(true).expect("TCP_NODELAY on the virtual card's socket");
        let log: SharedLog = Arc::default();
        let server = {
            let stream = stream.try_clone().expect("clone the virtual card's socket");
            let (log, uid) = (Arc::clone(&log), uid.to_vec());
            thread::Builder::new()
                .name(format!("vpcd-card-{slot}"))
                .spawn(move || serve_card(stream, &uid, &log))
                .expect("spawn the virtual card thread")
        };
        VirtualCard { stream, log, server: Some(server) }
    }

    /// True once `FF CA 00 00 00` has been answered, waiting up to `timeout`.
    pub(crate) fn wait_for_read(&self, timeout: Duration) -> bool {
        let guard = lock_log(&self.log);
        let (guard, _) =
            self.log.1.wait_timeout_while(guard, timeout, |log| !log.uid_read).unwrap_or_else(|poisoned| poisoned.into_inner());
        guard.uid_read
    }

    /// Every APDU received so far.
    pub(crate) fn apdus(&self) -> Vec<Vec<u8>> {
        lock_log(&self.log).apdus.clone()
    }

    /// Closes the connection (card removed) and returns the APDUs received.
    pub(crate) fn remove(mut self) -> Vec<Vec<u8>> {
        self.close();
        self.apdus()
    }

    fn close(&mut self) {
        let _ = self.stream.shutdown(Shutdown::Both);
        if let Some(server) = self.server.take() {
            let _ = server.join();
        }
    }
}

impl Drop for VirtualCard {
    fn drop(&mut self) {
        self.close();
    }
}

/// Serves vpcd's requests until the connection closes (the card is removed or pcscd stopped).
fn serve_card(mut stream: TcpStream, uid: &[u8], log: &SharedLog) {
    let mut header = [0u8; 2];
    loop {
        if stream.read_exact(&mut header).is_err() {
            return;
        }
        let mut request = vec![0u8; usize::from(u16::from_be_bytes(header))];
        if stream.read_exact(&mut request).is_err() {
            return;
        }
        let reply = match request.as_slice() {
            [] => continue,
            [0x04] => ATR.to_vec(),
            [_] => continue, // power off, power on, reset: no answer
            apdu => {
                let (response, uid_read) = respond(apdu, uid);
                {
                    let mut guard = lock_log(log);
                    guard.apdus.push(apdu.to_vec());
                    guard.uid_read |= uid_read;
                }
                log.1.notify_all();
                response
            }
        };
        let len = u16::try_from(reply.len()).expect("reply fits a vpcd frame");
        let mut frame = len.to_be_bytes().to_vec();
        frame.extend_from_slice(&reply);
        if stream.write_all(&frame).is_err() {
            return;
        }
    }
}

/// The card's response to a command APDU, and whether it was the UID.
fn respond(apdu: &[u8], uid: &[u8]) -> (Vec<u8>, bool) {
    match apdu {
        // Get Data, P1 00: the UID. Le 00 (or none) asks for all of it.
        [0xFF, 0xCA, 0x00, 0x00, rest @ ..] if rest.len() <= 1 => {
            let le = rest.first().copied().map_or(0, usize::from);
            if le == 0 || le >= uid.len() {
                let mut response = uid.to_vec();
                response.extend_from_slice(&[0x90, 0x00]);
                (response, true)
            } else {
                (vec![0x6C, u8::try_from(uid.len()).expect("UID length fits a byte")], false)
            }
        }
        [0xFF, 0x00, ..] => (vec![0x90, 0x00], false),
        _ => (vec![0x6A, 0x81], false),
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02X}")).collect::<Vec<_>>().join(" ")
}

/// One tap as a person makes it: inserts the card, waits until its UID was read (panics after
/// 15 s), keeps it inserted at least 1 s in all, removes it, and waits until pcscd reports the
/// slot empty before the next tap. Returns the APDUs the card received.
pub(crate) fn tap(slot: u16, uid: &[u8]) -> Vec<Vec<u8>> {
    let inserted = Instant::now();
    let card = VirtualCard::insert(slot, uid);
    if !card.wait_for_read(Duration::from_secs(15)) {
        let apdus: Vec<String> = card.apdus().iter().map(|apdu| hex(apdu)).collect();
        let state = slot_state(slot);
        drop(card);
        thread::sleep(REMOVAL_SETTLE);
        panic!(
            "tap on vpcd slot {slot} ({}): the card with UID {} was not read within 15 s; APDUs received: {apdus:?}; \
             pcscd reports the slot as {state}",
            reader_name(slot),
            hex(uid)
        );
    }
    let held = inserted.elapsed();
    if held < Duration::from_secs(1) {
        thread::sleep(Duration::from_secs(1) - held);
    }
    let apdus = card.remove();
    wait_until_empty(slot);
    apdus
}

/// The slot's state as pcscd reports it now (for failure messages).
fn slot_state(slot: u16) -> String {
    use ::pcsc::{Context, ReaderState, Scope, State};
    let Ok(context) = Context::establish(Scope::User) else { return "unknown (no PC/SC context)".into() };
    let Ok(name) = std::ffi::CString::new(reader_name(slot)) else { return "unknown".into() };
    let mut states = [ReaderState::new(name, State::UNAWARE)];
    match context.get_status_change(Duration::from_millis(500), &mut states) {
        Ok(()) => format!("{:?}, event count {}", states[0].event_state(), states[0].event_count()),
        Err(e) => format!("unknown ({e})"),
    }
}

/// Waits until pcscd reports the slot empty (under load its 400 ms poll can lag), so the
/// next insertion is a new card for every PC/SC client.
fn wait_until_empty(slot: u16) {
    use ::pcsc::{Context, ReaderState, Scope, State};
    thread::sleep(Duration::from_millis(100));
    let context = Context::establish(Scope::User).expect("a PC/SC context to watch the slot");
    let name = std::ffi::CString::new(reader_name(slot)).expect("reader name");
    let mut states = [ReaderState::new(name, State::UNAWARE)];
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let _ = context.get_status_change(Duration::from_millis(500), &mut states);
        if states[0].event_state().contains(State::EMPTY) {
            return;
        }
        assert!(Instant::now() < deadline, "pcscd did not notice that the card left slot {slot}");
        states[0].sync_current_state();
    }
}

/// Inserts the card, holds it for `hold` whether or not it is read, removes it, and waits
/// until pcscd reports the slot empty.
pub(crate) fn insert_briefly(slot: u16, uid: &[u8], hold: Duration) {
    let card = VirtualCard::insert(slot, uid);
    thread::sleep(hold);
    card.remove();
    wait_until_empty(slot);
}

#[cfg(test)]
mod tests {
    use std::ffi::CString;

    use ::pcsc::{Context, Disposition, Protocols, ReaderState, Scope, ShareMode, State};

    use super::*;

    const UID: [u8; 7] = [0x04, 0xA1, 0xB2, 0xC3, 0xD4, 0xE5, 0xF6];

    /// Waits until pcscd reports a card in `reader`, connects, and reads the UID with Get Data.
    fn read_uid(ctx: &Context, reader: &str, lab: &PcscLab) -> Vec<u8> {
        let name = CString::new(reader).expect("reader name");
        let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            ctx.get_status_change(Duration::from_millis(500), &mut states)
                .or_else(|e| if e == ::pcsc::Error::Timeout { Ok(()) } else { Err(e) })
                .unwrap_or_else(|e| panic!("SCardGetStatusChange({reader}): {e}\n{}", lab.log()));
            if states[0].event_state().contains(State::PRESENT) {
                break;
            }
            assert!(Instant::now() < deadline, "no card in {reader} within 5 s\n{}", lab.log());
            states[0].sync_current_state();
        }
        let card =
            ctx.connect(&name, ShareMode::Shared, Protocols::ANY).unwrap_or_else(|e| panic!("SCardConnect({reader}): {e}\n{}", lab.log()));
        let status = card.status2_owned().expect("SCardStatus");
        assert_eq!(status.atr(), ATR, "pcscd reports the card's ATR");
        let mut buf = [0u8; 258];
        let response = card
            .transmit(&GET_UID, &mut buf)
            .unwrap_or_else(|e| panic!("SCardTransmit(FF CA 00 00 00) to {reader}: {e}\n{}", lab.log()))
            .to_vec();
        card.disconnect(Disposition::LeaveCard).map_err(|(_, e)| e).expect("SCardDisconnect");
        response
    }

    fn uid_response() -> Vec<u8> {
        let mut expected = UID.to_vec();
        expected.extend_from_slice(&[0x90, 0x00]);
        expected
    }

    #[test]
    fn pcsc_lab_reads_a_virtual_card_uid_over_pcsc() {
        let started = Instant::now();
        let mut lab = PcscLab::start();
        eprintln!("pcscd up after {:?}", started.elapsed());

        let ctx = Context::establish(Scope::User).expect("SCardEstablishContext");
        let readers: Vec<String> =
            ctx.list_readers_owned().expect("SCardListReaders").into_iter().map(|name| name.to_string_lossy().into_owned()).collect();
        eprintln!("readers: {readers:?}");
        for slot in 0..2 {
            assert!(readers.contains(&reader_name(slot)), "{} not in {readers:?}\n{}", reader_name(slot), lab.log());
        }

        let inserted = Instant::now();
        let card = VirtualCard::insert(0, &UID);
        assert_eq!(read_uid(&ctx, &reader_name(0), &lab), uid_response(), "\n{}", lab.log());
        assert!(card.wait_for_read(Duration::from_secs(1)), "the card saw the read");
        eprintln!("slot 0 read after {:?}", inserted.elapsed());
        let apdus = card.remove();
        assert_eq!(apdus, vec![GET_UID.to_vec()], "the card's APDUs");
        drop(ctx);

        // A restarted pcscd serves the readers again; a new context reads slot 1.
        let restarted = Instant::now();
        lab.restart_pcscd();
        eprintln!("pcscd restarted in {:?}", restarted.elapsed());
        let ctx = Context::establish(Scope::User).expect("SCardEstablishContext after the restart");
        let card = VirtualCard::insert(1, &UID);
        assert_eq!(read_uid(&ctx, &reader_name(1), &lab), uid_response(), "\n{}", lab.log());
        card.remove();

        // tap() and insert_briefly() against a reader that waits for cards like an agent does.
        let reader = {
            let ctx = Context::establish(Scope::User).expect("SCardEstablishContext for the reader thread");
            thread::spawn(move || {
                let name = CString::new(reader_name(0)).expect("reader name");
                let mut states = [ReaderState::new(name.clone(), State::UNAWARE)];
                let mut reads = 0;
                while reads < 1 {
                    match ctx.get_status_change(Duration::from_secs(10), &mut states) {
                        Ok(()) => {}
                        Err(::pcsc::Error::Timeout) => break,
                        Err(e) => panic!("SCardGetStatusChange: {e}"),
                    }
                    let now = states[0].event_state();
                    let was = states[0].current_state();
                    states[0].sync_current_state();
                    if now.contains(State::PRESENT) && !was.contains(State::PRESENT) {
                        let card = ctx.connect(&name, ShareMode::Shared, Protocols::ANY).expect("SCardConnect");
                        let mut buf = [0u8; 258];
                        let response = card.transmit(&GET_UID, &mut buf).expect("SCardTransmit").to_vec();
                        assert_eq!(response, uid_response());
                        let _ = card.transmit(&[0xFF, 0x00, 0x40, 0x00, 0x04, 0x01, 0x00, 0x01, 0x01], &mut buf);
                        reads += 1;
                    }
                }
            })
        };
        let tapped = Instant::now();
        let apdus = tap(0, &UID);
        eprintln!("tap took {:?}: {:?}", tapped.elapsed(), apdus.iter().map(|a| hex(a)).collect::<Vec<_>>());
        assert_eq!(apdus[0], GET_UID.to_vec());
        reader.join().expect("reader thread");
        let brief = Instant::now();
        insert_briefly(1, &UID, Duration::from_millis(100));
        eprintln!("insert_briefly(100 ms) took {:?}", brief.elapsed());

        // stop_pcscd leaves no service; start_pcscd brings it back.
        lab.stop_pcscd();
        assert!(running_pcscd().is_none(), "pcscd stopped");
        lab.start_pcscd();
        let ctx = Context::establish(Scope::User).expect("SCardEstablishContext after start_pcscd");
        let card = VirtualCard::insert(0, &UID);
        assert_eq!(read_uid(&ctx, &reader_name(0), &lab), uid_response(), "\n{}", lab.log());
        card.remove();
        eprintln!("--- pcscd log ---\n{}", lab.log());
    }
}
