//! `anwesend-agent run`: the reader loop on the main thread, and two workers: the
//! uploader, which sends queued taps in order, and the heartbeat, which reports the
//! readers and the queue and brings back the server's configuration (TOM DEV-1).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anwesend_protocol as protocol;

use crate::card::{answered, masked, uid_from_answer};
use crate::client::{disposition, problem_code, random_token, signed_post, unix_now, Disposition};
use crate::debounce::Debounce;
use crate::identity::{read_identity, read_state, write_state, Identity, Paths, State};
use crate::queue::Queue;
use crate::readers::{CardReaders, ReaderEvent};

pub struct Options {
    /// Signal each tap's result with the reader's LED and buzzer.
    pub beep: bool,
    /// The longest wait between two upload attempts while the server is away.
    pub retry_max: Duration,
    pub heartbeat_every: Duration,
}

/// What the threads share. The queue's mutex also guards the uploader's wake-ups.
/// No thread holds two of these mutexes at once (the uploader once held the queue while
/// asking for the state, the heartbeat the other way round: a deadlock at start-up).
pub struct Shared {
    queue: Mutex<Queue>,
    wake: Condvar,
    /// Read under the queue's mutex by the uploader's wait, hence not in `state`.
    revoked: AtomicBool,
    state: Mutex<State>,
    state_path: std::path::PathBuf,
    reachable: Mutex<Option<bool>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicked thread leaves data that is still consistent (each change is one step).
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

impl Shared {
    pub fn new(queue: Queue, state: State, state_path: std::path::PathBuf) -> Shared {
        Shared {
            queue: Mutex::new(queue),
            wake: Condvar::new(),
            revoked: AtomicBool::new(state.revoked),
            state: Mutex::new(state),
            state_path,
            reachable: Mutex::new(None),
        }
    }

    fn update_state(&self, change: impl FnOnce(&mut State)) {
        let mut state = lock(&self.state);
        change(&mut state);
        if let Err(e) = write_state(&self.state_path, &state) {
            eprintln!("anwesend-agent: {}: {e}", self.state_path.display());
        }
    }

    fn revoked(&self) -> bool {
        self.revoked.load(Ordering::SeqCst)
    }

    fn revoke(&self) {
        if !self.revoked.swap(true, Ordering::SeqCst) {
            self.update_state(|s| s.revoked = true);
            let waiting = lock(&self.queue).len();
            println!(
                "device revoked by the server: uploads stopped; {waiting} tap(s) kept in the queue. Enrol the device again to continue."
            );
        }
    }

    /// Says when the server comes and goes, once per change.
    fn reachable(&self, now: Result<(), &str>) {
        let mut known = lock(&self.reachable);
        match (now, *known) {
            (Ok(()), Some(true)) | (Err(_), Some(false)) => {}
            (Ok(()), _) => {
                if *known == Some(false) {
                    println!("server reachable again");
                }
                *known = Some(true);
                drop(known);
                self.update_state(|s| s.last_contact_at = Some(unix_now()));
                self.wake.notify_all();
            }
            (Err(reason), _) => {
                *known = Some(false);
                println!("server unreachable: {reason}; taps are kept in the queue");
            }
        }
    }
}

/// Turns reader events into queued taps: random ids refused, repeats debounced.
pub struct Station {
    shared: Arc<Shared>,
    debounce: Debounce,
    readers: Vec<String>,
    /// With `--beep`: the uploader's answers, to signal them on the reader.
    answers: Option<Receiver<(String, bool)>>,
}

/// How long a tap's signal waits for the server before it says "stored".
const SIGNAL_WAIT: Duration = Duration::from_millis(1500);

impl Station {
    pub fn new(shared: Arc<Shared>, answers: Option<Receiver<(String, bool)>>) -> Station {
        Station { shared, debounce: Debounce::default(), readers: Vec::new(), answers }
    }

