//! Retention (TOM PRIV-6, PSEUDO-2): each tenant sets how long it keeps a participant's
//! data after their last event (default 12 months) and how long it keeps audit entries
//! (default 24 months). A daily job (`run`) anonymises everyone whose period has ended,
//! with the same erasure as a request (`service::erase_in`): deletion-log entries per
//! category with reason `retention_expired`, audit `participant.erased` as the system,
//! the erasure ledger. It is idempotent: erased people are not candidates.
//!
//! "Last event" is the end of the latest session of any event the person booked
//! (confirmed, waiting or cancelled; attendance always belongs to a booking), or their
//! creation if that is later or they never booked. Restricted people (Art. 18) are kept:
//! restriction means "store, do not process", and erasing is processing that the person
//! asked us to hold off; they are counted as `kept_restricted` and anonymised by the first
//! run after the restriction is lifted.
//!
//! The same run removes the tenant's audit entries older than its audit period
//! (`audit::service::prune_before`): the oldest prefix of the chain, the head's anchor
//! moved to the last removed entry so the rest still verifies, with a deletion-log entry
//! (`audit_entries`, `retention_expired`) and an `audit.pruned` entry in the same
//! transaction. A chain that does not verify is not pruned (the tenant counts as failed).
//! The platform chain is not pruned: it holds no participant data, only platform events
//! (tenants, keys, operators), and has no tenant period.

use std::collections::BTreeMap;

use chrono::{DateTime, Months, NaiveDateTime, Utc};
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use super::model::Reason;
use super::service::erase_in;
use super::store;
use crate::audit::{self, deletion, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::bookings::service::person;
use crate::bookings::store as bookings;
use crate::db::schema::retention_settings;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::service as tenants;

pub const DEFAULT_PARTICIPANT_MONTHS: i32 = 12;
pub const DEFAULT_AUDIT_MONTHS: i32 = 24;
/// Participant data: at least a month (a booking must outlive its event), at most ten years.
pub const PARTICIPANT_MONTHS: std::ops::RangeInclusive<i32> = 1..=120;
/// Audit entries: at least a year (evidence for the yearly TOM review and for disputes),
/// at most ten years.
pub const AUDIT_MONTHS: std::ops::RangeInclusive<i32> = 12..=120;
/// How many of the next people to become due the admin view lists.
pub const NEXT_DUE_SHOWN: usize = 20;

pub const RETENTION: Reason<'static> = Reason {
    code: "retention_expired",
    text: "the tenant's retention period after the person's last event has ended",
    legal_basis: "GDPR Art. 5(1)(e), Art. 17(1)(a)",
};

pub const CATEGORY_PARTICIPANTS: &str = "participants";
pub const CATEGORY_AUDIT: &str = "audit";

/// One category's period of one tenant (`retention_settings`).
#[derive(Queryable, Selectable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = retention_settings)]
pub struct SettingsRow {
    pub tenant_id: String,
    pub category: String,
    pub months: i32,
    pub updated_at: Option<NaiveDateTime>,
    pub last_run_at: Option<NaiveDateTime>,
}

/// The tenant's stored rows; a category without a row has its default.
#[derive(Debug, Default, Clone)]
struct Settings {
    participants: Option<SettingsRow>,
    audit: Option<SettingsRow>,
}

impl Settings {
    fn participant_months(&self) -> i32 {
        self.participants.as_ref().map_or(DEFAULT_PARTICIPANT_MONTHS, |r| r.months)
    }

    fn audit_months(&self) -> i32 {
        self.audit.as_ref().map_or(DEFAULT_AUDIT_MONTHS, |r| r.months)
    }
}

/// The tenant's retention periods and what they mean today.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RetentionView {
    /// Months participant data is kept after the person's last event (1–120, default 12).
    pub participant_retention_months: i32,
    /// Months audit entries are kept (12–120, default 24); the daily job removes older ones.
    pub audit_retention_months: i32,
    /// When an admin last changed the periods; `None`: the defaults.
    #[serde(with = "crate::timestamp::option")]
    pub updated_at: Option<NaiveDateTime>,
    /// When the daily job last finished for this tenant.
    #[serde(with = "crate::timestamp::option")]
    pub last_run_at: Option<NaiveDateTime>,
    /// People whose period has ended: the next run anonymises them.
    pub due_now: i64,
    /// People whose period has ended but who are restricted (Art. 18): kept until lifted.
    pub kept_restricted: i64,
    /// The next people to become due, soonest first (at most 20).
    pub next_due: Vec<DueParticipant>,
    /// Audit entries older than `audit_retention_months`: the next run removes them (0 after
    /// a run, unless an older entry sits behind a newer one: only a prefix of the chain goes).
    pub audit_entries_past_retention: i64,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct DueParticipant {
    pub participant_id: String,
    pub participant_name: String,
    /// The end of their last event (or when they were created).
    #[serde(with = "crate::timestamp")]
    pub last_event_at: NaiveDateTime,
    /// When the period ends; the first daily run after it anonymises them.
    #[serde(with = "crate::timestamp")]
    pub due_at: NaiveDateTime,
    pub restricted: bool,
}

