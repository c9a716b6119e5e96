//! The OpenID providers' discovery documents with their signing keys (JWKS), kept per
//! issuer on this node (TOM ACC-7): a sign-in does not ask the provider for them again
//! while they are younger than `MAX_AGE`; a token signed with a key the cached set does not
//! hold (the provider rotated its keys) fetches them again, at most once a minute per
//! issuer, so a stream of forged key ids cannot make anwesend hammer the provider.

use std::collections::HashMap;
use std::sync::Mutex;

use super::oidc::Metadata;
use chrono::{DateTime, Duration, Utc};

/// How long a fetched discovery document and its keys are used without asking again.
pub const MAX_AGE_MINUTES: i64 = 60;
/// The shortest time between two fetches of one issuer for an unknown key.
pub const REFETCH_SECONDS: i64 = 60;
/// Issuers kept at most; the cache starts over beyond (tenants × providers is small).
const MAX_ENTRIES: usize = 1000;

struct Entry {
    metadata: Metadata,
    fetched_at: DateTime<Utc>,
}

#[derive(Default)]
pub struct MetadataCache {
    entries: Mutex<HashMap<String, Entry>>,
}

impl MetadataCache {
    fn entries(&self) -> std::sync::MutexGuard<'_, HashMap<String, Entry>> {
        self.entries.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The issuer's metadata from the cache while fresh, else from `fetch` (then kept).
    pub fn get<E>(&self, issuer: &str, now: DateTime<Utc>, fetch: impl FnOnce() -> Result<Metadata, E>) -> Result<Metadata, E> {
        if let Some(entry) = self.entries().get(issuer) {
            if entry.fetched_at <= now && now - entry.fetched_at < Duration::minutes(MAX_AGE_MINUTES) {
                return Ok(entry.metadata.clone());
            }
        }
        let metadata = fetch()?;
        self.put(issuer, now, &metadata);
        Ok(metadata)
    }

    /// A token named a key the cached set does not hold: fetched again unless this issuer
    /// was fetched less than a minute ago (`None` then: the cached keys stay the answer).
    pub fn refetch<E>(&self, issuer: &str, now: DateTime<Utc>, fetch: impl FnOnce() -> Result<Metadata, E>) -> Result<Option<Metadata>, E> {
        {
            let entries = self.entries();
            if let Some(entry) = entries.get(issuer) {
                if entry.fetched_at <= now && now - entry.fetched_at < Duration::seconds(REFETCH_SECONDS) {
                    return Ok(None);
                }
            }
        }
        let metadata = fetch()?;
        self.put(issuer, now, &metadata);
        Ok(Some(metadata))
    }

    /// Keeps what "Verbindung testen" or a sign-in fetched.
    pub fn put(&self, issuer: &str, now: DateTime<Utc>, metadata: &Metadata) {
        let mut entries = self.entries();
        if entries.len() >= MAX_ENTRIES && !entries.contains_key(issuer) {
            entries.clear();
        }
        entries.insert(issuer.to_owned(), Entry { metadata: metadata.clone(), fetched_at: now });
    }
}
