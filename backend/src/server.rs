//! Start-up: checks, migrations, demo data, background jobs, the HTTP server.

use std::io::BufReader;
use std::sync::Arc;
use std::time::Duration;

use actix_web::HttpServer;
use anyhow::{bail, Context};

use crate::audit::AuditContext;
use crate::clock::{Clock, SystemClock};
use crate::config::{Config, LogFormat};
use crate::crypto::MasterKey;
use crate::db::{self, Db, TenantScope};
use crate::events::{
    self,
    model::{EventInput, SessionInput},
};
use crate::locations::{self, model::NewLocation};
use crate::state::AppState;
use crate::tenants::{self, model::NewTenant};

pub const DEMO_TENANT_SLUG: &str = "demo";

/// Logs go to stderr; JSON in prod. Never log personal data, tokens or secrets.
pub fn init_logging(format: LogFormat) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,actix_server=warn"));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    let _ = match format {
        LogFormat::Json => builder.json().flatten_event(true).try_init(),
        LogFormat::Text => builder.try_init(),
    };
}

/// Builds the application state: master key, pool, migrations, the SEP-4 checks that
/// need the database, and the demo tenant in dev.
pub fn prepare(config: Config, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let master = MasterKey::load(&config)?;
    if config.auto_migrate {
        let applied = db::migrate(config.migration_url()).context("running migrations")?;
        if !applied.is_empty() {
            tracing::info!(count = applied.len(), "applied migrations");
        }
    }
    let db = Db::new(&config.database_url, config.database_max_connections)?;
    let state = AppState::new(config, db, master, clock);
    let mut conn = state.db.conn()?;
    if state.config.is_prod() && tenants::store::any_demo(&mut conn)? {
        bail!("the database holds demo data (tenants marked is_demo); prod refuses to start with it (TOM SEP-4)");
    }
    drop(conn);
    // A restored older copy of the database must not bring erased people back (PRIV-4).
    let erased = crate::privacy::service::reapply_ledger(&state, state.clock.now())
        .map_err(|e| anyhow::anyhow!("re-applying the erasure ledger: {e}"))?;
    if erased > 0 {
        tracing::warn!(count = erased, "erased again people that a restored database copy brought back");
    }
    // Publish this master key's verification key (offline checks of what it signs).
    let signer = crate::crypto::PlatformSigner::from_master(&state.master)?;
    crate::signing_keys::service::record_current(&state.db, &signer, &AuditContext::system(state.clock.now()))?;
    if state.config.demo_data() {
        seed_demo(&state)?;
    }
    Ok(state)
}

/// The demo tenant with a venue and a room, created once.
fn seed_demo(state: &AppState) -> anyhow::Result<()> {
    if tenants::service::find_by_slug(&state.db, DEMO_TENANT_SLUG)?.is_some() {
        return Ok(());
    }
    let ctx = AuditContext::system(state.clock.now());
    let tenant = tenants::service::create(
        &state.db,
        &state.master,
        &ctx,
        NewTenant { slug: DEMO_TENANT_SLUG.into(), name: "Demo-Sportverein".into(), is_demo: true },
    )?;
    let scope = TenantScope::named_by_operator(tenant.id);
    let venue = locations::service::create(&state.db, &scope, &ctx, NewLocation { name: "Sporthalle am Park".into(), parent_id: None })?;
    let hall = locations::service::create(&state.db, &scope, &ctx, NewLocation { name: "Halle 1".into(), parent_id: Some(venue.id) })?;
    // A published course with four weekly sessions from next week, to book right away.
    let first = (state.clock.now() + chrono::Duration::days(7)).date_naive().and_hms_opt(18, 0, 0).unwrap_or_default();
    let course = EventInput {
        kind: "course".into(),
        title: "Schnupperkurs Yoga".into(),
        description: "Vier Abende zum Kennenlernen. Bitte eine Matte mitbringen.".into(),
        location_id: Some(hall.id),
        company_id: None,
        capacity: 12,
        waiting_list: true,
        booking_opens_at: None,
        booking_closes_at: None,
        fields: Vec::new(),
        sessions: (0..4)
            .map(|week| SessionInput {
                starts_at: first + chrono::Duration::weeks(week),
                ends_at: first + chrono::Duration::weeks(week) + chrono::Duration::minutes(90),
            })
            .collect(),
        instructor_ids: Vec::new(),
        signature_required: false,
    };
    events::service::create_as(&state.db, &scope, &ctx, None, &course, events::model::STATUS_PUBLISHED)?;
    tracing::info!("created the demo tenant");
    Ok(())
}