/// New periods; both are required.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RetentionChange {
    #[schema(minimum = 1, maximum = 120)]
    #[serde(deserialize_with = "anwesend_protocol::whole_number::deserialize")]
    pub participant_retention_months: i32,
    #[schema(minimum = 12, maximum = 120)]
    #[serde(deserialize_with = "anwesend_protocol::whole_number::deserialize")]
    pub audit_retention_months: i32,
}

/// What one run did, over all tenants.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct RunReport {
    pub tenants: usize,
    pub erased: usize,
    pub kept_restricted: usize,
    /// Audit entries removed because their period ended.
    pub audit_pruned: usize,
    /// Tenants the run could not finish (logged; the next run tries again).
    pub failed_tenants: usize,
}

/// What one run did for one tenant.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct TenantRun {
    pub erased: usize,
    pub kept_restricted: usize,
    pub audit_pruned: usize,
    /// The audit chain was due for pruning but could not be pruned (logged), e.g. because
    /// it does not verify: its entries are kept.
    pub audit_failed: bool,
}

fn settings(tx: &mut TenantTx<'_>) -> QueryResult<Settings> {
    let mut out = Settings::default();
    for row in store::retention_settings(tx)? {
        match row.category.as_str() {
            CATEGORY_PARTICIPANTS => out.participants = Some(row),
            CATEGORY_AUDIT => out.audit = Some(row),
            _ => {}
        }
    }
    Ok(out)
}

fn months(n: i32) -> Months {
    Months::new(u32::try_from(n).unwrap_or(0))
}

/// One person's retention: when their last event ended and when their period ends.
#[derive(Debug, Clone)]
struct Candidate {
    id: String,
    last_event_at: NaiveDateTime,
    due_at: NaiveDateTime,
    restricted: bool,
}

/// Every not yet erased person of the tenant with their due date, soonest first.
fn candidates(tx: &mut TenantTx<'_>, participant_months: i32) -> Result<Vec<Candidate>, AppError> {
    let ends = store::last_session_ends(tx)?;
    let mut out: Vec<Candidate> = store::live_participants(tx)?
        .into_iter()
        .map(|(id, created_at, restricted)| {
            let last_event_at = ends.get(&id).map_or(created_at, |end| (*end).max(created_at));
            let due_at = last_event_at.checked_add_months(months(participant_months)).unwrap_or(NaiveDateTime::MAX);
            Candidate { id, last_event_at, due_at, restricted }
        })
        .collect();
    out.sort_by(|a, b| (a.due_at, &a.id).cmp(&(b.due_at, &b.id)));
    Ok(out)
}

fn view_in(tx: &mut TenantTx<'_>, state: &AppState, now: NaiveDateTime) -> Result<RetentionView, AppError> {
    let stored = settings(tx)?;
    let (participant_months, audit_months) = (stored.participant_months(), stored.audit_months());
    let all = candidates(tx, participant_months)?;
    let (due, upcoming): (Vec<&Candidate>, Vec<&Candidate>) = all.iter().partition(|c| c.due_at < now);
    let next: Vec<&Candidate> = upcoming.into_iter().take(NEXT_DUE_SHOWN).collect();
    let keys = tenants::keys(tx, &state.master)?;
    let ids: Vec<String> = next.iter().map(|c| c.id.clone()).collect();
    let people: BTreeMap<String, _> = bookings::participants(tx, &ids)?.into_iter().map(|p| (p.id.clone(), p)).collect();
    let mut next_due = Vec::with_capacity(next.len());
    for c in next {
        let participant_name = people.get(&c.id).map(|p| person(&keys, p)).transpose()?.map(|p| p.name).unwrap_or_default();
        next_due.push(DueParticipant {
            participant_id: c.id.clone(),
            participant_name,
            last_event_at: c.last_event_at,
            due_at: c.due_at,
            restricted: c.restricted,
        });
    }
    let audit_cutoff = now.checked_sub_months(months(audit_months)).unwrap_or(NaiveDateTime::MIN);
    let chain = tx.tenant_id().to_owned();
    let audit_entries_past_retention = audit::store::count_before(tx, &chain, audit_cutoff)?;
    Ok(RetentionView {
        participant_retention_months: participant_months,
        audit_retention_months: audit_months,
        updated_at: [&stored.participants, &stored.audit].into_iter().flatten().filter_map(|r| r.updated_at).max(),
        last_run_at: stored.participants.as_ref().and_then(|r| r.last_run_at),
        due_now: due.iter().filter(|c| !c.restricted).count() as i64,
        kept_restricted: due.iter().filter(|c| c.restricted).count() as i64,
        next_due,
        audit_entries_past_retention,
    })
}

