//! The `anwesend-agent` command: enrol, run, status, and a single tap for set-up.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anwesend_agent::agent::{self, Options};
use anwesend_agent::card::{answered, masked, uid_from_answer, GET_UID};
use anwesend_agent::client::{post, problem_code, random_token, signed_post, unix_now};
use anwesend_agent::identity::{check_server_url, read_identity, read_state, write_identity, write_state, Identity, Paths, State};
use anwesend_agent::ntag424;
use anwesend_agent::queue::Queue;
use anwesend_agent::readers::PcscReaders;
use anwesend_protocol as protocol;
use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "anwesend-agent", version, about = "anwesend NFC check-in agent")]
struct Cli {
    /// The device identity (mode 0600); the queue and state files sit beside it.
    #[arg(long, global = true, env = "ANWESEND_AGENT_CONFIG", default_value = "anwesend-agent.json")]
    config: PathBuf,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrol this device with the one-time code an admin created under "Geräte".
    Enroll {
        /// The server, e.g. https://anwesend.example.org
        #[arg(long)]
        server: String,
        #[arg(long)]
        code: String,
        /// Allow plain http:// (development on localhost only).
        #[arg(long)]
        insecure_dev: bool,
    },
    /// Read cards on every connected reader and upload the taps.
    Run {
        /// Signal each tap with the reader's LED and buzzer (ACR122U-compatible readers).
        #[arg(long)]
        beep: bool,
        /// The longest pause between upload attempts while the server is away.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=3600))]
        retry_max_seconds: u64,
        #[arg(long, default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=3600))]
        heartbeat_seconds: u64,
    },
    /// Show readers, queued taps, the last upload and whether the server answers.
    Status,
    /// Send one tap of a card (its UID in hex) without a reader, to test the set-up.
    Tap {
        #[arg(long)]
        card: String,
    },
    /// Secure cards (NTAG 424 DNA).
    Card {
        #[command(subcommand)]
        command: CardCommand,
    },
}

#[derive(Subcommand)]
enum CardCommand {
    /// Turn the blank NTAG 424 DNA on the reader into a secure card of this tenant and bind
    /// it to the person an admin chose under "Karte zuordnen" for this device. Stop
    /// `anwesend-agent run` on this computer meanwhile.
    Provision {
        /// The reader to use (default: the first that has a card).
        #[arg(long)]
        reader: Option<String>,
        /// How long to wait for the card.
        #[arg(long, default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..=600))]
        wait_seconds: u64,
        /// The URL the card carries (a phone that reads the card opens it); default: the
        /// server's address with the path /k.
        #[arg(long)]
        url: Option<String>,
    },
}

fn problem(status: u16, body: &str) -> String {
    format!("the server refused ({status} {})", problem_code(body))
}

fn enroll(paths: &Paths, server: String, code: String, insecure_dev: bool) -> Result<(), String> {
    check_server_url(&server, insecure_dev)?;
    if paths.identity.exists() {
        return Err(format!("{} exists: this device is enrolled already (remove the file to enrol again)", paths.identity.display()));
    }
    let body =
        serde_json::to_vec(&protocol::EnrolRequest { code, agent_version: env!("CARGO_PKG_VERSION").into() }).map_err(|e| e.to_string())?;
    let (status, answer) = post(&format!("{}{}", server.trim_end_matches('/'), protocol::PATH_ENROL), &[], &body)?;
    if status != 201 {
        return Err(problem(status, &answer));
    }
    let enrolled: protocol::EnrolResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
    let id = Identity {
        server,
        device_id: enrolled.device_id,
        secret: enrolled.secret,
        device_name: enrolled.device_name,
        tenant_name: enrolled.tenant_name,
    };
    write_identity(&paths.identity, &id)?;
    let config = enrolled.config;
    println!(
        "Enrolled as \"{}\" for {} (device {}); identity written to {} (mode 0600).",
        id.device_name,
        id.tenant_name,
        id.device_id,
        paths.identity.display()
    );
    println!(
        "Mode {}, duplicate window {} s. Start reading cards with `anwesend-agent run`.",
        config.mode, config.duplicate_window_seconds
    );
    write_state(&paths.state, &State { config: Some(config), ..State::default() }).map_err(|e| format!("{}: {e}", paths.state.display()))
}

fn when(at: Option<i64>) -> String {
    at.map_or_else(|| "never".into(), |t| format!("{} s ago", (unix_now() - t).max(0)))
}

fn status(paths: &Paths) -> Result<(), String> {
    let id = read_identity(&paths.identity)?;
    let state = read_state(&paths.state);
    let waiting = Queue::peek_len(&paths.queue).map_err(|e| format!("{}: {e}", paths.queue.display()))?;
    let readers = PcscReaders::list();
    println!("device \"{}\" of {} at {}", id.device_name, id.tenant_name, id.server);
    match &readers {
        Ok(names) if names.is_empty() => println!("readers: none connected"),
        Ok(names) => println!("readers: {}", names.join(", ")),
        Err(e) => println!("readers: unknown ({e})"),
    }
    println!("queue: {waiting} tap(s) waiting");
    println!("last upload: {}", when(state.last_upload_at));
    let request = protocol::HeartbeatRequest {
        agent_version: env!("CARGO_PKG_VERSION").into(),
        readers: readers.unwrap_or_default(),
        queue_length: u32::try_from(waiting).unwrap_or(u32::MAX),
        secure_cards: true,
    };
    let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    match signed_post(&id, protocol::PATH_HEARTBEAT, &body) {
        Ok((200, answer)) => {
            let beat: protocol::HeartbeatResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            println!(
                "server: reachable; mode {}, duplicate window {} s, sessions {:?}",
                beat.config.mode, beat.config.duplicate_window_seconds, beat.config.session_ids
            );
            if beat.outdated {
                println!("this agent is outdated: the server asks for {} or newer", beat.minimum_agent_version);
            }
            Ok(())
        }
        Ok((401, answer)) if problem_code(&answer) == "device_revoked" => Err("server: this device was revoked; enrol it again".into()),
        Ok((status, answer)) => Err(format!("server: {}", problem(status, &answer))),
        Err(e) => Err(format!("server: {e} (last contact {})", when(state.last_contact_at))),
    }
}

