use std::sync::Arc;

use crate::audit::IpHasher;
use crate::auth::rate_limit::AuthLimits;
use crate::clock::Clock;
use crate::config::Config;
use crate::crypto::MasterKey;
use crate::db::Db;

/// Everything a request handler may reach, built once at start.
#[derive(Clone)]
pub struct AppState {
    pub config: Arc<Config>,
    pub db: Db,
    pub master: Arc<MasterKey>,
    pub ip_hasher: Arc<IpHasher>,
    pub clock: Arc<dyn Clock>,
    pub limits: Arc<AuthLimits>,
    /// Wakes the mail worker when a service queued a message.
    pub mail_wakeup: Arc<crate::runtime::Wakeup>,
    /// Accepted taps for the open kiosk screens of this node.
    pub kiosk: Arc<crate::runtime::Feed<crate::attendance::model::KioskSignal>>,
    /// PostgreSQL: the listener that brings every node's taps into `kiosk`, started once.
    pub kiosk_listener: Arc<std::sync::OnceLock<Arc<crate::db::listen::Listening>>>,
    /// PostgreSQL: what sends this node's taps to every node's listener, started once.
    pub kiosk_notifier: Arc<std::sync::OnceLock<crate::db::listen::Notifier>>,
    /// This node's request, tap and security-event counters (`/metrics`).
    pub metrics: Arc<crate::metrics::Metrics>,
    /// Which tenant each known device belongs to (it never changes).
    pub device_tenants: Arc<crate::devices::signed::DeviceTenants>,
    /// The OpenID providers' discovery documents and signing keys (TOM ACC-7).
    pub sso_metadata: Arc<crate::sso::cache::MetadataCache>,
}

impl AppState {
    pub fn new(config: Config, db: Db, master: MasterKey, clock: Arc<dyn Clock>) -> Self {
        let master = Arc::new(master);
        let ip_hasher = Arc::new(IpHasher::new(db.clone(), master.clone(), &config.ip_hash));
        let limits = Arc::new(AuthLimits::new(&config.rate_limit));
        Self {
            config: Arc::new(config),
            db,
            master,
            ip_hasher,
            clock,
            limits,
            mail_wakeup: Default::default(),
            kiosk: Default::default(),
            kiosk_listener: Default::default(),
            kiosk_notifier: Default::default(),
            metrics: Default::default(),
            device_tenants: Default::default(),
            sso_metadata: Default::default(),
        }
    }
}