/// What is due in the tenant in scope at `now`, as counts (TOM PRIV-6; the evidence of the
/// TOM report, REVIEW-1): nobody's data is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Due {
    /// People past their period the job has not anonymised yet (not restricted).
    pub due_now: i64,
    pub kept_restricted: i64,
    pub audit_entries_past_retention: i64,
    pub last_run_at: Option<NaiveDateTime>,
}

pub fn due_at(state: &AppState, scope: &TenantScope, now: NaiveDateTime) -> Result<Due, AppError> {
    state.db.tenant_read(scope, |tx| {
        let stored = settings(tx)?;
        let all = candidates(tx, stored.participant_months())?;
        let due = |restricted: bool| all.iter().filter(|c| c.due_at < now && c.restricted == restricted).count() as i64;
        let audit_cutoff = now.checked_sub_months(months(stored.audit_months())).unwrap_or(NaiveDateTime::MIN);
        let chain = tx.tenant_id().to_owned();
        Ok(Due {
            due_now: due(false),
            kept_restricted: due(true),
            audit_entries_past_retention: audit::store::count_before(tx, &chain, audit_cutoff)?,
            last_run_at: stored.participants.as_ref().and_then(|r| r.last_run_at),
        })
    })
}

/// The tenant's periods and who is due next.
pub fn get(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<RetentionView, AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_read(scope, |tx| view_in(tx, state, now))
}

fn check(change: &RetentionChange) -> Result<(), AppError> {
    if !PARTICIPANT_MONTHS.contains(&change.participant_retention_months) {
        return Err(AppError::invalid("participant_retention_months", "must be 1 to 120 months"));
    }
    if !AUDIT_MONTHS.contains(&change.audit_retention_months) {
        return Err(AppError::invalid("audit_retention_months", "must be 12 to 120 months"));
    }
    Ok(())
}

/// Changes the periods; audited with before and after in the same transaction. The
/// next daily run applies them.
pub fn set(state: &AppState, p: &Principal, scope: &TenantScope, change: &RetentionChange) -> Result<RetentionView, AppError> {
    check(change)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        let tenant = scope.tenant_id();
        let stored = settings(tx)?;
        let before = (stored.participant_months(), stored.audit_months());
        store::set_retention_months(tx, CATEGORY_PARTICIPANTS, change.participant_retention_months, now)?;
        store::set_retention_months(tx, CATEGORY_AUDIT, change.audit_retention_months, now)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::RetentionSettingsChanged, "tenant", Some(tenant))
                .detail("participant_retention_months_before", before.0)
                .detail("participant_retention_months", change.participant_retention_months)
                .detail("audit_retention_months_before", before.1)
                .detail("audit_retention_months", change.audit_retention_months),
        )?;
        view_in(tx, state, now)
    })
}