/// Every `jobs.check_seconds` (and once at start): the scheduled jobs that are due, each on
/// one node only (`jobs::service`), the backup and its verification among them.
fn spawn_jobs(state: AppState) {
    if state.config.backups.schedule && !crate::jobs::service::backups_scheduled(&state.config) {
        tracing::warn!("backups are not scheduled: set backups.database_url (the read-only backup role)");
    }
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(u64::from(state.config.jobs.check_seconds.max(1))));
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let state = state.clone();
            if actix_web::web::block(move || crate::jobs::service::run_due(&state)).await.is_err() {
                tracing::error!("scheduled jobs panicked");
            }
        }
    });
}

/// Every minute: keep the rate limiters' memory bounded (TOM ACC-4) and write the counts
/// of refused requests whose window has closed, so no count waits for a next refusal.
/// Both live in this node's memory, so every node runs it.
pub fn every_minute(state: &AppState) -> Result<usize, crate::AppError> {
    state.limits.forget_recovered();
    state.limits.refusals.flush(&state.db, state.clock.now())
}

fn spawn_minute_job(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(Duration::from_secs(60));
        loop {
            interval.tick().await;
            let state = state.clone();
            match actix_web::web::block(move || every_minute(&state)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(cause = %e, "minute job failed"),
                Err(_) => tracing::error!("minute job panicked"),
            }
        }
    });
}

/// Every 250 ms: seal the committed audit entries of every chain that has unsealed ones
/// (TOM INPUT-5, `audit::sealer`), so a quiet system does not keep entries unsealed until
/// the next reader. Several servers may run it at once: the chain head serialises them.
pub fn spawn_sealer(state: AppState) {
    actix_web::rt::spawn(async move {
        let mut interval = actix_web::rt::time::interval(crate::audit::sealer::INTERVAL);
        interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            interval.tick().await;
            let db = state.db.clone();
            match actix_web::web::block(move || crate::audit::sealer::seal(&db, None)).await {
                Ok(Ok(_)) => {}
                Ok(Err(e)) => tracing::error!(cause = %e, "sealing audit entries failed"),
                Err(_) => tracing::error!("sealing audit entries panicked"),
            }
        }
    });
}

fn tls_config(cert: &std::path::Path, key: &std::path::Path) -> anyhow::Result<rustls::ServerConfig> {
    let certs = rustls_pemfile::certs(&mut BufReader::new(
        std::fs::File::open(cert).with_context(|| format!("setting `tls.cert_file`: cannot open {}", cert.display()))?,
    ))
    .collect::<Result<Vec<_>, _>>()
    .context("setting `tls.cert_file`: not a PEM certificate chain")?;
    let key = rustls_pemfile::private_key(&mut BufReader::new(
        std::fs::File::open(key).with_context(|| format!("setting `tls.key_file`: cannot open {}", key.display()))?,
    ))
    .context("setting `tls.key_file`: not a PEM private key")?
    .context("setting `tls.key_file`: no private key found")?;
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()?
        .with_no_client_auth()
        .with_single_cert(certs, key)
        .context("setting `tls`: certificate and key do not match")?;
    Ok(config)
}

pub async fn serve(config: Config) -> anyhow::Result<()> {
    let listen = config.listen.clone();
    let tls = config.tls.clone();
    let state = actix_web::web::block(move || prepare(config, Arc::new(SystemClock))).await.context("start-up task failed")??;
    spawn_jobs(state.clone());
    crate::attendance::kiosk::start_listener(&state);
    crate::notify::worker::spawn(state.clone()).context("starting the mail worker")?;
    crate::webhooks::worker::spawn(state.clone()).context("starting the webhook worker")?;
    spawn_minute_job(state.clone());
    spawn_sealer(state.clone());
    let environment = state.config.environment().as_str();
    let server = HttpServer::new({
        let state = state.clone();
        move || crate::http::build_app(state.clone())
    })
    .shutdown_timeout(10);
    let server = match tls {
        Some(tls) => server.bind_rustls_0_23(&listen, tls_config(&tls.cert_file, &tls.key_file)?)?,
        None => server.bind(&listen).with_context(|| format!("setting `listen`: cannot bind {listen}"))?,
    };
    tracing::info!(%listen, environment, version = crate::http::routes::VERSION, "anwesend is listening");
    match state.config.metrics.listen.clone() {
        Some(address) => {
            let metrics = HttpServer::new(move || crate::metrics::app(state.clone()))
                .workers(1)
                .bind(&address)
                .with_context(|| format!("setting `metrics.listen`: cannot bind {address}"))?;
            tracing::info!(%address, "metrics are served");
            futures_util::future::try_join(server.run(), metrics.run()).await?;
        }
        None => server.run().await?,
    }
    Ok(())
}