    pub fn handle(&mut self, readers: &mut dyn CardReaders, event: ReaderEvent) {
        match event {
            ReaderEvent::ReadersChanged(now) => {
                for gone in self.readers.iter().filter(|r| !now.contains(r)) {
                    println!("reader removed: {gone}");
                }
                for new in now.iter().filter(|r| !self.readers.contains(r)) {
                    println!("reader added: {new}");
                }
                if now.is_empty() {
                    println!("no reader connected; waiting for one");
                }
                self.readers = now.clone();
                self.shared.update_state(|s| s.readers = now);
            }
            ReaderEvent::Aborted { reader } => println!("tap on {reader}: card removed before it was read"),
            ReaderEvent::Failed { reader, reason } => {
                println!("tap on {reader}: could not read the card: {reason}");
                readers.signal(&reader, false);
            }
            ReaderEvent::Unavailable(reason) => println!("PC/SC unavailable ({reason}); retrying"),
            ReaderEvent::Available => println!("PC/SC available again"),
            ReaderEvent::Card { reader, answer, sun } => {
                let success = self.tap(&reader, &answer, sun);
                readers.signal(&reader, success);
            }
        }
    }

    /// Handles one card; true when the tap counts (for the reader's signal).
    fn tap(&mut self, reader: &str, answer: &[u8], sun: Option<String>) -> bool {
        let card = match uid_from_answer(answer) {
            Ok(card) => card,
            Err(refusal) => {
                println!("tap on {reader}: refused: {refusal}");
                return false;
            }
        };
        if self.shared.revoked() {
            println!("tap on {reader}: card {} not recorded: this device was revoked", masked(&card));
            return false;
        }
        let window = lock(&self.shared.state).config.as_ref().map_or(0, |c| c.duplicate_window_seconds);
        if !self.debounce.admit(reader, &card, Instant::now(), Duration::from_secs(window.into())) {
            println!("tap on {reader}: card {} ignored: same card within {window} s", masked(&card));
            return true;
        }
        let tap = protocol::TapRequest {
            idempotency_key: random_token(32),
            card_id: card.clone(),
            tapped_at: unix_now(),
            reader: reader.to_owned(),
            sun,
        };
        let key = tap.idempotency_key.clone();
        let waiting = {
            let mut queue = lock(&self.shared.queue);
            if let Err(e) = queue.push(tap) {
                println!("tap on {reader}: card {} NOT stored: {e}", masked(&card));
                return false;
            }
            queue.len()
        };
        self.shared.wake.notify_all();
        println!("tap on {reader}: card {} stored ({waiting} waiting)", masked(&card));
        let Some(answers) = &self.answers else { return true };
        let deadline = Instant::now() + SIGNAL_WAIT;
        while let Ok((answered, success)) = answers.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            if answered == key {
                return success;
            }
        }
        true // stored; the upload follows
    }
}

/// Sends queued taps, oldest first; a tap that gets no definite answer blocks the
/// ones behind it, so the server sees them in the order they were made.
fn upload(shared: &Shared, id: &Identity, retry_max: Duration, answers: Option<Sender<(String, bool)>>) {
    let mut backoff = Duration::ZERO;
    loop {
        let tap = {
            let mut queue = lock(&shared.queue);
            while queue.is_empty() || shared.revoked() {
                queue = shared.wake.wait(queue).unwrap_or_else(std::sync::PoisonError::into_inner);
            }
            queue.front().cloned()
        };
        let Some(tap) = tap else { continue }; // not reached: the wait above ends on a non-empty queue
        let body = match serde_json::to_vec(&tap) {
            Ok(body) => body,
            Err(e) => return eprintln!("anwesend-agent: {e}"),
        };
        let card = format!("{} on {}", masked(&tap.card_id), tap.reader);
        let answered = match disposition(signed_post(id, protocol::PATH_TAPS, &body)) {
            Disposition::Answered(answer) => {
                shared.reachable(Ok(()));
                println!("{}", answered(&card, &answer));
                Some(answer.outcome.is_success())
            }
            Disposition::Refused(status, code) => {
                shared.reachable(Ok(()));
                println!("card {card}: the server refused the tap ({status} {code}); removed from the queue");
                Some(false)
            }
            Disposition::Revoked => {
                shared.revoke();
                None
            }
            Disposition::Retry(reason) => {
                shared.reachable(Err(&reason));
                // Exponential backoff with jitter, so agents do not return in step.
                backoff = (backoff * 2).clamp(Duration::from_millis(500), retry_max);
                let pause = backoff.mul_f64(rand::random::<f64>() * 0.5 + 0.5);
                let queue = lock(&shared.queue);
                drop(shared.wake.wait_timeout(queue, pause));
                None
            }
        };
        if let Some(success) = answered {
            backoff = Duration::ZERO;
            let mut queue = lock(&shared.queue);
            if let Err(e) = queue.remove(&tap.idempotency_key) {
                // Sent twice after a restart at worst: the server counts a key once.
                eprintln!("anwesend-agent: could not mark the tap as sent: {e}");
            }
            drop(queue);
            shared.update_state(|s| s.last_upload_at = Some(unix_now()));
            if let Some(answers) = &answers {
                let _ = answers.send((tap.idempotency_key, success));
            }
        }
    }
}

