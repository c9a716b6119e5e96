//! anwesend-agent: the NFC check-in agent. This version enrols a device, sends
//! heartbeats and single signed taps (`tap --card`, for set-up and tests without a
//! reader). Reading cards over PC/SC with an offline queue (`run`) is the next step.

use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anwesend_protocol as protocol;
use clap::{Parser, Subcommand};
use serde::{Deserialize, Serialize};

#[derive(Parser)]
#[command(name = "anwesend-agent", version, about = "anwesend NFC check-in agent")]
struct Cli {
    /// Where the device identity is kept (created with mode 0600).
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
    /// Send one tap of a card (its UID in hex), as a reader would.
    Tap {
        #[arg(long)]
        card: String,
    },
    /// Send a heartbeat and show the configuration the server holds for this device.
    Status,
    /// Read cards and upload check-ins (needs PC/SC; not in this version).
    Run,
}

/// The device identity, as enrolment stored it.
#[derive(Serialize, Deserialize)]
struct Identity {
    server: String,
    device_id: String,
    /// Hex; only this file and the server (encrypted) know it.
    secret: String,
    device_name: String,
    tenant_name: String,
}

fn agent() -> ureq::Agent {
    ureq::AgentBuilder::new().timeout(Duration::from_secs(15)).build()
}

fn now() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_secs() as i64).unwrap_or_default()
}

/// Card ids appear masked: the last four hex digits only (TOM TRANS-1).
fn masked(card: &str) -> String {
    let tail: String = card.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
    format!("…{tail}")
}

fn post(url: &str, headers: &[(&str, String)], body: &[u8]) -> Result<(u16, String), String> {
    let mut req = agent().post(url).set("content-type", "application/json");
    for (name, value) in headers {
        req = req.set(name, value);
    }
    match req.send_bytes(body) {
        Ok(res) => Ok((res.status(), res.into_string().unwrap_or_default())),
        Err(ureq::Error::Status(code, res)) => Ok((code, res.into_string().unwrap_or_default())),
        Err(e) => Err(format!("the server cannot be reached: {e}")),
    }
}

fn signed_post(id: &Identity, path: &str, body: &[u8]) -> Result<(u16, String), String> {
    let secret = hex_decode(&id.secret).ok_or("the identity file holds no valid secret")?;
    let nonce: String = (0..24).map(|_| char::from(b"abcdefghijklmnopqrstuvwxyz0123456789"[rand::random::<usize>() % 36])).collect();
    let headers = protocol::signed_headers(&id.device_id, &secret, "POST", path, now(), &nonce, body);
    let headers: Vec<(&str, String)> = headers.into_iter().collect();
    post(&format!("{}{path}", id.server.trim_end_matches('/')), &headers, body)
}

fn hex_decode(s: &str) -> Option<Vec<u8>> {
    (0..s.len()).step_by(2).map(|i| s.get(i..i + 2).and_then(|b| u8::from_str_radix(b, 16).ok())).collect()
}

fn write_identity(path: &Path, id: &Identity) -> Result<(), String> {
    use std::io::Write;
    let json = serde_json::to_string_pretty(id).map_err(|e| e.to_string())?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(path).map_err(|e| format!("{}: {e} (an enrolled device keeps its file; remove it to enrol again)", path.display()))?;
    file.write_all(json.as_bytes()).and_then(|()| file.sync_all()).map_err(|e| format!("{}: {e}", path.display()))
}

fn read_identity(path: &Path) -> Result<Identity, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}; enrol first with `anwesend-agent enroll`", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

fn problem(status: u16, body: &str) -> String {
    let code = serde_json::from_str::<serde_json::Value>(body).ok().and_then(|v| v["code"].as_str().map(str::to_owned)).unwrap_or_default();
    format!("the server refused ({status} {code})")
}

fn run(cli: Cli) -> Result<(), String> {
    match cli.command {
        Command::Enroll { server, code, insecure_dev } => {
            let local = server.starts_with("http://localhost") || server.starts_with("http://127.0.0.1");
            let allowed = server.starts_with("https://") || (insecure_dev && local);
            if !allowed {
                return Err("the server must be https:// (plain http only with --insecure-dev on localhost)".into());
            }
            let body = serde_json::to_vec(&protocol::EnrolRequest { code, agent_version: env!("CARGO_PKG_VERSION").into() }).map_err(|e| e.to_string())?;
            let (status, answer) = post(&format!("{}{}", server.trim_end_matches('/'), protocol::PATH_ENROL), &[], &body)?;
            if status != 201 {
                return Err(problem(status, &answer));
            }
            let enrolled: protocol::EnrolResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            let id = Identity { server, device_id: enrolled.device_id, secret: enrolled.secret, device_name: enrolled.device_name, tenant_name: enrolled.tenant_name };
            write_identity(&cli.config, &id)?;
            println!("Enrolled as \"{}\" for {} (device {}); identity written to {} (mode 0600).", id.device_name, id.tenant_name, id.device_id, cli.config.display());
            println!("Mode: {}, duplicate window {} s.", enrolled.config.mode, enrolled.config.duplicate_window_seconds);
            Ok(())
        }
        Command::Tap { card } => {
            let id = read_identity(&cli.config)?;
            let key = format!("tap-{}-{}", now(), rand::random::<u32>());
            let body = serde_json::to_vec(&protocol::TapRequest { idempotency_key: key, card_id: card.clone(), tapped_at: now(), reader: "command line".into() }).map_err(|e| e.to_string())?;
            let (status, answer) = signed_post(&id, protocol::PATH_TAPS, &body)?;
            if status != 200 {
                return Err(problem(status, &answer));
            }
            let tap: protocol::TapResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            let outcome = serde_json::to_value(tap.outcome).ok().and_then(|v| v.as_str().map(str::to_owned)).unwrap_or_default();
            let late = if tap.late_upload { ", late upload" } else { "" };
            println!("card {}: {outcome}{}{late}", masked(&card), tap.first_name.map(|n| format!(" ({n})")).unwrap_or_default());
            Ok(())
        }
        Command::Status => {
            let id = read_identity(&cli.config)?;
            let body = serde_json::to_vec(&protocol::HeartbeatRequest { agent_version: env!("CARGO_PKG_VERSION").into(), readers: Vec::new(), queue_length: 0 }).map_err(|e| e.to_string())?;
            let (status, answer) = signed_post(&id, protocol::PATH_HEARTBEAT, &body)?;
            if status != 200 {
                return Err(problem(status, &answer));
            }
            let beat: protocol::HeartbeatResponse = serde_json::from_str(&answer).map_err(|e| e.to_string())?;
            println!("device \"{}\" of {} at {}: server reachable", id.device_name, id.tenant_name, id.server);
            println!("mode {}, duplicate window {} s, sessions {:?}", beat.config.mode, beat.config.duplicate_window_seconds, beat.config.session_ids);
            if beat.outdated {
                println!("this agent is outdated: the server asks for {} or newer", beat.minimum_agent_version);
            }
            Ok(())
        }
        Command::Run => Err(format!("reading cards over PC/SC is not in this version (protocol {}); use `tap --card` to test", protocol::PROTOCOL_VERSION)),
    }
}

fn main() -> ExitCode {
    match run(Cli::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("anwesend-agent: {message}");
            ExitCode::FAILURE
        }
    }
}
