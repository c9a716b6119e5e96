//! Card readers. The agent sees them through `CardReaders`, so its tap handling is
//! tested without PC/SC; `PcscReaders` is the real thing: the system's PC/SC service
//! (pcscd on Linux, WinSCard on Windows, CryptoTokenKit on macOS).

use std::collections::{HashMap, HashSet, VecDeque};
use std::ffi::CString;
use std::time::{Duration, Instant};

use pcsc::{Card, Context, Protocols, ReaderState, Scope, ShareMode, State, PNP_NOTIFICATION};

use crate::card::GET_UID;

#[derive(Debug, Clone, PartialEq)]
pub enum ReaderEvent {
    /// The connected readers, after one was plugged in or out.
    ReadersChanged(Vec<String>),
    /// A card was put on `reader`; `answer` is its answer to Get-Data (UID + status),
    /// `sun` a secure card's Secure Unique NFC message (its NDEF URL).
    Card {
        reader: String,
        answer: Vec<u8>,
        sun: Option<String>,
    },
    /// The card left before it was read: no tap, no error.
    Aborted {
        reader: String,
    },
    Failed {
        reader: String,
        reason: String,
    },
    /// The PC/SC service is gone (stopped, restarted); the readers retry with backoff.
    Unavailable(String),
    Available,
}

pub trait CardReaders {
    /// The next event, waiting at most `timeout`.
    fn next_event(&mut self, timeout: Duration) -> Option<ReaderEvent>;
    /// Shows success or refusal on the reader of the card just read, where it can.
    fn signal(&mut self, reader: &str, success: bool);
}

/// ACR122U-style LED and buzzer pseudo-APDUs (`FF 00 40`): green blink and one short
/// beep; red blink and two long beeps. Readers without them ignore the command.
const SIGNAL_SUCCESS: [u8; 9] = [0xFF, 0x00, 0x40, 0xA8, 0x04, 0x01, 0x01, 0x01, 0x01];
const SIGNAL_REFUSAL: [u8; 9] = [0xFF, 0x00, 0x40, 0x54, 0x04, 0x03, 0x03, 0x02, 0x03];

const BACKOFF_START: Duration = Duration::from_millis(500);
const BACKOFF_MAX: Duration = Duration::from_secs(10);

pub struct PcscReaders {
    beep: bool,
    context: Option<Context>,
    states: Vec<ReaderState>,
    names: Vec<String>,
    /// Readers whose present card was already read: a card lying there is one tap.
    present: HashSet<String>,
    /// pcsc-lite's count of card insertions and removals per reader: a card swapped
    /// between two polls still shows as a new card.
    card_events: HashMap<String, u32>,
    /// Cards kept connected until their tap's signal.
    held: HashMap<String, Card>,
    events: VecDeque<ReaderEvent>,
    backoff: Duration,
    retry_at: Instant,
    down: bool,
}

impl PcscReaders {
    pub fn new(beep: bool) -> PcscReaders {
        PcscReaders {
            beep,
            context: None,
            states: Vec::new(),
            names: Vec::new(),
            present: HashSet::new(),
            card_events: HashMap::new(),
            held: HashMap::new(),
            events: VecDeque::new(),
            backoff: BACKOFF_START,
            retry_at: Instant::now(),
            down: false,
        }
    }

    /// The readers connected now, for `status` (one-off, no monitoring).
    pub fn list() -> Result<Vec<String>, String> {
        let context = Context::establish(Scope::User).map_err(|e| format!("PC/SC: {e}"))?;
        match context.list_readers_owned() {
            Ok(names) => Ok(names.iter().map(|n| n.to_string_lossy().into_owned()).collect()),
            Err(pcsc::Error::NoReadersAvailable) => Ok(Vec::new()),
            Err(e) => Err(format!("PC/SC: {e}")),
        }
    }

    /// Waits up to `timeout` for a card on `reader` (any reader when `None`) and connects
    /// to it, for `card provision`. Returns the reader's name and the card.
    pub fn wait_for_card(reader: Option<&str>, timeout: Duration) -> Result<(String, Card), String> {
        let context = Context::establish(Scope::User).map_err(|e| format!("PC/SC: {e}"))?;
        let deadline = Instant::now() + timeout;
        loop {
            let names = match context.list_readers_owned() {
                Ok(names) => names,
                Err(pcsc::Error::NoReadersAvailable) => Vec::new(),
                Err(e) => return Err(format!("PC/SC: {e}")),
            };
            for name in names {
                let shown = name.to_string_lossy().into_owned();
                if reader.is_some_and(|r| r != shown) {
                    continue;
                }
                match context.connect(&name, ShareMode::Shared, Protocols::ANY) {
                    Ok(card) => return Ok((shown, card)),
                    Err(pcsc::Error::NoSmartcard | pcsc::Error::RemovedCard | pcsc::Error::UnpoweredCard | pcsc::Error::ResetCard) => {}
                    Err(e) => return Err(format!("reader {shown}: {e}")),
                }
            }
            if Instant::now() >= deadline {
                return Err(match reader {
                    Some(r) => format!("no card was put on the reader {r} within {} s", timeout.as_secs()),
                    None => format!("no card was put on a reader within {} s", timeout.as_secs()),
                });
            }
            std::thread::sleep(Duration::from_millis(200));
        }
    }

    fn establish(&mut self, timeout: Duration) {
        let wait = self.retry_at.saturating_duration_since(Instant::now());
        if !wait.is_zero() {
            std::thread::sleep(wait.min(timeout));
            return;
        }
        match Context::establish(Scope::User) {
            Ok(context) => {
                self.context = Some(context);
                self.states = vec![ReaderState::new(PNP_NOTIFICATION(), State::UNAWARE)];
                self.backoff = BACKOFF_START;
                if std::mem::take(&mut self.down) {
                    self.events.push_back(ReaderEvent::Available);
                }
            }
            Err(e) => self.lost(e),
        }
    }