/// Reports to the server and applies the configuration it returns.
fn heartbeat(shared: &Shared, id: &Identity, every: Duration) {
    let mut warned_outdated = false;
    while !shared.revoked() {
        let readers = lock(&shared.state).readers.clone();
        let queue_length = u32::try_from(lock(&shared.queue).len()).unwrap_or(u32::MAX);
        let request =
            protocol::HeartbeatRequest { agent_version: env!("CARGO_PKG_VERSION").into(), readers, queue_length, secure_cards: true };
        let body = serde_json::to_vec(&request).unwrap_or_default();
        match signed_post(id, protocol::PATH_HEARTBEAT, &body) {
            Ok((200, answer)) => match serde_json::from_str::<protocol::HeartbeatResponse>(&answer) {
                Ok(beat) => {
                    shared.reachable(Ok(()));
                    if lock(&shared.state).config.as_ref() != Some(&beat.config) {
                        println!("configuration: mode {}, duplicate window {} s", beat.config.mode, beat.config.duplicate_window_seconds);
                        shared.update_state(|s| s.config = Some(beat.config));
                    }
                    if beat.outdated && !std::mem::replace(&mut warned_outdated, true) {
                        println!(
                            "this agent ({}) is outdated: the server asks for {} or newer",
                            env!("CARGO_PKG_VERSION"),
                            beat.minimum_agent_version
                        );
                    }
                }
                Err(e) => shared.reachable(Err(&format!("unexpected heartbeat answer: {e}"))),
            },
            Ok((401, answer)) if problem_code(&answer) == "device_revoked" => shared.revoke(),
            Ok((status, answer)) => shared.reachable(Err(&format!("the server answered {status} {}", problem_code(&answer)))),
            Err(reason) => shared.reachable(Err(&reason)),
        }
        std::thread::sleep(every);
    }
}