/// Anonymises the due people of one tenant, one transaction each (a failure leaves the
/// others done), then removes its audit entries past the audit period in one transaction.
pub fn run_tenant(state: &AppState, scope: &TenantScope, at: DateTime<Utc>) -> Result<TenantRun, AppError> {
    let ctx = AuditContext::system(at);
    let now = audit::chain::truncate_to_micros(at.naive_utc());
    let tenant = scope.tenant_id();
    let (participant_months, audit_months, due) = state.db.tenant_read(scope, |tx| {
        let stored = settings(tx)?;
        let participant_months = stored.participant_months();
        let due: Vec<Candidate> = candidates(tx, participant_months)?.into_iter().take_while(|c| c.due_at < now).collect();
        Ok((participant_months, stored.audit_months(), due))
    })?;
    let kept = due.iter().filter(|c| c.restricted).count();
    let mut erased = 0;
    for c in due.iter().filter(|c| !c.restricted) {
        let result = state.db.tenant_tx(scope, |tx| {
            // Checked again under the row lock: booked again, restricted or erased since.
            crate::db::lock_row(tx, crate::db::Locked::Participants, &c.id)?;
            let still = candidate(tx, &c.id, participant_months)?;
            if !still.is_some_and(|s| s.due_at < now && !s.restricted) {
                return Ok(false);
            }
            erase_in(tx, state, scope, &ctx, &c.id, &RETENTION, true)?;
            Ok(true)
        });
        match result {
            Ok(true) => erased += 1,
            Ok(false) | Err(AppError::Rule { code: ProblemCode::AlreadyErased, .. }) => {}
            Err(e) => return Err(e),
        }
    }
    // Audit entries past the period: the chain's oldest prefix, in one transaction with
    // the anchor, the deletion log and the `audit.pruned` entry.
    let audit_before = now.checked_sub_months(months(audit_months)).unwrap_or(NaiveDateTime::MIN);
    let pruned = state.db.tenant_tx(scope, |tx| audit::service::prune_before(tx, &ctx, audit_before, audit_months));
    if let Err(e) = &pruned {
        tracing::error!(tenant = %tenant, cause = %e, "audit entries past the retention period were not pruned");
    }
    let audit_pruned = pruned.as_ref().ok().and_then(Option::as_ref).map_or(0, |p| usize::try_from(p.count).unwrap_or(0));
    state.db.tenant_tx(scope, |tx| {
        // The instructors' signed list closings go with the sessions' data: the same period
        // after the session's end.
        let before = now.checked_sub_months(months(participant_months)).unwrap_or(NaiveDateTime::MIN);
        let closings = crate::attendance::store::delete_closings_ended_before(tx, before)?;
        if closings > 0 {
            let new = deletion::NewDeletion {
                category: "attendance_list_closings",
                record_count: i64::try_from(closings).unwrap_or(i64::MAX),
                subject_ref: None,
                reason_code: RETENTION.code,
                reason_text: "the tenant's retention period after the session has ended",
                legal_basis: RETENTION.legal_basis,
            };
            deletion::record(tx, &ctx, new)?;
        }
        store::set_retention_last_run(tx, CATEGORY_PARTICIPANTS, DEFAULT_PARTICIPANT_MONTHS, now)?;
        // Only when something happened: a run with nothing to do leaves the chain as it was.
        if erased > 0 || audit_pruned > 0 || closings > 0 {
            audit::record(
                tx,
                &ctx,
                Event::new(Action::RetentionRun, "tenant", Some(tenant))
                    .detail("participant_retention_months", participant_months)
                    .detail("erased", erased)
                    .detail("list_closings_deleted", closings)
                    .detail("kept_restricted", kept)
                    .detail("audit_retention_months", audit_months)
                    .detail("audit_pruned", audit_pruned),
            )?;
        }
        Ok(())
    })?;
    if erased > 0 || audit_pruned > 0 {
        state.db.flush_log();
    }
    Ok(TenantRun { erased, kept_restricted: kept, audit_pruned, audit_failed: pruned.is_err() })
}

/// One person's candidate row, read again inside the erasing transaction.
fn candidate(tx: &mut TenantTx<'_>, id: &str, participant_months: i32) -> Result<Option<Candidate>, AppError> {
    let Some((created_at, restricted_at, None)) = store::retention_participant(tx, id)? else { return Ok(None) };
    let end = store::last_session_end_of(tx, id)?;
    let last_event_at = end.map_or(created_at, |end| end.max(created_at));
    let due_at = last_event_at.checked_add_months(months(participant_months)).unwrap_or(NaiveDateTime::MAX);
    Ok(Some(Candidate { id: id.to_owned(), last_event_at, due_at, restricted: restricted_at.is_some() }))
}

/// The daily job over every active tenant, at `state.clock`'s time. A tenant that fails is
/// logged and left for the next run; the others go on.
pub fn run(state: &AppState) -> Result<RunReport, AppError> {
    let at = state.clock.now();
    let tenants = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::list(&mut conn)?
    };
    let mut report = RunReport::default();
    // A tenant being offboarded is deleted as a whole by its offboarding, not here.
    for tenant in tenants.into_iter().filter(|t| t.status == crate::tenants::model::STATUS_ACTIVE) {
        let scope = TenantScope::named_by_operator(tenant.id.clone());
        match run_tenant(state, &scope, at) {
            Ok(done) => {
                report.tenants += 1;
                report.erased += done.erased;
                report.kept_restricted += done.kept_restricted;
                report.audit_pruned += done.audit_pruned;
                if done.audit_failed {
                    report.failed_tenants += 1;
                }
            }
            Err(e) => {
                tracing::error!(tenant = %tenant.id, cause = %e, "retention run failed for a tenant");
                report.failed_tenants += 1;
            }
        }
    }
    Ok(report)
}
