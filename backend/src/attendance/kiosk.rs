//! What an open kiosk stream may still show (TOM ACC-3, ACC-8, SEP-3). The stream outlives
//! the request that opened it, so its session is checked again before every tap and at
//! every keep-alive, and each tap is shown only to those who may see its event.

use super::model::KioskEvent;
use crate::auth::model::Stage;
use crate::auth::policy::{decide, Permission};
use crate::auth::service::{recheck, Origin, Principal};
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