/// Runs until the process is stopped.
pub fn run(paths: &Paths, options: &Options, readers: &mut dyn CardReaders) -> Result<(), String> {
    let id = read_identity(&paths.identity)?;
    let queue = Queue::open(&paths.queue).map_err(|e| format!("{}: {e}", paths.queue.display()))?;
    queue.lock()?;
    let state = read_state(&paths.state);
    if state.revoked {
        return Err(format!(
            "this device was revoked on the server; enrol it again (remove {} and run `anwesend-agent enroll`)",
            paths.identity.display()
        ));
    }
    println!(
        "anwesend-agent {}: device \"{}\" of {} at {}; {} tap(s) waiting",
        env!("CARGO_PKG_VERSION"),
        id.device_name,
        id.tenant_name,
        id.server,
        queue.len()
    );
    let shared = Arc::new(Shared::new(queue, state, paths.state.clone()));
    let (sender, receiver) = if options.beep {
        let (s, r) = mpsc::channel();
        (Some(s), Some(r))
    } else {
        (None, None)
    };
    let uploader = (Arc::clone(&shared), id.clone(), options.retry_max);
    std::thread::spawn(move || upload(&uploader.0, &uploader.1, uploader.2, sender));
    let beats = (Arc::clone(&shared), id, options.heartbeat_every);
    std::thread::spawn(move || heartbeat(&beats.0, &beats.1, beats.2));
    let mut station = Station::new(shared, receiver);
    loop {
        if let Some(event) = readers.next_event(Duration::from_millis(500)) {
            station.handle(readers, event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Readers that replay a script: what a person does at the reader, without PC/SC.
    #[derive(Default)]
    struct Scripted {
        events: VecDeque<ReaderEvent>,
        signals: Vec<(String, bool)>,
    }

    impl CardReaders for Scripted {
        fn next_event(&mut self, _timeout: Duration) -> Option<ReaderEvent> {
            self.events.pop_front()
        }
        fn signal(&mut self, reader: &str, success: bool) {
            self.signals.push((reader.to_owned(), success));
        }
    }

    fn card(reader: &str, uid: &[u8]) -> ReaderEvent {
        ReaderEvent::Card { reader: reader.into(), answer: [uid, &[0x90, 0x00]].concat(), sun: None }
    }

    fn station(window: u32) -> (Station, Arc<Shared>, tempfile::TempDir) {
        let dir = tempfile::tempdir().expect("dir");
        let queue = Queue::open(&dir.path().join("a.queue")).expect("queue");
        let config = protocol::DeviceConfig {
            mode: "check_in".into(),
            duplicate_window_seconds: window,
            late_upload_after_seconds: 300,
            session_ids: Vec::new(),
        };
        let state = State { config: Some(config), ..State::default() };
        let shared = Arc::new(Shared::new(queue, state, dir.path().join("a.state")));
        (Station::new(Arc::clone(&shared), None), shared, dir)
    }

    fn play(station: &mut Station, readers: &mut Scripted) {
        while let Some(event) = readers.next_event(Duration::ZERO) {
            station.handle(readers, event);
        }
    }

    fn queued(shared: &Shared) -> Vec<String> {
        let mut queue = lock(&shared.queue);
        let mut cards = Vec::new();
        while let Some(tap) = queue.front().cloned() {
            cards.push(tap.card_id.clone());
            queue.remove(&tap.idempotency_key).expect("remove");
        }
        cards
    }

    #[test]
    fn taps_are_queued_in_order_and_repeats_within_the_window_count_once() {
        let (mut station, shared, _dir) = station(60);
        let mut readers = Scripted::default();
        readers.events.extend([
            ReaderEvent::ReadersChanged(vec!["R1".into(), "R2".into()]),
            card("R1", &[0x04, 1, 2, 3, 4, 5, 6]),
            card("R1", &[0x04, 1, 2, 3, 4, 5, 6]),
            card("R2", &[0x04, 1, 2, 3, 4, 5, 6]),
            card("R1", &[0xDE, 0xAD, 0xBE, 0xEF]),
        ]);
        play(&mut station, &mut readers);
        assert_eq!(queued(&shared), ["04010203040506", "04010203040506", "DEADBEEF"]);
        assert_eq!(lock(&shared.state).readers, ["R1", "R2"]);
    }

    #[test]
    fn random_ids_unreadable_cards_and_aborted_reads_queue_nothing() {
        let (mut station, shared, _dir) = station(0);
        let mut readers = Scripted::default();
        readers.events.extend([
            card("R1", &[0x08, 0x11, 0x22, 0x33]),
            card("R1", &[0x08, 0x44, 0x55, 0x66]),
            ReaderEvent::Card { reader: "R1".into(), answer: vec![0x6A, 0x81], sun: None },
            ReaderEvent::Aborted { reader: "R1".into() },
            ReaderEvent::Failed { reader: "R1".into(), reason: "protocol error".into() },
        ]);
        play(&mut station, &mut readers);
        assert!(queued(&shared).is_empty());
        assert_eq!(readers.signals, [("R1".into(), false), ("R1".into(), false), ("R1".into(), false), ("R1".into(), false)]);
    }

    #[test]
    fn dev_1_a_revoked_device_queues_nothing_and_says_so() {
        let (mut station, shared, _dir) = station(0);
        shared.revoke();
        let mut readers = Scripted::default();
        readers.events.push_back(card("R1", &[0x04, 1, 2, 3, 4, 5, 6]));
        play(&mut station, &mut readers);
        assert!(queued(&shared).is_empty());
        assert_eq!(readers.signals, [("R1".into(), false)]);
        assert!(read_state(&shared.state_path).revoked, "a restart stays revoked");
    }
}
