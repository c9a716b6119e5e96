//! The `anwesend` command line.

use std::io::{BufRead, IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};

use crate::audit::export::ExportFormat;
use crate::audit::model::{Filter, Visibility};
use crate::audit::AuditContext;
use crate::auth::model::Role;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, Environment};
use crate::crypto::PlatformSigner;
use crate::crypto::{MasterKey, MasterKeyOrigin};
use crate::db::Db;
use crate::db::TenantScope;
use crate::{accounts, audit, db, server, tenants};

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
    /// Audit trail: verify chains, export signed logs, check exports (TOM INPUT-4, INPUT-5).
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Retention (TOM PRIV-6): what the server's daily job does.
    #[command(subcommand)]
    Retention(RetentionCommand),
    /// Deletion certificates of offboarded tenants (TOM DEL-3).
    #[command(subcommand)]
    Certificate(CertificateCommand),
    /// Encrypted backups (TOM AVAIL-1, AVAIL-2): what the server's schedule does, by hand.
    #[command(subcommand)]
    Backup(BackupCommand),
    /// Signed documents (attendance lists, certificates of attendance; TOM INPUT-4).
    #[command(subcommand)]
    Document(DocumentCommand),
    /// The TOM evidence report (TOM REVIEW-1): every measure with its live evidence and
    /// status; exits non-zero when one is failing.
    #[command(subcommand)]
    Toms(TomsCommand),
    /// Print the OpenAPI document.
    Openapi,
}

#[derive(Subcommand)]
enum TomsCommand {
    /// Print each measure's id, status and evidence (the platform's view, counts only).
    Report {
        /// The whole report as JSON instead of the table.
        #[arg(long)]
        json: bool,
    },
}

