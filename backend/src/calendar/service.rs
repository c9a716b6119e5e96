use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::ics::{self, Entry};
use super::model::{FeedCreated, FeedRow, FeedStatus};
use super::store;
use crate::audit::{self, Action, Event};
use crate::auth::service::{token_hash, Principal};
use crate::crypto::random_bytes;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::events::model::{EventRow, SessionRow, STATUS_PUBLISHED};
use crate::state::AppState;
use crate::tenants::model::Tenant;

/// How far back a feed shows sessions.
const PAST_DAYS: i64 = 90;

fn feed_url(state: &AppState, slug: &str, token: &str) -> String {
    format!("{}/api/v1/public/{slug}/calendar/{token}", state.config.public_url.trim_end_matches('/'))
}

/// Whether the signed-in staff member has a live feed.
pub fn status(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<FeedStatus, AppError> {
    let live = state.db.tenant_read(scope, |tx| Ok(store::live_of(tx, &p.account_id)?))?;
    Ok(FeedStatus { active: live.is_some(), created_at: live.map(|f| f.created_at) })
}

/// A new feed for the signed-in staff member; any old one stops working. The token
/// (256 bits) is in the answer only; the table keeps its SHA-256. Audited.
pub fn create(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<FeedCreated, AppError> {
    let token = URL_SAFE_NO_PAD.encode(random_bytes(32));
    let now = p.audit.at.naive_utc();
    let id = Uuid::now_v7().to_string();
    let slug = state.db.tenant_tx(scope, |tx| {
        let tenant = crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        let replaced = store::revoke_of(tx, &p.account_id, now)?;
        store::insert(
            tx,
            &FeedRow {
                tenant_id: scope.tenant_id().to_owned(),
                id: id.clone(),
                account_id: p.account_id.clone(),
                token_hash: token_hash(&token),
                created_at: now,
                revoked_at: None,
            },
        )?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::CalendarFeedCreated, "calendar_feed", Some(&id)).detail("replaced", replaced as i64),
        )?;
        Ok(tenant.slug)
    })?;
    Ok(FeedCreated { url: feed_url(state, &slug, &token), created_at: now })
}

/// Ends the signed-in staff member's feed; its URL answers 404 from now on. Audited when
/// there was one.
pub fn revoke(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<(), AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_tx(scope, |tx| {
        let Some(live) = store::live_of(tx, &p.account_id)? else {
            return Ok(());
        };
        store::revoke_of(tx, &p.account_id, now)?;
        audit::record(tx, &p.audit, Event::new(Action::CalendarFeedRevoked, "calendar_feed", Some(&live.id)))?;
        Ok(())
    })
}

/// The sessions `account_id` teaches in the tenant (published events, from 90 days back).
fn taught(tx: &mut TenantTx<'_>, account_id: &str, now: NaiveDateTime) -> Result<Vec<(EventRow, SessionRow)>, AppError> {
    let events: Vec<EventRow> = crate::events::store::list(tx)?.into_iter().filter(|e| e.status == STATUS_PUBLISHED).collect();
    let ids: Vec<String> = events.iter().map(|e| e.id.clone()).collect();
    let mine: Vec<String> =
        crate::events::store::instructors(tx, &ids)?.into_iter().filter(|i| i.account_id == account_id).map(|i| i.event_id).collect();
    let sessions = crate::events::store::sessions(tx, &mine)?;
    let from = now - Duration::days(PAST_DAYS);
    let mut out: Vec<(EventRow, SessionRow)> = sessions
        .into_iter()
        .filter(|s| s.ends_at >= from)
        .filter_map(|s| events.iter().find(|e| e.id == s.event_id).map(|e| (e.clone(), s)))
        .collect();
    out.sort_by_key(|(_, s)| s.starts_at);
    Ok(out)
}

/// The feed a token reads (public, read only): the sessions its owner teaches, with
/// title, place, time and seats booked; never a participant. Unknown, revoked, or the
/// owner no longer an enabled member here: 404, alike.
pub fn feed(state: &AppState, scope: &TenantScope, tenant: &Tenant, token: &str, now: NaiveDateTime) -> Result<String, AppError> {
    if token.is_empty() || token.len() > 128 {
        return Err(AppError::NotFound);
    }
    let hash = token_hash(token);
    let base = state.config.public_url.trim_end_matches('/').to_owned();
    state.db.tenant_read(scope, |tx| {
        let feed = store::live_by_token_hash(tx, &hash)?.ok_or(AppError::NotFound)?;
        let member =
            crate::auth::store::memberships_in_tenant(tx)?.into_iter().any(|m| m.account_id == feed.account_id && m.disabled_at.is_none());
        if !member {
            return Err(AppError::NotFound);
        }
        let locations = crate::locations::store::list(tx)?;
        let sessions = taught(tx, &feed.account_id, now)?;
        let counts = crate::events::store::booking_counts(tx, &sessions.iter().map(|(e, _)| e.id.clone()).collect::<Vec<_>>())?;
        let entries: Vec<Entry> = sessions
            .iter()
            .map(|(e, s)| {
                let booked: i64 = counts.iter().filter(|(id, status, _)| id == &e.id && status == "confirmed").map(|(_, _, n)| n).sum();
                Entry {
                    uid: format!("teach-{}@anwesend", s.id),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    summary: e.title.clone(),
                    location: e.location_id.as_deref().and_then(|l| locations.iter().find(|x| x.id == l)).map(|l| l.name.clone()),
                    description: Some(format!("{booked}/{}", e.capacity)),
                    url: Some(format!("{base}/#/events/{}", e.id)),
                }
            })
            .collect();
        Ok(ics::calendar(&tenant.name, &tenant.time_zone, now, &entries))
    })
}
