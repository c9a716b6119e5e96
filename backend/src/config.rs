//! Settings from an optional TOML file plus `ANWESEND_*` environment variables
//! (nested keys with `__`, e.g. `ANWESEND_TLS__CERT_FILE`), validated at start.

use std::net::{IpAddr, SocketAddr};
use std::path::{Path, PathBuf};

use figment::providers::{Env, Format, Serialized, Toml};
use figment::Figment;
use serde::{Deserialize, Serialize};

use crate::db::DatabaseUrl;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Environment {
    Dev,
    Prod,
}

impl Environment {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Dev => "dev",
            Self::Prod => "prod",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TlsConfig {
    pub cert_file: PathBuf,
    pub key_file: PathBuf,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ProxyConfig {
    /// Peers whose `X-Forwarded-For` is believed. Empty: the peer address is the client.
    pub trusted: Vec<IpAddr>,
    /// Declares that a trusted proxy terminates TLS in front of this server (TOM TRANS-1).
    pub tls_terminated: bool,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct IpHashConfig {
    /// A new IP-hash key every this many hours (TOM INPUT-2).
    pub rotation_hours: u32,
    /// Keys are destroyed this many days after their period ends; afterwards an old
    /// hash can no longer be linked to an address.
    pub keep_days: u32,
}

impl Default for IpHashConfig {
    fn default() -> Self {
        Self { rotation_hours: 24, keep_days: 7 }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SessionConfig {
    /// A session ends after this many minutes without a request (TOM ACC-3).
    pub idle_minutes: u32,
    /// And at the latest this many hours after sign-in.
    pub absolute_hours: u32,
    /// Open kiosk streams per session and per tenant (TOM ACC-8).
    pub kiosk_streams_per_session: u32,
    pub kiosk_streams_per_tenant: u32,
    /// Seconds between a kiosk stream's keep-alives; each re-checks the session (TOM ACC-3).
    pub kiosk_keep_alive_seconds: u32,
}

impl Default for SessionConfig {
    fn default() -> Self {
        Self {
            idle_minutes: 30,
            absolute_hours: 12,
            kiosk_streams_per_session: 4,
            kiosk_streams_per_tenant: 50,
            kiosk_keep_alive_seconds: 15,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RateLimitConfig {
    /// Sign-in attempts per client address and minute (TOM ACC-4).
    pub sign_in_per_ip_per_minute: u32,
    /// Sign-in attempts and password changes per account (email) and minute.
    pub sign_in_per_account_per_minute: u32,
    /// Second-factor codes per account and minute.
    pub mfa_per_account_per_minute: u32,
    /// Unauthenticated endpoints (invitation and sign-in links, bookings) per client address and minute.
    pub public_per_ip_per_minute: u32,
    /// Participant sign-in links and staff password reset links per email address and minute.
    pub magic_link_per_email_per_minute: u32,
    /// IPv6 clients are limited per network of this many leading bits, not per address:
    /// one customer gets a whole /64 (or more) and could rotate through it (32–128).
    pub ipv6_prefix: u8,
    /// All unauthenticated requests together (public pages and links, sign-in, device
    /// enrolment) per minute, whatever their addresses: the ceiling that keeps a spread
    /// of addresses from exhausting password hashing or the database.
    pub unauthenticated_per_minute: u32,
    /// Device endpoints (`/api/v1/device/*`) per client address and minute.
    pub device_per_ip_per_minute: u32,
    /// Repeated refusals of one kind (sign-in rate limit, a device's bad requests) are
    /// audited once per this many seconds, then as one entry with their count.
    pub refusal_audit_window_seconds: u32,
}

impl Default for RateLimitConfig {
    fn default() -> Self {
        Self {
            sign_in_per_ip_per_minute: 20,
            sign_in_per_account_per_minute: 5,
            mfa_per_account_per_minute: 5,
            public_per_ip_per_minute: 20,
            magic_link_per_email_per_minute: 3,
            ipv6_prefix: 64,
            unauthenticated_per_minute: 3000,
            device_per_ip_per_minute: 600,
            refusal_audit_window_seconds: 300,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct AuthConfig {
    /// Argon2id parameters of new password hashes; never below the OWASP floor (TOM ACC-1).
    pub password_hash: HashParams,
    /// Days an invitation link stays valid.
    pub invitation_days: u32,
    /// The access review flags accounts without a sign-in for this many days (TOM AUTHZ-5).
    pub dormant_after_days: u32,
    /// Disable dormant accounts' memberships automatically (hourly job; TOM AUTHZ-5).
    pub disable_dormant: bool,
    /// Admin roles per tenant at most (TOM AUTHZ-4).
    pub max_admins_per_tenant: u32,
    /// Wrong second-factor codes in a row that lock the step, and for how long (TOM ACC-6).
    pub factor_lock_after_failures: u32,
    pub factor_lock_minutes: u32,
    /// Where Microsoft Entra ID signs in (TOM ACC-7): the public cloud, or a national cloud
    /// (e.g. `https://login.microsoftonline.us`). `https` only; plain `http` to a loopback
    /// address in dev, for the tests' provider.
    pub entra_authority: String,
}

impl Default for AuthConfig {
    fn default() -> Self {
        Self {
            password_hash: Default::default(),
            invitation_days: 7,
            dormant_after_days: 90,
            disable_dormant: false,
            max_admins_per_tenant: 5,
            factor_lock_after_failures: 5,
            factor_lock_minutes: 15,
            entra_authority: "https://login.microsoftonline.com".into(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MailTransport {
    /// Each mail becomes an .eml file under `data_dir/mail` (development).
    File,
    Smtp,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SmtpSecurity {
    /// Plain SMTP: only for a relay on the same host.
    None,
    Starttls,
    Tls,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct SmtpConfig {
    pub host: String,
    pub port: u16,
    pub security: SmtpSecurity,
    pub username: Option<String>,
    pub password: Option<String>,
}

impl Default for SmtpConfig {
    fn default() -> Self {
        Self { host: "localhost".into(), port: 587, security: SmtpSecurity::Starttls, username: None, password: None }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MailConfig {
    pub transport: MailTransport,
    /// Sender address, e.g. `anwesend <noreply@example.org>`.
    pub from: String,
    /// How often the outbox worker looks for due mail.
    pub poll_seconds: u32,
    /// Attempts before a message is marked failed; waits double from 30 s between them.
    pub max_attempts: u32,
    pub smtp: SmtpConfig,
}

impl Default for MailConfig {
    fn default() -> Self {
        Self {
            transport: MailTransport::File,
            from: "anwesend <noreply@localhost>".into(),
            poll_seconds: 5,
            max_attempts: 8,
            smtp: SmtpConfig::default(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    /// `dev` or `prod`; must be set explicitly (TOM SEP-4).
    pub environment: Option<Environment>,
    pub database_url: String,
    /// Owner URL used by `migrate` on PostgreSQL when the app itself runs as a
    /// non-owner role. Defaults to `database_url`.
    pub migration_database_url: Option<String>,
    pub database_max_connections: u32,
    pub auto_migrate: bool,
    pub listen: String,
    pub data_dir: PathBuf,
    pub master_key_file: Option<PathBuf>,
    /// The master key itself (base64), as an alternative to `master_key_file`.
    pub master_key: Option<String>,
    pub public_url: String,
    /// Create the demo tenant at start. Defaults to on in dev, refused in prod.
    pub demo_data: Option<bool>,
    pub frontend_dir: PathBuf,
    pub json_body_limit: usize,
    pub log_format: Option<LogFormat>,
    pub tls: Option<TlsConfig>,
    pub proxy: ProxyConfig,
    pub ip_hash: IpHashConfig,
    pub session: SessionConfig,
    pub rate_limit: RateLimitConfig,
    pub auth: AuthConfig,
    pub mail: MailConfig,
    pub devices: DevicesConfig,
    pub jobs: JobsConfig,
    pub metrics: MetricsConfig,
    pub backups: BackupConfig,
    pub webhooks: WebhookConfig,
    pub platform: PlatformConfig,
}

/// The processor's name when `platform.processor_name` is not set.
pub const DEFAULT_PROCESSOR_NAME: &str = "anwesend platform operator";

/// Who runs the platform (`platform`): named where the product speaks as the processor.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PlatformConfig {
    /// The operator's name as processor (Art. 28 GDPR) in each tenant's processing record
    /// (TOM RIGHTS-3), e.g. "Beispiel GmbH, Musterstraße 1, 12345 Berlin".
    pub processor_name: String,
}

impl Default for PlatformConfig {
    fn default() -> Self {
        Self { processor_name: DEFAULT_PROCESSOR_NAME.to_owned() }
    }
}

/// Webhook deliveries (`webhooks`, TOM TRANS-2, TRANS-6).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// How often each node sends due deliveries.
    pub poll_seconds: u32,
    /// Attempts per delivery before it fails (back-off 30 s doubling, up to 6 h).
    pub max_attempts: u32,
    /// Seconds to wait for a receiver.
    pub timeout_seconds: u32,
    /// Let endpoints on loopback addresses (127.0.0.0/8, ::1) through: tests and
    /// development only; prod refuses the setting. Private and link-local addresses stay refused.
    pub allow_loopback: bool,
}

impl Default for WebhookConfig {
    fn default() -> Self {
        Self { poll_seconds: 5, max_attempts: 8, timeout_seconds: 10, allow_loopback: false }
    }
}

/// Prometheus metrics and security-event detection (`metrics`, TOM AVAIL-3).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct MetricsConfig {
    /// Where `GET /metrics` is served, apart from the application (e.g. `127.0.0.1:9464`);
    /// none: no metrics. Only for the monitoring network: it needs no sign-in.
    pub listen: Option<String>,
    /// Security events of one kind (sign-in failures, device signature refusals, rate
    /// limiting) counted by this node within `security_event_window_seconds` that make
    /// one `security.events_detected` entry on the platform audit chain.
    pub security_event_threshold: u32,
    pub security_event_window_seconds: u32,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self { listen: None, security_event_threshold: 50, security_event_window_seconds: 600 }
    }
}

/// The scheduled jobs (`jobs::service`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct JobsConfig {
    /// How often each node looks for due jobs; a job a dead node left unfinished is taken
    /// up by another node within this time.
    pub check_seconds: u32,
}

impl Default for JobsConfig {
    fn default() -> Self {
        Self { check_seconds: 60 }
    }
}

/// Encrypted backups (TOM AVAIL-1, AVAIL-2, DEL-4; `backups`).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct BackupConfig {
    /// Where backup files go; `data_dir/backups` when unset.
    pub dir: Option<PathBuf>,
    /// The operator's offline recovery keys: age X25519 public keys (`age1…`, e.g. from
    /// Debian's `age-keygen`). Every backup is encrypted to them and to the verify key in
    /// the keyring. Prod refuses to take a backup without one.
    pub recovery_recipients: Vec<String>,
    /// PostgreSQL: the read-only backup role (BYPASSRLS, see `deploy/postgres/roles.sql`)
    /// that `pg_dump` connects as; it also creates the scratch databases of verification.
    pub database_url: Option<String>,
    /// The server takes backups itself: a new one when the last is this many hours old.
    pub schedule: bool,
    pub every_hours: u32,
    /// And verifies the newest one when the last verification is this many days old.
    pub verify_every_days: u32,
    /// Backup files older than this many days are removed (the newest one always stays).
    pub keep_days: u32,
}

impl Default for BackupConfig {
    fn default() -> Self {
        Self {
            dir: None,
            recovery_recipients: Vec::new(),
            database_url: None,
            schedule: true,
            every_hours: 24,
            verify_every_days: 7,
            keep_days: 30,
        }
    }
}

/// Check-in devices (TOM DEV-1, DEV-2).
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct DevicesConfig {
    /// Agents older than this are flagged as outdated in the device list.
    pub minimum_agent_version: String,
    /// How long an enrolment code works.
    pub enrolment_minutes: u32,
}

impl Default for DevicesConfig {
    fn default() -> Self {
        Self { minimum_agent_version: env!("CARGO_PKG_VERSION").into(), enrolment_minutes: 15 }
    }
}

impl Default for Config {
    fn default() -> Self {
        Self {
            environment: None,
            database_url: "sqlite://data/anwesend.db".into(),
            migration_database_url: None,
            database_max_connections: 10,
            auto_migrate: true,
            listen: "127.0.0.1:8080".into(),
            data_dir: PathBuf::from("data"),
            master_key_file: None,
            master_key: None,
            public_url: "http://localhost:8080".into(),
            demo_data: None,
            frontend_dir: PathBuf::from("frontend/dist"),
            json_body_limit: 64 * 1024,
            log_format: None,
            tls: None,
            proxy: ProxyConfig::default(),
            ip_hash: IpHashConfig::default(),
            session: SessionConfig::default(),
            rate_limit: RateLimitConfig::default(),
            auth: AuthConfig::default(),
            mail: MailConfig::default(),
            devices: DevicesConfig::default(),
            jobs: JobsConfig::default(),
            metrics: MetricsConfig::default(),
            backups: BackupConfig::default(),
            webhooks: WebhookConfig::default(),
            platform: PlatformConfig::default(),
        }
    }
}

/// A setting that is missing or wrong; the message names it and its variable.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
#[error("setting `{setting}` (environment variable {env_var}): {message}")]
pub struct ConfigError {
    pub setting: String,
    pub env_var: String,
    pub message: String,
}

impl ConfigError {
    pub fn new(setting: &str, message: impl Into<String>) -> Self {
        Self {
            setting: setting.into(),
            env_var: format!("ANWESEND_{}", setting.replace('.', "__").to_uppercase()),
            message: message.into(),
        }
    }
}

const TOP_LEVEL_KEYS: &[&str] = &[
    "environment",
    "database_url",
    "migration_database_url",
    "database_max_connections",
    "auto_migrate",
    "listen",
    "data_dir",
    "master_key_file",
    "master_key",
    "public_url",
    "demo_data",
    "frontend_dir",
    "json_body_limit",
    "log_format",
    "tls",
    "proxy",
    "ip_hash",
    "session",
    "rate_limit",
    "auth",
    "mail",
    "devices",
    "jobs",
    "metrics",
    "backups",
    "webhooks",
    "platform",
];

impl Config {
    /// Reads defaults, then the TOML file (if given), then `ANWESEND_*` variables.
    pub fn load(file: Option<&Path>) -> Result<Self, ConfigError> {
        let mut figment = Figment::from(Serialized::defaults(Config::default()));
        if let Some(file) = file {
            if !file.exists() {
                return Err(ConfigError::new("config", format!("file {} does not exist", file.display())));
            }
            figment = figment.merge(Toml::file(file));
        }
        // Only our own keys: other ANWESEND_* variables (test switches) are not settings.
        let env = Env::prefixed("ANWESEND_").split("__").filter(|key| {
            let top = key.as_str().split('.').next().unwrap_or_default();
            TOP_LEVEL_KEYS.iter().any(|k| k.eq_ignore_ascii_case(top))
        });
        let config: Config = figment.merge(env).extract().map_err(|e| {
            let setting = e.path.join(".");
            ConfigError::new(if setting.is_empty() { "config" } else { &setting }, e.kind.to_string())
        })?;
        config.validate()?;
        Ok(config)
    }

    pub fn environment(&self) -> Environment {
        self.environment.unwrap_or(Environment::Dev)
    }

    pub fn is_prod(&self) -> bool {
        self.environment() == Environment::Prod
    }

    pub fn demo_data(&self) -> bool {
        self.demo_data.unwrap_or(!self.is_prod())
    }

    pub fn log_format(&self) -> LogFormat {
        self.log_format.unwrap_or(if self.is_prod() { LogFormat::Json } else { LogFormat::Text })
    }

    pub fn master_key_path(&self) -> PathBuf {
        self.master_key_file.clone().unwrap_or_else(|| self.data_dir.join("master.key"))
    }

    pub fn backup_dir(&self) -> PathBuf {
        self.backups.dir.clone().unwrap_or_else(|| self.data_dir.join("backups"))
    }

    pub fn migration_url(&self) -> &str {
        self.migration_database_url.as_deref().unwrap_or(&self.database_url)
    }

    /// `scheme://host[:port]` of `public_url`: what browsers send as `Origin`.
    pub fn public_origin(&self) -> &str {
        let rest = self.public_url.split_once("://").map_or("", |(_, r)| r);
        let host_len = rest.find('/').unwrap_or(rest.len());
        let scheme_len = self.public_url.len() - rest.len();
        &self.public_url[..scheme_len + host_len]
    }

    /// TLS reaches the client: served natively or by a declared proxy.
    pub fn serves_tls(&self) -> bool {
        self.tls.is_some() || self.proxy.tls_terminated
    }

    /// Checks every rule that does not need the file system or the database.
    /// In prod, anything that only makes sense for development is refused (TOM SEP-4).
    pub fn validate(&self) -> Result<(), ConfigError> {
        let Some(environment) = self.environment else {
            return Err(ConfigError::new("environment", "must be set to `dev` or `prod`"));
        };
        DatabaseUrl::parse(&self.database_url).map_err(|m| ConfigError::new("database_url", m))?;
        if let Some(url) = &self.migration_database_url {
            DatabaseUrl::parse(url).map_err(|m| ConfigError::new("migration_database_url", m))?;
        }
        if self.database_max_connections == 0 {
            return Err(ConfigError::new("database_max_connections", "must be at least 1"));
        }
        self.listen.parse::<SocketAddr>().map_err(|_| ConfigError::new("listen", "must be an address with port, e.g. 127.0.0.1:8080"))?;
        let public_https = if self.public_url.starts_with("https://") {
            true
        } else if self.public_url.starts_with("http://") {
            false
        } else {
            return Err(ConfigError::new("public_url", "must start with http:// or https://"));
        };
        if !(1024..=16 * 1024 * 1024).contains(&self.json_body_limit) {
            return Err(ConfigError::new("json_body_limit", "must be between 1024 and 16777216 bytes"));
        }
        if !(1..=24 * 7).contains(&self.ip_hash.rotation_hours) {
            return Err(ConfigError::new("ip_hash.rotation_hours", "must be between 1 and 168"));
        }
        if !(1..=3650).contains(&self.ip_hash.keep_days) {
            return Err(ConfigError::new("ip_hash.keep_days", "must be between 1 and 3650"));
        }
        if !(1..=24 * 60).contains(&self.session.idle_minutes) {
            return Err(ConfigError::new("session.idle_minutes", "must be between 1 and 1440"));
        }
        if !(1..=24 * 7).contains(&self.session.absolute_hours) {
            return Err(ConfigError::new("session.absolute_hours", "must be between 1 and 168"));
        }
        if !(1..=100).contains(&self.session.kiosk_streams_per_session) {
            return Err(ConfigError::new("session.kiosk_streams_per_session", "must be between 1 and 100"));
        }
        if !(1..=10_000).contains(&self.session.kiosk_streams_per_tenant) {
            return Err(ConfigError::new("session.kiosk_streams_per_tenant", "must be between 1 and 10000"));
        }
        if !(1..=300).contains(&self.session.kiosk_keep_alive_seconds) {
            return Err(ConfigError::new("session.kiosk_keep_alive_seconds", "must be between 1 and 300"));
        }
        if !(1..=100).contains(&self.auth.factor_lock_after_failures) {
            return Err(ConfigError::new("auth.factor_lock_after_failures", "must be between 1 and 100"));
        }
        if !(1..=24 * 60).contains(&self.auth.factor_lock_minutes) {
            return Err(ConfigError::new("auth.factor_lock_minutes", "must be between 1 and 1440"));
        }
        let authority = &self.auth.entra_authority;
        let loopback_dev =
            environment != Environment::Prod && (authority.starts_with("http://127.0.0.1:") || authority.starts_with("http://localhost:"));
        let bare = !authority.ends_with('/') && !authority.contains(['?', '#', '@']) && authority.len() <= 256;
        if !(bare && (authority.starts_with("https://") || loopback_dev)) {
            return Err(ConfigError::new(
                "auth.entra_authority",
                "must be an https:// origin without trailing slash, e.g. https://login.microsoftonline.com",
            ));
        }
        if self.auth.password_hash.below_floor() {
            return Err(ConfigError::new(
                "auth.password_hash",
                "must be at least memory_kib = 19456, iterations = 2, parallelism = 1 (OWASP minimum for Argon2id)",
            ));
        }
        if !(1..=90).contains(&self.auth.invitation_days) {
            return Err(ConfigError::new("auth.invitation_days", "must be between 1 and 90"));
        }
        if !(1..=3650).contains(&self.auth.dormant_after_days) {
            return Err(ConfigError::new("auth.dormant_after_days", "must be between 1 and 3650"));
        }
        if !(1..=1000).contains(&self.auth.max_admins_per_tenant) {
            return Err(ConfigError::new("auth.max_admins_per_tenant", "must be between 1 and 1000"));
        }
        if !(1..=3600).contains(&self.mail.poll_seconds) {
            return Err(ConfigError::new("mail.poll_seconds", "must be between 1 and 3600"));
        }
        if !(1..=50).contains(&self.mail.max_attempts) {
            return Err(ConfigError::new("mail.max_attempts", "must be between 1 and 50"));
        }
        let processor = self.platform.processor_name.trim();
        if processor.is_empty() || processor.chars().count() > 300 || processor.chars().any(char::is_control) {
            return Err(ConfigError::new("platform.processor_name", "1–300 characters on one line"));
        }
        if !(1..=3600).contains(&self.webhooks.poll_seconds) {
            return Err(ConfigError::new("webhooks.poll_seconds", "must be between 1 and 3600"));
        }
        if !(1..=30).contains(&self.webhooks.max_attempts) {
            return Err(ConfigError::new("webhooks.max_attempts", "must be between 1 and 30"));
        }
        if !(1..=60).contains(&self.webhooks.timeout_seconds) {
            return Err(ConfigError::new("webhooks.timeout_seconds", "must be between 1 and 60"));
        }
        if environment == Environment::Prod && self.webhooks.allow_loopback {
            return Err(ConfigError::new("webhooks.allow_loopback", "is for tests and development only; prod refuses it"));
        }
        if self.rate_limit.sign_in_per_ip_per_minute == 0
            || self.rate_limit.sign_in_per_account_per_minute == 0
            || self.rate_limit.public_per_ip_per_minute == 0
            || self.rate_limit.mfa_per_account_per_minute == 0
            || self.rate_limit.magic_link_per_email_per_minute == 0
        {
            return Err(ConfigError::new("rate_limit", "limits must be at least 1 per minute"));
        }
        if self.rate_limit.unauthenticated_per_minute == 0 || self.rate_limit.device_per_ip_per_minute == 0 {
            return Err(ConfigError::new("rate_limit", "limits must be at least 1 per minute"));
        }
        if !(32..=128).contains(&self.rate_limit.ipv6_prefix) {
            return Err(ConfigError::new("rate_limit.ipv6_prefix", "must be between 32 and 128 (bits of an IPv6 network)"));
        }
        if !(1..=3600).contains(&self.rate_limit.refusal_audit_window_seconds) {
            return Err(ConfigError::new("rate_limit.refusal_audit_window_seconds", "must be between 1 and 3600"));
        }
        if self.metrics.security_event_threshold == 0 {
            return Err(ConfigError::new("metrics.security_event_threshold", "must be at least 1"));
        }
        if !(10..=86_400).contains(&self.metrics.security_event_window_seconds) {
            return Err(ConfigError::new("metrics.security_event_window_seconds", "must be between 10 and 86400"));
        }
        if !(1..=24 * 7).contains(&self.backups.every_hours) {
            return Err(ConfigError::new("backups.every_hours", "must be between 1 and 168"));
        }
        if !(1..=365).contains(&self.backups.verify_every_days) {
            return Err(ConfigError::new("backups.verify_every_days", "must be between 1 and 365"));
        }
        if !(1..=3650).contains(&self.backups.keep_days) {
            return Err(ConfigError::new("backups.keep_days", "must be between 1 and 3650"));
        }
        for recipient in &self.backups.recovery_recipients {
            recipient
                .parse::<age::x25519::Recipient>()
                .map_err(|_| ConfigError::new("backups.recovery_recipients", "each must be an age X25519 public key (age1…)"))?;
        }
        if let Some(url) = &self.backups.database_url {
            if !matches!(DatabaseUrl::parse(url), Ok(DatabaseUrl::Postgres(_))) {
                return Err(ConfigError::new("backups.database_url", "must be a postgres:// URL of the backup role"));
            }
        }
        if self.master_key_file.is_some() && self.master_key.is_some() {
            return Err(ConfigError::new("master_key", "set either master_key or master_key_file, not both"));
        }
        if self.proxy.tls_terminated && self.proxy.trusted.is_empty() {
            return Err(ConfigError::new("proxy.trusted", "a TLS-terminating proxy must be listed as trusted"));
        }

        if environment == Environment::Prod {
            if self.master_key_file.is_none() && self.master_key.is_none() {
                return Err(ConfigError::new(
                    "master_key_file",
                    "prod needs a master key made with `anwesend keys generate-master`; it is never generated at start",
                ));
            }
            if self.demo_data == Some(true) {
                return Err(ConfigError::new("demo_data", "demo data is not allowed in prod"));
            }
            if !self.serves_tls() {
                return Err(ConfigError::new(
                    "tls",
                    "prod refuses plain HTTP: configure tls.cert_file/tls.key_file or declare a TLS proxy (proxy.tls_terminated with proxy.trusted)",
                ));
            }
            if !public_https {
                return Err(ConfigError::new("public_url", "must be an https:// URL in prod"));
            }
            if self.mail.transport != MailTransport::Smtp {
                return Err(ConfigError::new("mail.transport", "prod sends mail over SMTP: set mail.transport = \"smtp\" and mail.smtp.*"));
            }
            // Plain SMTP crosses no network only to a relay on this host (TOM TRANS-1).
            if self.mail.smtp.security == SmtpSecurity::None && !is_loopback_host(&self.mail.smtp.host) {
                return Err(ConfigError::new(
                    "mail.smtp.security",
                    "plain SMTP (\"none\") only to a relay on this host (localhost, 127.0.0.0/8, ::1); use \"starttls\" or \"tls\" for a remote relay",
                ));
            }
        }
        Ok(())
    }
}

/// `localhost`, or a loopback address (127.0.0.0/8, ::1, also in brackets).
fn is_loopback_host(host: &str) -> bool {
    let host = host.trim().trim_end_matches('.');
    host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<IpAddr>().is_ok_and(|ip| ip.to_canonical().is_loopback())
}

/// Argon2id cost parameters of new hashes. Existing hashes keep theirs (they are in the
/// PHC string) and still verify.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct HashParams {
    pub memory_kib: u32,
    pub iterations: u32,
    pub parallelism: u32,
}

impl HashParams {
    pub const FLOOR: Self = Self { memory_kib: 19 * 1024, iterations: 2, parallelism: 1 };

    pub fn below_floor(&self) -> bool {
        self.memory_kib < Self::FLOOR.memory_kib || self.iterations < Self::FLOOR.iterations || self.parallelism < Self::FLOOR.parallelism
    }
}

impl Default for HashParams {
    fn default() -> Self {
        Self::FLOOR
    }
}