    /// The service failed: forget the context and every reader, retry later.
    fn lost(&mut self, error: pcsc::Error) {
        self.context = None;
        self.states.clear();
        self.held.clear();
        self.present.clear();
        self.card_events.clear();
        if !self.names.is_empty() {
            self.names.clear();
            self.events.push_back(ReaderEvent::ReadersChanged(Vec::new()));
        }
        if !self.down {
            self.down = true;
            self.events.push_back(ReaderEvent::Unavailable(error.to_string()));
        }
        self.retry_at = Instant::now() + self.backoff;
        self.backoff = (self.backoff * 2).min(BACKOFF_MAX);
    }

    fn sync_readers(&mut self, names: Vec<CString>) {
        let listed: Vec<String> = names.iter().map(|n| n.to_string_lossy().into_owned()).collect();
        self.states.retain(|s| s.name() == PNP_NOTIFICATION() || names.iter().any(|n| n.as_c_str() == s.name()));
        for name in names {
            if !self.states.iter().any(|s| s.name() == name.as_c_str()) {
                self.states.push(ReaderState::new(name, State::UNAWARE));
            }
        }
        if listed != self.names {
            self.present.retain(|r| listed.contains(r));
            self.held.retain(|r, _| listed.contains(r));
            self.names = listed.clone();
            self.events.push_back(ReaderEvent::ReadersChanged(listed));
        }
    }

    fn read(context: &Context, reader: &str) -> (ReaderEvent, Option<Card>) {
        use pcsc::Error::{NoSmartcard, RemovedCard, ResetCard, UnpoweredCard};
        let Ok(name) = CString::new(reader) else {
            return (ReaderEvent::Failed { reader: reader.into(), reason: "reader name".into() }, None);
        };
        let card = match context.connect(&name, ShareMode::Shared, Protocols::ANY) {
            Ok(card) => card,
            Err(RemovedCard | NoSmartcard | ResetCard | UnpoweredCard) => return (ReaderEvent::Aborted { reader: reader.into() }, None),
            Err(e) => return (ReaderEvent::Failed { reader: reader.into(), reason: e.to_string() }, None),
        };
        let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
        match card.transmit(&GET_UID, &mut buffer) {
            Ok(answer) => {
                let answer = answer.to_vec();
                // A card taken away while its NDEF file is read was not read: sent as a
                // UID-only tap, a genuine secure card would be refused as a copy.
                let mut lost = false;
                let sun = crate::ndef::sun_message(|apdu| match card.transmit(apdu, &mut buffer) {
                    Ok(answer) => Some(answer.to_vec()),
                    Err(RemovedCard | ResetCard | NoSmartcard) => {
                        lost = true;
                        None
                    }
                    // Some readers fail commands a storage card does not know: no NDEF.
                    Err(_) => None,
                });
                if lost {
                    return (ReaderEvent::Aborted { reader: reader.into() }, None);
                }
                (ReaderEvent::Card { reader: reader.into(), answer, sun }, Some(card))
            }
            Err(RemovedCard | ResetCard | NoSmartcard) => (ReaderEvent::Aborted { reader: reader.into() }, None),
            Err(e) => (ReaderEvent::Failed { reader: reader.into(), reason: e.to_string() }, None),
        }
    }

    fn poll(&mut self, context: &Context, timeout: Duration) {
        match context.list_readers_owned() {
            Ok(names) => self.sync_readers(names),
            Err(pcsc::Error::NoReadersAvailable) => self.sync_readers(Vec::new()),
            Err(e) => return self.lost(e),
        }
        if !self.events.is_empty() {
            return; // report reader changes before waiting
        }
        for state in &mut self.states {
            state.sync_current_state();
        }
        match context.get_status_change(timeout, &mut self.states) {
            Ok(()) => {}
            Err(pcsc::Error::Timeout) => return,
            Err(e) => return self.lost(e),
        }
        let mut arrived = Vec::new();
        for state in &self.states {
            if state.name() == PNP_NOTIFICATION() || state.event_state().intersects(State::UNKNOWN | State::IGNORE) {
                continue;
            }
            let reader = state.name().to_string_lossy().into_owned();
            let has_card = state.event_state().contains(State::PRESENT) && !state.event_state().contains(State::MUTE);
            let count = state.event_count();
            let swapped = self.card_events.insert(reader.clone(), count).is_some_and(|before| before != count);
            if has_card && (self.present.insert(reader.clone()) || swapped) {
                arrived.push(reader);
            } else if !has_card && self.present.remove(&reader) {
                self.held.remove(&reader);
            }
        }
        for reader in arrived {
            let (event, card) = Self::read(context, &reader);
            if let Some(card) = card {
                self.held.insert(reader, card);
            }
            self.events.push_back(event);
        }
    }
}

impl CardReaders for PcscReaders {
    fn next_event(&mut self, timeout: Duration) -> Option<ReaderEvent> {
        if self.events.is_empty() {
            match self.context.clone() {
                Some(context) => self.poll(&context, timeout),
                None => self.establish(timeout),
            }
        }
        self.events.pop_front()
    }

    fn signal(&mut self, reader: &str, success: bool) {
        // Dropping the card handle disconnects and leaves the card as it is.
        let Some(card) = self.held.remove(reader) else { return };
        if self.beep {
            let mut buffer = [0u8; 32];
            let _ = card.transmit(if success { &SIGNAL_SUCCESS } else { &SIGNAL_REFUSAL }, &mut buffer);
        }
    }
}
