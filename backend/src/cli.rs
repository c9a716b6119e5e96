//! The `anwesend` command line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Environment};
use crate::crypto::{MasterKey, MasterKeyOrigin};
use crate::db::Db;
use crate::{accounts, db, server, tenants};

#[derive(Parser)]
#[command(name = "anwesend", version, about = "Privacy-first participant and attendance platform")]
struct Cli {
    /// TOML configuration file (settings can also come from ANWESEND_* variables).
    #[arg(long, short, global = true, env = "ANWESEND_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web server.
    Serve,
    /// Apply pending database migrations.
    Migrate {
        /// PostgreSQL: afterwards grant the app's non-owner role row access.
        #[arg(long, value_name = "ROLE")]
        grant_to: Option<String>,
    },
    /// Manage tenants.
    #[command(subcommand)]
    Tenant(TenantCommand),
    /// Platform administration (only here, never over the web; TOM AUTHZ-3).
    #[command(subcommand)]
    Admin(AdminCommand),
    /// Key management.
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum TenantCommand {
    /// Create a tenant with its own data and index keys.
    Create {
        #[arg(long)]
        slug: String,
        #[arg(long)]
        name: String,
    },
    /// List tenants.
    List,
}

#[derive(Subcommand)]
enum AdminCommand {
    /// Create a platform admin; the password is read from standard input.
    CreatePlatformAdmin {
        #[arg(long)]
        email: String,
    },
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Write a new production master key (mode 0600) to FILE.
    GenerateMaster {
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Create the current IP-hash key and destroy keys past retention.
    RotateIp,
}

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Openapi => {
            println!("{}", crate::http::routes::openapi_json());
            Ok(())
        }
        Command::Keys(KeysCommand::GenerateMaster { out }) => {
            let key = MasterKey::generate(MasterKeyOrigin::Operator);
            key.write_file(&out).map_err(anyhow::Error::msg)?;
            println!("wrote master key {} to {} (mode 0600); back it up apart from the database", key.id(), out.display());
            Ok(())
        }
        command => {
            let config = Config::load(cli.config.as_deref())?;
            server::init_logging(config.log_format());
            run_with_config(command, config)
        }
    }
}

fn run_with_config(command: Command, config: Config) -> anyhow::Result<()> {
    let clock = SystemClock;
    match command {
        Command::Serve => actix_web::rt::System::new().block_on(server::serve(config)),
        Command::Migrate { grant_to } => {
            let applied = db::migrate(config.migration_url())?;
            println!("applied {} migration(s)", applied.len());
            if let Some(role) = grant_to {
                db::grant_app_role(config.migration_url(), &role)?;
                println!("granted row access to role {role}");
            }
            Ok(())
        }
        Command::Tenant(TenantCommand::Create { slug, name }) => {
            let (db, master) = open(&config)?;
            let tenant = tenants::service::create(
                &db,
                &master,
                &clock,
                tenants::model::NewTenant { slug, name, is_demo: false },
            )?;
            println!("created tenant {} ({})", tenant.slug, tenant.id);
            Ok(())
        }
        Command::Tenant(TenantCommand::List) => {
            let (db, _) = open(&config)?;
            for t in tenants::service::list(&db)? {
                let demo = if t.is_demo { " [demo]" } else { "" };
                println!("{}\t{}\t{}\t{}{demo}", t.id, t.slug, t.status, t.name);
            }
            Ok(())
        }
        Command::Admin(AdminCommand::CreatePlatformAdmin { email }) => {
            let (db, master) = open(&config)?;
            let password = read_password()?;
            let account = accounts::service::create_platform_admin(&db, &master, &clock, &email, &password)?;
            println!("created platform admin {}", account.id);
            Ok(())
        }
        Command::Keys(KeysCommand::RotateIp) => {
            let (db, master) = open(&config)?;
            let hasher = crate::crypto::IpHasher::new(db, Arc::new(master), &config.ip_hash);
            let current = hasher.ensure_key(clock.now())?;
            let destroyed = hasher.destroy_expired(clock.now())?;
            println!("current IP-hash key {current}; destroyed {}", destroyed.len());
            Ok(())
        }
        Command::Openapi | Command::Keys(KeysCommand::GenerateMaster { .. }) => unreachable!("handled before"),
    }
}

/// Opens the database for an operator command. Migrations run first, as on `serve`.
fn open(config: &Config) -> anyhow::Result<(Db, MasterKey)> {
    let master = MasterKey::load(config)?;
    if config.auto_migrate {
        db::migrate(config.migration_url()).context("running migrations")?;
    }
    let db = Db::new(&config.database_url, 2)?;
    if config.environment() == Environment::Prod && master.origin() == MasterKeyOrigin::GeneratedDev {
        anyhow::bail!("refusing a development master key in prod");
    }
    Ok((db, master))
}

fn read_password() -> anyhow::Result<String> {
    let stdin = std::io::stdin();
    if stdin.is_terminal() {
        eprint!("Password (at least 12 characters; the input is shown, pipe it in to hide it): ");
        std::io::stderr().flush()?;
    }
    let mut line = String::new();
    stdin.lock().read_line(&mut line)?;
    Ok(line.trim_end_matches(['\r', '\n']).to_owned())
}
