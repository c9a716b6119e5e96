//! anwesend-agent: the NFC check-in agent. Reading cards and signed uploads follow with
//! the attendance work; for now it only knows its commands.

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "anwesend-agent", version, about = "anwesend NFC check-in agent")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Enrol this device with a one-time code (not yet available).
    Enroll,
    /// Read cards and upload check-ins (not yet available).
    Run,
    /// Show readers, queue and server reachability (not yet available).
    Status,
}

fn main() -> std::process::ExitCode {
    let cli = Cli::parse();
    let name = match cli.command {
        Command::Enroll => "enroll",
        Command::Run => "run",
        Command::Status => "status",
    };
    eprintln!(
        "anwesend-agent {name}: not available in this version (protocol {}); see the project issues",
        anwesend_protocol::PROTOCOL_VERSION
    );
    std::process::ExitCode::FAILURE
}