#[derive(Subcommand)]
enum BackupCommand {
    /// Take a backup now (also while the server runs): one encrypted file in the backup directory.
    Create,
    /// Check a backup in a scratch database: integrity, row counts, every audit chain.
    Verify {
        file: PathBuf,
        /// An age identity file that opens it (the recovery key); default: the verify key in the keyring.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Restore a backup into the configured, empty database (stop the server first; restore
    /// the keyring and the master key first), then re-apply erasures and offboardings made since.
    Restore {
        file: PathBuf,
        /// An age identity file that opens it (the recovery key); default: the verify key in the keyring.
        #[arg(long, value_name = "FILE")]
        identity: Option<PathBuf>,
    },
    /// Remove the backups older than `backups.keep_days` (the newest always stays).
    Prune,
}

#[derive(Subcommand)]
enum CertificateCommand {
    /// Check a deletion certificate: intact, and signed by this platform's key (or the
    /// key given with --public-key, for checking it anywhere). No database needed.
    Verify {
        file: PathBuf,
        /// The platform's public key: hex, or a file with the key (PEM or hex) or with the
        /// saved answer of `GET /api/v1/platform/keys`.
        #[arg(long, value_name = "FILE|HEX")]
        public_key: Option<String>,
    },
    /// Print the platform's signing key: what an auditor needs to check certificates and exports.
    PublicKey {
        /// As PEM (SubjectPublicKeyInfo, for openssl) instead of hex.
        #[arg(long)]
        pem: bool,
    },
    /// Write the deletion certificate of an offboarded tenant to FILE.
    Export {
        #[arg(long, value_name = "SLUG")]
        tenant: String,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
}

#[derive(Subcommand)]
enum DocumentCommand {
    /// Check a signed PDF (attendance list or certificate): unchanged since signing, and
    /// signed by this platform's key, or by the key given with --public-key (offline, no
    /// database needed). Prints what the document says; exit 1 with the reason otherwise.
    Verify {
        file: PathBuf,
        /// The platform's public key: hex, or a file with the key (PEM or hex) or with the
        /// saved answer of `GET /api/v1/platform/keys`.
        #[arg(long, value_name = "FILE|HEX")]
        public_key: Option<String>,
    },
}

#[derive(Subcommand)]
enum RetentionCommand {
    /// Anonymise, in every tenant, the participants whose retention period has ended, and
    /// remove the audit entries older than the tenant's audit period.
    Run,
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Check the hash chain of one tenant (by slug) or of the platform and every tenant.
    Verify {
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
    },
    /// Write a signed export of a tenant's audit trail (or the platform's without --tenant).
    Export {
        #[arg(long, value_name = "SLUG")]
        tenant: Option<String>,
        #[arg(long, value_enum, default_value = "json")]
        format: ExportFormat,
        /// Only entries of this action code, e.g. `location.created`.
        #[arg(long)]
        action: Option<String>,
        /// From this UTC time on, e.g. 2026-11-01T00:00:00.
        #[arg(long)]
        from: Option<chrono::NaiveDateTime>,
        /// Before this UTC time.
        #[arg(long)]
        to: Option<chrono::NaiveDateTime>,
        /// Export the deletion log instead of the audit trail (needs --tenant).
        #[arg(long)]
        deletion_log: bool,
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Check that an export file is untouched and was signed by this platform: with
    /// --public-key, by that key alone (no configuration, master key or database needed).
    VerifyExport {
        file: PathBuf,
        /// The platform's public key: a PEM or hex file (`anwesend certificate public-key`),
        /// or the saved answer of `GET /api/v1/platform/keys` (every key, old ones too).
        #[arg(long, value_name = "FILE")]
        public_key: Option<PathBuf>,
    },
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
    /// Start a tenant's offboarding: read-only now, deleted after the 30-day export window.
    Offboard {
        #[arg(long)]
        slug: String,
        /// The slug again, as a confirmation.
        #[arg(long, value_name = "SLUG")]
        confirm: String,
    },
    /// Delete the tenants whose export window has ended now (the server does it hourly).
    RunOffboardings,
}

#[derive(Subcommand)]
#[allow(clippy::enum_variant_names)] // the command names users type
enum AdminCommand {
    /// Create a platform admin; the password is read from standard input.
    CreatePlatformAdmin {
        #[arg(long)]
        email: String,
    },
    /// Make an account a primary tenant admin (creating it; password from standard input).
    CreateTenantAdmin {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
        #[arg(long)]
        email: String,
    },
    /// Make an account (created if new; password on stdin) a partner admin of a tenant:
    /// it acts there like a tenant admin and switches between its tenants. Run once per tenant.
    GrantPartnerAdmin {
        /// The tenant's slug.
        #[arg(long)]
        tenant: String,
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
        // With the key given, a certificate is checked without configuration or database.
        Command::Certificate(CertificateCommand::Verify { file, public_key: Some(key) }) => match public_keys(&key) {
            Ok(keys) => verify_certificate_with(&file, &keys),
            // Hex that is no key: the certificate check says what is wrong.
            Err(_) if !std::path::Path::new(&key).is_file() => verify_certificate(&file, Some(&key)),
            Err(e) => Err(e),
        },
        Command::Document(DocumentCommand::Verify { file, public_key: Some(key) }) => verify_document(&file, public_keys(&key)?.as_slice()),
        Command::Audit(AuditCommand::VerifyExport { file, public_key: Some(key) }) => {
            let keys = public_keys(key.to_str().context("the key file's name is not UTF-8")?)?;
            verify_export(&file, keys.as_slice())
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
                &AuditContext::operator(clock.now()),
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
            let account = accounts::service::create_platform_admin(
                &db,
                &master,
                config.auth.password_hash,
                &AuditContext::operator(clock.now()),
                &email,
                &password,
            )?;
            println!("created platform admin {}; the first sign-in sets up the required second factor (TOTP)", account.id);
            Ok(())
        }
        Command::Admin(AdminCommand::CreateTenantAdmin { tenant, email }) => {
            grant_admin(&config, clock.now(), &tenant, &email, Role::TenantAdmin)
        }
        Command::Admin(AdminCommand::GrantPartnerAdmin { tenant, email }) => {
            grant_admin(&config, clock.now(), &tenant, &email, Role::PartnerAdmin)
        }
        Command::Keys(KeysCommand::RotateIp) => {
            let (db, master) = open(&config)?;
            let hasher = crate::audit::IpHasher::new(db, Arc::new(master), &config.ip_hash);
            let current = hasher.ensure_key(clock.now())?;
            let destroyed = hasher.destroy_expired(clock.now())?;
            println!("current IP-hash key {current}; destroyed {}", destroyed.len());
            Ok(())
        }
        Command::Audit(command) => run_audit(command, &config),
        Command::Tenant(TenantCommand::Offboard { slug, confirm }) => {
            let (db, master) = open(&config)?;
            let scope = tenant_scope(&db, &slug)?;
            let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
            let input = crate::offboarding::model::StartOffboarding { confirm_slug: confirm };
            let status = crate::offboarding::service::start(&state, &AuditContext::operator(clock.now()), &scope, &input)?;
            let until = status.archive_until.map(|t| t.to_string()).unwrap_or_default();
            println!("{slug} is read-only now; its admins can download the export archive until {until} UTC, then it is deleted");
            Ok(())
        }
        Command::Tenant(TenantCommand::RunOffboardings) => {
            let (db, master) = open(&config)?;
            let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
            let done = crate::offboarding::service::complete_due(&state, clock.now())?;
            println!("offboarded {} tenant(s): data deleted, keys destroyed, certificates issued", done.len());
            Ok(())
        }
        Command::Certificate(CertificateCommand::Verify { file, .. }) => {
            // The platform's own key, if this machine has it; never a newly generated one.
            if config.master_key.is_none() && !config.master_key_path().exists() {
                anyhow::bail!(
                    "no platform key here to check against: pass --public-key HEX (from `anwesend certificate public-key` on the platform)"
                );
            }
            let signer = PlatformSigner::from_master(&MasterKey::load(&config)?)?;
            verify_certificate(&file, Some(&signer.public_key_hex()))
        }
        Command::Document(DocumentCommand::Verify { file, .. }) => {
            // The platform's own key, if this machine has it; never a newly generated one.
            if config.master_key.is_none() && !config.master_key_path().exists() {
                anyhow::bail!("no platform key here to check against: pass --public-key (from `anwesend certificate public-key` or GET /api/v1/platform/keys)");
            }
            let signer = PlatformSigner::from_master(&MasterKey::load(&config)?)?;
            verify_document(&file, &signer)
        }
        Command::Certificate(CertificateCommand::PublicKey { pem }) => {
            let signer = PlatformSigner::from_master(&MasterKey::load(&config)?)?;
            if pem {
                print!("{}", signer.public_key().to_pem());
            } else {
                println!("{}", signer.public_key_hex());
            }
            eprintln!("key id {} (ECDSA P-256); give this key to whoever checks deletion certificates", signer.key_id());
            Ok(())
        }
        Command::Certificate(CertificateCommand::Export { tenant, out }) => {
            let (db, master) = open(&config)?;
            let scope = tenant_scope(&db, &tenant)?;
            let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
            let text =
                crate::offboarding::service::certificate(&state, &AuditContext::operator(clock.now()), &scope).map_err(|e| match e {
                    crate::AppError::NotFound => anyhow::anyhow!("{tenant} has no deletion certificate (not offboarded yet)"),
                    other => other.into(),
                })?;
            std::fs::write(&out, &text).with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote the deletion certificate of {tenant} to {}", out.display());
            Ok(())
        }
        Command::Retention(RetentionCommand::Run) => {
            let (db, master) = open(&config)?;
            let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
            let report = crate::privacy::retention::run(&state)?;
            println!(
                "retention: {} tenant(s) checked, {} person(s) anonymised, {} kept (restricted), {} audit entries pruned, {} tenant(s) failed",
                report.tenants, report.erased, report.kept_restricted, report.audit_pruned, report.failed_tenants
            );
            if report.failed_tenants > 0 {
                anyhow::bail!("the retention run failed for {} tenant(s); see the log", report.failed_tenants);
            }
            Ok(())
        }
        Command::Backup(command) => run_backup(command, config),
        Command::Toms(TomsCommand::Report { json }) => {
            let (db, master) = open(&config)?;
            let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
            let report = crate::toms::service::platform_report(&state, clock.now().naive_utc())?;
            if json {
                println!("{}", serde_json::to_string_pretty(&report)?);
            } else {
                println!("{:<10} {:<10} evidence", "id", "status");
                for row in &report.rows {
                    println!("{:<10} {:<10} {}", row.id, row.status.as_str(), row.evidence);
                }
                println!("{} ok, {} attention, {} failing", report.ok, report.attention, report.failing);
            }
            if report.failing > 0 {
                let failing: Vec<&str> =
                    report.rows.iter().filter(|r| r.status == crate::toms::model::TomStatus::Failing).map(|r| r.id.as_str()).collect();
                anyhow::bail!("{} measure(s) failing: {}", report.failing, failing.join(", "));
            }
            Ok(())
        }
        Command::Openapi | Command::Keys(KeysCommand::GenerateMaster { .. }) => unreachable!("handled before"),
    }
}

/// The operator's grant of an admin role in a tenant (creating the account if needed).
fn grant_admin(config: &Config, at: chrono::DateTime<chrono::Utc>, tenant: &str, email: &str, role: Role) -> anyhow::Result<()> {
    let (db, master) = open(config)?;
    let scope = tenant_scope(&db, tenant)?;
    let password = read_password()?;
    let ctx = AuditContext::operator(at);
    let account = accounts::service::grant_by_operator(&db, &master, config.auth.password_hash, &ctx, &scope, email, &password, role)?;
    let what = if role == Role::TenantAdmin { "a primary tenant admin" } else { "a partner admin" };
    println!("{} is now {what} of {tenant}", account.id);
    Ok(())
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
    // Publish this master key's verification key (what `GET /api/v1/platform/keys` lists).
    let signer = PlatformSigner::from_master(&master)?;
    crate::signing_keys::service::record_current(&db, &signer, &AuditContext::operator(SystemClock.now()))?;
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

fn tenant_scope(db: &Db, slug: &str) -> anyhow::Result<TenantScope> {
    let tenant = tenants::service::find_by_slug(db, slug)?.with_context(|| format!("no tenant with slug `{slug}`"))?;
    Ok(TenantScope::named_by_operator(tenant.id))
}

fn run_audit(command: AuditCommand, config: &Config) -> anyhow::Result<()> {
    let (db, master) = open(config)?;
    let signer = PlatformSigner::from_master(&master)?;
    match command {
        AuditCommand::Verify { tenant } => {
            let mut scopes: Vec<(String, Option<TenantScope>)> = Vec::new();
            match tenant {
                Some(slug) => scopes.push((slug.clone(), Some(tenant_scope(&db, &slug)?))),
                None => {
                    scopes.push(("platform".into(), None));
                    for t in tenants::service::list(&db)? {
                        scopes.push((t.slug, Some(TenantScope::named_by_operator(t.id))));
                    }
                }
            }
            let mut broken = 0;
            for (name, scope) in scopes {
                let report = match &scope {
                    Some(s) => db.tenant_tx(s, |tx| audit::verify_chain(tx, s.tenant_id()))?,
                    None => db.platform_tx(|tx| audit::verify_chain(tx, audit::model::PLATFORM_CHAIN))?,
                };
                match &report.first_break {
                    None => {
                        // After retention pruning the chain starts behind its anchor.
                        let from = if report.anchor_seq > 0 { format!(" (from entry {})", report.anchor_seq + 1) } else { String::new() };
                        println!("{name}: intact, {} entries{from}, head {}", report.entries_checked, hex::encode(&report.head_hash))
                    }
                    Some(b) => {
                        broken += 1;
                        let id = b.entry_id.as_deref().unwrap_or("-");
                        println!("{name}: BROKEN at entry {} (id {id}): {}", b.seq, b.reason);
                    }
                }
            }
            if broken > 0 {
                anyhow::bail!("{broken} chain(s) broken");
            }
            Ok(())
        }
        AuditCommand::Export { tenant, format, action, from, to, deletion_log, out } => {
            let scope = tenant.as_deref().map(|slug| tenant_scope(&db, slug)).transpose()?;
            let filter = Filter { from, to, action, ..Filter::default() };
            let ctx = AuditContext::operator(SystemClock.now());
            let bytes = if deletion_log {
                let scope = scope.context("the deletion log belongs to a tenant: give --tenant")?;
                audit::service::export_deletions(&db, &scope, &filter, format, &ctx, &signer)?
            } else {
                audit::service::export_entries(&db, scope.as_ref(), &Visibility::WholeChain, &filter, format, &ctx, &signer)?
            };
            std::fs::write(&out, &bytes).with_context(|| format!("cannot write {}", out.display()))?;
            println!("wrote {} ({} bytes), signed with key {}", out.display(), bytes.len(), signer.key_id());
            Ok(())
        }
        AuditCommand::VerifyExport { file, .. } => {
            // Every key this platform has used, so exports from before a rotation verify too.
            let mut keys = vec![signer.public_key()];
            for listed in crate::signing_keys::service::list_keys(&db)? {
                if listed.key_id() != signer.key_id() {
                    keys.push(listed);
                }
            }
            verify_export(&file, keys.as_slice())
        }
    }
}

fn verify_export(file: &std::path::Path, keys: &[crate::crypto::PublicKey]) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let verified = audit::export::verify(&bytes, keys).map_err(|e| anyhow::anyhow!("{}: {e}", file.display()))?;
    println!(
        "{}: intact {} export of chain {} ({} records, head {}, exported {}, key {})",
        file.display(),
        verified.kind,
        verified.chain,
        verified.records,
        verified.head_seq,
        verified.exported_at,
        verified.key_id
    );
    Ok(())
}

/// The public keys named by `--public-key`: a file (PEM, hex, or the saved answer of
/// `GET /api/v1/platform/keys`) or, where no such file exists, hex given inline.
fn public_keys(arg: &str) -> anyhow::Result<Vec<crate::crypto::PublicKey>> {
    let path = std::path::Path::new(arg);
    let text = if path.is_file() {
        std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?
    } else {
        arg.to_owned()
    };
    if text.trim_start().starts_with('{') {
        let keys = crate::signing_keys::service::keys_of_document(&text)
            .filter(|k| !k.is_empty())
            .with_context(|| format!("{arg}: not a key list as GET /api/v1/platform/keys answers"))?;
        return Ok(keys);
    }
    let key = crate::crypto::PublicKey::parse(&text)
        .map_err(|_| anyhow::anyhow!("{arg}: neither a key file (PEM or hex) nor a P-256 public key in hex"))?;
    Ok(vec![key])
}

fn run_backup(command: BackupCommand, config: Config) -> anyhow::Result<()> {
    use crate::backups::{archive, service};
    let identity = |file: Option<PathBuf>| file.map(|f| archive::read_identity(&f)).transpose();
    if let BackupCommand::Restore { file, identity: key } = command {
        let key = identity(key)?;
        let restored = service::restore(config, &file, key.as_ref())?;
        let rows: i64 = restored.manifest.tables.values().sum();
        println!(
            "restored {} ({} tables, {rows} rows, taken {}); erased again: {}; tenants offboarded again: {}",
            file.display(),
            restored.manifest.tables.len(),
            crate::timestamp::rfc3339(restored.manifest.created_at),
            restored.erased_again,
            if restored.offboarded_again.is_empty() { "none".to_owned() } else { restored.offboarded_again.join(", ") }
        );
        return Ok(());
    }
    let (db, master) = open(&config)?;
    let state = crate::state::AppState::new(config, db, master, Arc::new(SystemClock));
    let ctx = AuditContext::operator(SystemClock.now());
    match command {
        BackupCommand::Create => {
            let (path, size) = service::create(&state, &ctx)?;
            println!("wrote {} ({size} bytes, encrypted)", path.display());
        }
        BackupCommand::Verify { file, identity: key } => {
            let key = identity(key)?;
            let v = service::verify(&state, &ctx, &file, key.as_ref())
                .map_err(|e| anyhow::anyhow!("{}: FAILED verification: {e}", file.display()))?;
            println!(
                "{}: verified: {} tables, {} rows as in its manifest, {} audit chains intact (taken {}, version {})",
                file.display(),
                v.tables,
                v.rows,
                v.chains,
                crate::timestamp::rfc3339(v.manifest.created_at),
                v.manifest.app_version
            );
        }
        BackupCommand::Prune => {
            let removed = service::prune(&state, &ctx)?;
            println!("removed {} backup(s) older than {} days", removed.len(), state.config.backups.keep_days);
        }
        BackupCommand::Restore { .. } => unreachable!("handled above"),
    }
    Ok(())
}

/// `document verify`: exit 0 with what the document says, or an error naming what is wrong.
fn verify_document<K: crate::crypto::KnownKeys + ?Sized>(file: &std::path::Path, keys: &K) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let v = crate::documents::signed::verify(&bytes, keys).map_err(|e| anyhow::anyhow!("{}: INVALID: {e}", file.display()))?;
    println!(
        "{}: valid, signed by platform key {}; verification code {}: {}",
        file.display(),
        v.key_id,
        v.code,
        crate::documents::service::summary(&v.document)
    );
    Ok(())
}

/// `certificate verify` against any of `keys`.
fn verify_certificate_with(file: &std::path::Path, keys: &[crate::crypto::PublicKey]) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    // The certificate names its key: check against the one of `keys` with that id.
    let named = crate::offboarding::certificate::verify(&bytes, None)
        .map_err(|e| anyhow::anyhow!("{}: INVALID deletion certificate: {e}", file.display()))?;
    let key = keys.iter().find(|k| k.key_id() == named.key_id).map(|k| k.to_hex()).unwrap_or_else(|| keys[0].to_hex());
    verify_certificate(file, Some(&key))
}

/// `certificate verify`: exit 0 with "valid", or an error naming what is wrong.
fn verify_certificate(file: &std::path::Path, public_key: Option<&str>) -> anyhow::Result<()> {
    let bytes = std::fs::read(file).with_context(|| format!("cannot read {}", file.display()))?;
    let v = crate::offboarding::certificate::verify(&bytes, public_key)
        .map_err(|e| anyhow::anyhow!("{}: INVALID deletion certificate: {e}", file.display()))?;
    println!(
        "{}: valid deletion certificate for tenant {} ({}): {} records deleted {}, keys destroyed {}; signed by platform key {}",
        file.display(),
        v.tenant_name,
        v.tenant_id,
        v.records_deleted,
        v.deleted_at,
        v.keys_destroyed_at,
        v.key_id
    );
    Ok(())
}