fn tap(paths: &Paths, card: String) -> Result<(), String> {
    let id = read_identity(&paths.identity)?;
    let request = protocol::TapRequest {
        idempotency_key: random_token(32),
        card_id: card.to_ascii_uppercase(),
        tapped_at: unix_now(),
        reader: "command line".into(),
        sun: None,
    };
    let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    let (status, answer) = signed_post(&id, protocol::PATH_TAPS, &body)?;
    if status != 200 {
        return Err(problem(status, &answer));
    }
    let tap: protocol::TapResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
    println!("{}", answered(&masked(&card), &tap));
    Ok(())
}

#[derive(serde::Deserialize)]
struct CardKeys {
    meta_read_key: String,
    file_read_key: String,
}

fn key_of(hex: &str) -> Result<ntag424::Key, String> {
    let bytes: Option<Vec<u8>> =
        (0..hex.len()).step_by(2).map(|i| hex.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect();
    bytes.and_then(|b| b.try_into().ok()).ok_or_else(|| "the server sent a card key that is not 16 bytes of hex".into())
}

/// `card provision`: the card's UID, its keys from the server (signed, for this one card),
/// the card set up over PC/SC, then its first message sent as a tap, which binds it.
fn provision(paths: &Paths, reader: Option<String>, wait: Duration, url: Option<String>) -> Result<(), String> {
    let id = read_identity(&paths.identity)?;
    let url = url.unwrap_or_else(|| format!("{}/k", id.server.trim_end_matches('/')));
    ntag424::template(&url).map_err(|e| e.to_string())?;
    println!("Put the blank NTAG 424 DNA on the reader …");
    let (reader, card) = PcscReaders::wait_for_card(reader.as_deref(), wait)?;
    let mut buffer = [0u8; pcsc::MAX_BUFFER_SIZE];
    let mut transmit = |apdu: &[u8]| card.transmit(apdu, &mut buffer).ok().map(<[u8]>::to_vec);
    let uid = uid_from_answer(&transmit(&GET_UID).ok_or("the card left the reader")?).map_err(|e| e.to_string())?;
    if uid.len() != 14 {
        return Err("this card is no NTAG 424 DNA (its id is not 7 bytes long)".into());
    }
    let body = serde_json::to_vec(&serde_json::json!({ "card_id": uid })).map_err(|e| e.to_string())?;
    let keys = match signed_post(&id, protocol::PATH_CARD_KEYS, &body)? {
        (200, answer) => serde_json::from_str::<CardKeys>(&answer).map_err(|e| e.to_string())?,
        (_, answer) if problem_code(&answer) == "no_enrolment" => {
            return Err("no card is expected on this device: start \"Karte zuordnen\" for the person first".into())
        }
        (_, answer) if problem_code(&answer) == "secure_cards_off" => {
            return Err("secure cards are off for this tenant: turn them on under \"Geräte\" first".into())
        }
        (status, answer) => return Err(problem(status, &answer)),
    };
    let keys = ntag424::CardKeys { meta_read: key_of(&keys.meta_read_key)?, file_read: key_of(&keys.file_read_key)? };
    ntag424::provision(&mut transmit, &keys, &url, &rand::random()).map_err(|e| e.to_string())?;
    println!("card {}: set up as a secure card", masked(&uid));
    // The card's first message binds it to the person (the selection ends the session).
    let sun = anwesend_agent::ndef::sun_message(&mut transmit).ok_or("the card shows no secure message after the set-up")?;
    let request =
        protocol::TapRequest { idempotency_key: random_token(32), card_id: uid.clone(), tapped_at: unix_now(), reader, sun: Some(sun) };
    let body = serde_json::to_vec(&request).map_err(|e| e.to_string())?;
    let (status, answer) = signed_post(&id, protocol::PATH_TAPS, &body)?;
    if status != 200 {
        return Err(format!("the card is set up, but binding it failed: {}", problem(status, &answer)));
    }
    let tap: protocol::TapResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
    println!("{}", answered(&masked(&uid), &tap));
    if tap.outcome != protocol::TapOutcome::CardBound {
        return Err("the card is set up but was not bound; start \"Karte zuordnen\" again and tap it".into());
    }
    Ok(())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let paths = Paths::beside(&cli.config);
    // `run` returns only when it cannot work at all (not enrolled, revoked, a second
    // agent): 3, so a service manager does not restart it in a loop.
    let failure = if matches!(cli.command, Command::Run { .. }) { 3 } else { 1 };
    let done = match cli.command {
        Command::Enroll { server, code, insecure_dev } => enroll(&paths, server, code, insecure_dev),
        Command::Run { beep, retry_max_seconds, heartbeat_seconds } => {
            let options = Options {
                beep,
                retry_max: Duration::from_secs(retry_max_seconds),
                heartbeat_every: Duration::from_secs(heartbeat_seconds),
            };
            agent::run(&paths, &options, &mut PcscReaders::new(beep))
        }
        Command::Status => status(&paths),
        Command::Tap { card } => tap(&paths, card),
        Command::Card { command: CardCommand::Provision { reader, wait_seconds, url } } => {
            provision(&paths, reader, Duration::from_secs(wait_seconds), url)
        }
    };
    match done {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("anwesend-agent: {message}");
            ExitCode::from(failure)
        }
    }
}
