//! Client IPs are kept only as HMAC-SHA256 under a key that rotates every period
//! (daily by default). Keys are destroyed `keep_days` after their period ends; after
//! that, nobody can recompute a past hash to link it to an address (TOM INPUT-2).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv6Addr};
use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, TimeZone, Utc};
use diesel::result::{DatabaseErrorKind, Error as DieselError};

use super::ip_hash_store::{self as store, IpHashKeyRow};
use crate::audit::{self, Action, AuditContext, Event};
use crate::config::IpHashConfig;
use crate::crypto::{hmac_sha256, random_key, CryptoError, Key, MasterKey};
use crate::db::Db;
use crate::error::AppError;

const PURPOSE: &str = "ip-hash";

/// IPv4-mapped IPv6 addresses are their IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map(IpAddr::V4).unwrap_or(ip),
        v4 => v4,
    }
}

/// The network a client is limited as: an IPv4 address alone; an IPv6 address by its
/// first `ipv6_prefix` bits, since one customer holds a whole /64 (or more) and can use
/// any address in it.
pub fn network(ip: IpAddr, ipv6_prefix: u8) -> String {
    match canonical(ip) {
        IpAddr::V4(v4) => v4.to_string(),
        IpAddr::V6(v6) => {
            let prefix = u32::from(ipv6_prefix.min(128));
            let mask = u128::MAX.checked_shl(128 - prefix).unwrap_or(0);
            format!("{}/{prefix}", Ipv6Addr::from(u128::from(v6) & mask))
        }
    }
}

/// A hashed address and the key (period) it was hashed under.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IpHash {
    pub key_id: String,
    pub hash: Vec<u8>,
    /// The keyed hash of the address's `network`: the key of the per-address rate limits,
    /// so every address of one IPv6 /64 (by default) shares one limit (TOM ACC-4). Kept in
    /// memory only; the audit trail stores `hash`.
    pub network: Vec<u8>,
}

pub struct IpHasher {
    db: Db,
    master: Arc<MasterKey>,
    period: Duration,
    keep: Duration,
    /// Unwrapped keys by period id, with the period's end.
    cache: Mutex<HashMap<String, (DateTime<Utc>, Key)>>,
}

impl IpHasher {
    pub fn new(db: Db, master: Arc<MasterKey>, config: &IpHashConfig) -> Self {
        Self {
            db,
            master,
            period: Duration::hours(i64::from(config.rotation_hours)),
            keep: Duration::days(i64::from(config.keep_days)),
            cache: Mutex::new(HashMap::new()),
        }
    }

    /// The period containing `at`: its id (start in UTC) and bounds.
    fn period_of(&self, at: DateTime<Utc>) -> (String, DateTime<Utc>, DateTime<Utc>) {
        let len = self.period.num_seconds();
        let start_secs = at.timestamp().div_euclid(len) * len;
        let start = Utc.timestamp_opt(start_secs, 0).single().unwrap_or(at);
        (start.format("%Y-%m-%dT%H:%MZ").to_string(), start, start + self.period)
    }

    /// Hashes `ip` under the key of the period containing `at`, creating that key on
    /// first use; its network is the address alone. Runs on its own connection: call it
    /// before opening a write transaction.
    pub fn hash(&self, ip: IpAddr, at: DateTime<Utc>) -> Result<IpHash, AppError> {
        self.hash_client(ip, 128, at)
    }

    /// `hash`, with the network of an IPv6 address its first `ipv6_prefix` bits.
    pub fn hash_client(&self, ip: IpAddr, ipv6_prefix: u8, at: DateTime<Utc>) -> Result<IpHash, AppError> {
        let (key_id, start, end) = self.period_of(at);
        let key = self.key_for(&key_id, start, end, at)?;
        let hash = hmac_sha256(key.as_ref(), &[b"anwesend-ip-v1\0", canonical(ip).to_string().as_bytes()]).to_vec();
        let network = hmac_sha256(key.as_ref(), &[b"anwesend-ip-net-v1\0", network(ip, ipv6_prefix).as_bytes()]).to_vec();
        Ok(IpHash { key_id, hash, network })
    }

    fn key_for(&self, id: &str, start: DateTime<Utc>, end: DateTime<Utc>, at: DateTime<Utc>) -> Result<Key, AppError> {
        if let Some((_, key)) = self.lock().get(id) {
            return Ok(key.clone());
        }
        let mut conn = self.db.conn()?;
        let row = match store::find(&mut conn, id)? {
            Some(row) => row,
            None => {
                let key = random_key();
                let row = IpHashKeyRow {
                    id: id.to_owned(),
                    valid_from: start.naive_utc(),
                    valid_until: end.naive_utc(),
                    wrapped_key: Some(self.master.wrap(PURPOSE, "platform", id, &key)?),
                    master_key_id: self.master.id().to_owned(),
                    created_at: at.naive_utc(),
                    destroyed_at: None,
                };
                let created = self.db.platform_tx(|tx| {
                    store::insert(tx, &row)?;
                    let event = Event::new(Action::IpHashKeyCreated, "ip_hash_key", Some(id));
                    audit::record(tx, &AuditContext::system(at), event)?;
                    Ok(())
                });
                match created {
                    Ok(()) => row,
                    // Another worker created it first: use theirs.
                    Err(AppError::Database(DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, _))) => {
                        store::find(&mut conn, id)?.ok_or(AppError::NotFound)?
                    }
                    Err(e) => return Err(e),
                }
            }
        };
        let wrapped = row.wrapped_key.ok_or(CryptoError::KeyDestroyed)?;
        let key = self.master.unwrap(PURPOSE, "platform", id, &wrapped)?;
        self.lock().insert(id.to_owned(), (end, key.clone()));
        Ok(key)
    }

    /// Destroys every key whose period ended more than `keep_days` before `now`.
    /// Returns the destroyed key ids (for the audit trail).
    pub fn destroy_expired(&self, now: DateTime<Utc>) -> Result<Vec<String>, AppError> {
        let cutoff = (now - self.keep).naive_utc();
        let destroyed = self.db.platform_tx(|tx| {
            let destroyed = store::destroy_ended_before(tx, cutoff, now.naive_utc())?;
            for id in &destroyed {
                let event = Event::new(Action::IpHashKeyDestroyed, "ip_hash_key", Some(id));
                audit::record(tx, &AuditContext::system(now), event)?;
            }
            Ok(destroyed)
        })?;
        // Also forget keys another instance destroyed.
        self.lock().retain(|_, (end, _)| end.naive_utc() > cutoff);
        Ok(destroyed)
    }

    /// Creates the key of the period containing `at` ahead of time.
    pub fn ensure_key(&self, at: DateTime<Utc>) -> Result<String, AppError> {
        let (id, start, end) = self.period_of(at);
        self.key_for(&id, start, end, at)?;
        Ok(id)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (DateTime<Utc>, Key)>> {
        self.cache.lock().unwrap_or_else(|p| p.into_inner())
    }
}
