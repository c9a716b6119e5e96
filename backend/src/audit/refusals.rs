//! Refused requests are audited without letting a flood of them flood the chain (TOM
//! INPUT-1, AVAIL-5): each audit write takes the chain's head lock, and on SQLite the
//! database's write lock. Per kind of refusal (chain, action, target, details) and window,
//! the first refusal is written at once with `count` 1; later ones are only counted, and
//! one entry with their `count` is written when the window has closed: at the next refusal
//! of that kind, or by the server's minute job (`flush`). The sum of `count` over a kind's
//! entries is the number of refusals.

use std::collections::HashMap;
use std::sync::Mutex;

use chrono::{DateTime, Duration, SecondsFormat, Utc};

use super::model::{Actor, AuditContext, Event, PLATFORM_CHAIN};
use crate::db::{Db, TenantScope};
use crate::error::AppError;

/// Refusals of one kind in one window.
struct Window {
    scope: Option<TenantScope>,
    event: Event,
    actor: Actor,
    opened: DateTime<Utc>,
    last: DateTime<Utc>,
    /// Refusals after the first, not written yet.
    counted: u64,
}

impl Window {
    /// The entry for the refusals counted in this window.
    fn summary(self, at: DateTime<Utc>) -> (Option<TenantScope>, AuditContext, Event) {
        let time = |t: DateTime<Utc>| t.to_rfc3339_opts(SecondsFormat::Secs, true);
        let event = self.event.detail("count", self.counted).detail("since", time(self.opened)).detail("until", time(self.last));
        (self.scope, AuditContext { actor: self.actor, at, request_id: None, ip: None }, event)
    }
}

pub struct Refusals {
    window: Duration,
    /// Keys are the kinds of refusal seen in the open windows: bounded by the callers'
    /// choice of details (reason codes, route paths, known device ids), never addresses.
    open: Mutex<HashMap<String, Window>>,
}

impl Refusals {
    pub fn new(window_seconds: u32) -> Self {
        Self { window: Duration::seconds(i64::from(window_seconds.max(1))), open: Mutex::new(HashMap::new()) }
    }

    /// Audits the refusal `event` in the chain of `scope` (the platform's for none): the
    /// first of its kind in a window now, the rest counted. Blocking.
    pub fn record(&self, db: &Db, scope: Option<&TenantScope>, ctx: &AuditContext, event: Event) -> Result<(), AppError> {
        let chain = scope.map_or(PLATFORM_CHAIN, |s| s.tenant_id());
        let kind = format!(
            "{chain}|{}|{}|{}|{}|{}",
            event.action.code(),
            event.target_type,
            event.target_id.as_deref().unwrap_or_default(),
            event.outcome.code(),
            serde_json::Value::Object(event.detail.clone())
        );
        let closed = {
            let mut open = self.lock();
            match open.get_mut(&kind) {
                Some(w) if ctx.at < w.opened + self.window => {
                    w.counted += 1;
                    w.last = w.last.max(ctx.at);
                    return Ok(());
                }
                _ => {
                    let window = Window {
                        scope: scope.cloned(),
                        event: event.clone(),
                        actor: ctx.actor.clone(),
                        opened: ctx.at,
                        last: ctx.at,
                        counted: 0,
                    };
                    open.insert(kind, window).filter(|w| w.counted > 0)
                }
            }
        };
        db.tx_in(scope, |tx| {
            if let Some(closed) = closed {
                let (_, summary_ctx, summary) = closed.summary(ctx.at);
                super::record(tx, &summary_ctx, summary)?;
            }
            super::record(tx, ctx, event.detail("count", 1))?;
            Ok(())
        })
    }

    /// Writes the counts of the windows that closed by `now` and forgets those windows.
    /// Returns how many entries it wrote. Blocking.
    pub fn flush(&self, db: &Db, now: DateTime<Utc>) -> Result<usize, AppError> {
        let closed: Vec<Window> = {
            let mut open = self.lock();
            let due: Vec<String> = open.iter().filter(|(_, w)| w.opened + self.window <= now).map(|(k, _)| k.clone()).collect();
            due.iter().filter_map(|k| open.remove(k)).filter(|w| w.counted > 0).collect()
        };
        let (mut written, mut failed) = (0, None);
        for window in closed {
            let counted = window.counted;
            let (scope, ctx, event) = window.summary(now);
            match db.tx_in(scope.as_ref(), |tx| super::record(tx, &ctx, event).map(|_| ())) {
                Ok(()) => written += 1,
                Err(e) => {
                    tracing::error!(cause = %e, count = counted, "writing the count of refused requests failed");
                    failed = Some(e);
                }
            }
        }
        failed.map_or(Ok(written), Err)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Window>> {
        self.open.lock().unwrap_or_else(|p| p.into_inner())
    }
}
