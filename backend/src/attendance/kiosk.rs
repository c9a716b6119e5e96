//! The kiosk feed: how taps reach the open screens, and what an open kiosk stream may
//! still show (TOM ACC-3, ACC-8, SEP-3). The stream outlives the request that opened it,
//! so its session is checked again before every tap and at every keep-alive, and each tap
//! is shown only to those who may see its event.
//!
//! Between server nodes (PostgreSQL) a tap travels as a `NOTIFY` sent after its commit
//! (`publish`, through this node's `listen::Notifier`); every node's listener reads it in
//! its tenant and passes it to its own screens, the tapping node's included. SQLite
//! serves one node: the tap goes straight to this process's screens.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::broadcast;

use super::model::{KioskEvent, KioskSignal, TapNotice};
use crate::auth::model::Stage;
use crate::auth::policy::{decide, Permission};
use crate::auth::service::{recheck, Origin, Principal};
use crate::db::listen::{self, Heard, Keep, Listening};
use crate::error::AppError;
use crate::events::access::{visible_event, EventAccess};
use crate::state::AppState;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Verdict {
    Show,
    /// Not for this caller; the stream goes on.
    Hide,
    /// The session no longer allows the stream: it ends.
    Close,
}

/// Checks the session that `opened` the stream as a request would (signed in, not idle
/// or expired, account and membership enabled, still allowed `kiosk.view` in the same
/// tenant), without counting as activity; then whether `event`, if any, may be shown.
/// Blocking. Any failure closes the stream: the screen reconnects and signs in again.
pub fn check(state: &AppState, opened: &Principal, event: Option<&KioskEvent>) -> Verdict {
    inner(state, opened, event).unwrap_or(Verdict::Close)
}

fn inner(state: &AppState, opened: &Principal, event: Option<&KioskEvent>) -> Result<Verdict, AppError> {
    let origin = Origin {
        at: state.clock.now(),
        request_id: opened.audit.request_id.clone().unwrap_or_default(),
        ip: opened.audit.ip.clone(),
        device: String::new(),
    };
    let Ok(p) = recheck(state, &origin, &opened.session_id) else { return Ok(Verdict::Close) };
    let tenant = opened.tenant.as_ref().map(|t| t.tenant_id());
    let scope = decide(&p, Permission::KioskView).and_then(|g| g.scope).filter(|s| p.stage == Stage::Full && Some(s.tenant_id()) == tenant);
    let Some(scope) = scope else { return Ok(Verdict::Close) };
    let Some(event) = event else { return Ok(Verdict::Show) };
    if matches!(EventAccess::of(&p), EventAccess::All) {
        return Ok(Verdict::Show);
    }
    // Instructors and company admins: taps of their events, and taps that name nobody.
    let Some(event_id) = &event.event_id else {
        return Ok(if event.first_name.is_none() { Verdict::Show } else { Verdict::Hide });
    };
    state.db.tenant_read(&scope, |tx| match visible_event(tx, &p, event_id) {
        Ok(_) => Ok(Verdict::Show),
        Err(AppError::NotFound) => Ok(Verdict::Hide),
        Err(e) => Err(e),
    })
}

/// The `NOTIFY` channel of tap notices.
const CHANNEL: &str = "anwesend_kiosk";

/// How long a new stream waits for its node's listener to listen (PostgreSQL).
const LISTENER_START: Duration = Duration::from_secs(5);

/// After the tap's commit: SQLite shows it on this process's screens; PostgreSQL tells
/// every node's listener (this node's included), which shows it on its screens. The notice
/// is queued for this node's notifier (`listen::Notifier`); the request does not wait for
/// it. A notice that cannot be sent is logged: the tap is stored, and a screen shows the
/// next one.
pub fn publish(state: &AppState, notice: TapNotice, event: KioskEvent) {
    if !state.db.url().is_postgres() {
        state.kiosk.publish(KioskSignal::Tap(event));
        return;
    }
    match serde_json::to_string(&notice) {
        Ok(payload) => state.kiosk_notifier.get_or_init(|| listen::Notifier::spawn(state.db.url(), CHANNEL)).send(payload),
        Err(e) => tracing::warn!(cause = %e, "a tap could not be announced to the kiosks"),
    }
}

/// A receiver for a new stream. PostgreSQL: starts this node's listener the first time and
/// waits until it listens, so every tap committed from now on reaches the stream. Blocking.
pub fn subscribe(state: &AppState) -> broadcast::Receiver<KioskSignal> {
    let receiver = state.kiosk.subscribe();
    if state.db.url().is_postgres() && !start_listener(state).wait(LISTENER_START) {
        tracing::warn!("the kiosk listener is not listening yet; the stream is told to resync when it is");
    }
    receiver
}

/// Starts this node's listener once (PostgreSQL; nothing on SQLite). It ends when the state
/// that started it is gone. After a reconnect the screens are told to resync.
pub fn start_listener(state: &AppState) -> Arc<Listening> {
    state
        .kiosk_listener
        .get_or_init(|| {
            let feed = Arc::downgrade(&state.kiosk);
            let (db, master) = (state.db.clone(), state.master.clone());
            listen::spawn(state.db.url(), CHANNEL, move |heard| {
                let Some(feed) = feed.upgrade() else { return Keep::Stop };
                match heard {
                    // No screen open on this node: the tap need not be read. A stream
                    // subscribes before it is served, so it sees every tap from then on.
                    Heard::Message(_) if !feed.is_watched() => {}
                    Heard::Message(payload) => match serde_json::from_str::<TapNotice>(payload) {
                        Ok(notice) => match super::service::kiosk_event(&db, &master, &notice) {
                            Ok(Some(event)) => feed.publish(KioskSignal::Tap(event)),
                            Ok(None) => {}
                            Err(e) => tracing::warn!(cause = %e, "an announced tap could not be read"),
                        },
                        Err(_) => tracing::warn!("a kiosk notice that is not a tap notice"),
                    },
                    Heard::Resumed => feed.publish(KioskSignal::Resync),
                    Heard::Idle => {}
                }
                Keep::Listening
            })
        })
        .clone()
}
