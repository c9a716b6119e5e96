use std::collections::HashMap;

use chrono::{Duration, NaiveDateTime};
use uuid::Uuid;

use super::access::EventAccess;
use super::model::{
    EventInput, EventKind, EventRow, EventStatus, EventView, InstructorRow, PublicEvent, PublicEventList, PublicEventSummary,
    PublicListQuery, PublicLocation, SessionRow, SessionView, EXTRA_FIELDS, MAX_SESSION_DAYS, STATUS_DRAFT, STATUS_PUBLISHED,
};
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::model::Role;
use crate::auth::service::Principal;
use crate::db::{Db, TenantScope, TenantTx};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;

fn text(field: &'static str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let value = value.trim();
    let len = value.chars().count();
    if (required && len == 0) || len > max {
        let min = if required { 1 } else { 0 };
        return Err(AppError::invalid(field, format!("{min}–{max} characters")));
    }
    // Line breaks are fine in a description; other control characters are not.
    if value.chars().any(|c| c.is_control() && c != '\n' && c != '\r' && c != '\t') {
        return Err(AppError::invalid(field, "must not hold control characters"));
    }
    Ok(value.to_owned())
}

/// Event dates lie within this many days (ten years) of now, either way: a date the
/// calendar arithmetic cannot reach is refused before it is stored (TOM PRIV-5).
const DATE_RANGE_DAYS: i64 = 3653;

/// `Err` for a `field` date further than `DATE_RANGE_DAYS` from `now`.
fn plausible(field: &'static str, value: NaiveDateTime, now: NaiveDateTime) -> Result<(), AppError> {
    let range = Duration::days(DATE_RANGE_DAYS);
    if value < now - range || value > now + range {
        return Err(AppError::invalid(field, "must lie within ten years of today"));
    }
    Ok(())
}

/// An input that passed every check, trimmed, with the rows it makes.
struct Checked {
    title: String,
    description: String,
    fields: Vec<String>,
    sessions: Vec<SessionRow>,
    instructors: Vec<InstructorRow>,
}

/// Checks an input for event `id` and builds its session and instructor rows.
fn validate(tx: &mut TenantTx<'_>, scope: &TenantScope, input: &EventInput, id: &str, now: NaiveDateTime) -> Result<Checked, AppError> {
    if !matches!(input.kind.as_str(), "event" | "course") {
        return Err(AppError::invalid("kind", "must be event or course"));
    }
    let title = text("title", &input.title, 200, true)?;
    let description = text("description", &input.description, 5000, false)?;
    if !(1..=100_000).contains(&input.capacity) {
        return Err(AppError::invalid("capacity", "must be between 1 and 100000"));
    }
    if let Some(opens) = input.booking_opens_at {
        plausible("booking_opens_at", opens, now)?;
    }
    if let Some(closes) = input.booking_closes_at {
        plausible("booking_closes_at", closes, now)?;
    }
    if let (Some(opens), Some(closes)) = (input.booking_opens_at, input.booking_closes_at) {
        if closes <= opens {
            return Err(AppError::invalid("booking_closes_at", "must be after booking_opens_at"));
        }
    }
    let mut fields = Vec::new();
    for f in &input.fields {
        if !EXTRA_FIELDS.contains(&f.as_str()) {
            return Err(AppError::invalid("fields", format!("may hold only {}", EXTRA_FIELDS.join(", "))));
        }
        if !fields.contains(f) {
            fields.push(f.clone());
        }
    }
    if input.sessions.is_empty() || input.sessions.len() > 100 {
        return Err(AppError::invalid("sessions", "between 1 and 100 sessions"));
    }
    let mut sessions = Vec::new();
    for s in &input.sessions {
        plausible("sessions", s.starts_at, now)?;
        plausible("sessions", s.ends_at, now)?;
        if s.ends_at <= s.starts_at {
            return Err(AppError::invalid("sessions", "every session must end after it starts"));
        }
        if s.ends_at - s.starts_at > Duration::days(MAX_SESSION_DAYS) {
            return Err(AppError::invalid("sessions", format!("a session lasts at most {MAX_SESSION_DAYS} days; split a longer one")));
        }
        sessions.push(SessionRow {
            tenant_id: scope.tenant_id().to_owned(),
            id: Uuid::now_v7().to_string(),
            event_id: id.to_owned(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
        });
    }
    sessions.sort_by_key(|s| s.starts_at);
    if let Some(location) = &input.location_id {
        if !crate::locations::store::list(tx)?.iter().any(|l| &l.id == location) {
            return Err(AppError::invalid("location_id", "no such location"));
        }
    }
    if let Some(company) = &input.company_id {
        if !crate::companies::store::exists(tx, company)? {
            return Err(AppError::invalid("company_id", "no such company"));
        }
    }
    let members = crate::auth::store::memberships_in_tenant(tx)?;
    let mut instructors: Vec<InstructorRow> = Vec::new();
    for account in &input.instructor_ids {
        if !members.iter().any(|m| &m.account_id == account && m.role == Role::Instructor.as_str() && m.disabled_at.is_none()) {
            return Err(AppError::invalid("instructor_ids", "every id must be an instructor of this tenant"));
        }
        if !instructors.iter().any(|i| &i.account_id == account) {
            instructors.push(InstructorRow {
                tenant_id: scope.tenant_id().to_owned(),
                event_id: id.to_owned(),
                account_id: account.clone(),
            });
        }
    }
    Ok(Checked { title, description, fields, sessions, instructors })
}

pub fn create(state: &AppState, p: &Principal, scope: &TenantScope, input: &EventInput) -> Result<EventView, AppError> {
    let id = create_as(&state.db, scope, &p.audit, Some(&p.account_id), input, STATUS_DRAFT)?;
    get(state, p, scope, &id)
}

/// Creates an event with `status`; `created_by` is none for operator-made (demo) data.
pub fn create_as(
    db: &Db,
    scope: &TenantScope,
    ctx: &AuditContext,
    created_by: Option<&str>,
    input: &EventInput,
    status: &str,
) -> Result<String, AppError> {
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let id = Uuid::now_v7().to_string();
    db.tenant_tx(scope, |tx| {
        let Checked { title, description, fields, sessions, instructors } = validate(tx, scope, input, &id, now)?;
        let row = EventRow {
            tenant_id: scope.tenant_id().to_owned(),
            id: id.clone(),
            kind: input.kind.clone(),
            title,
            description,
            location_id: input.location_id.clone(),
            company_id: input.company_id.clone(),
            capacity: input.capacity,
            waiting_list: input.waiting_list,
            booking_opens_at: input.booking_opens_at,
            booking_closes_at: input.booking_closes_at,
            fields: fields.join(","),
            status: status.to_owned(),
            created_by: created_by.map(str::to_owned),
            created_at: now,
            updated_at: now,
            signature_required: input.signature_required,
        };
        store::insert(tx, &row)?;
        store::replace_sessions(tx, &id, &sessions)?;
        store::replace_instructors(tx, &id, &instructors)?;
        audit::record(
            tx,
            ctx,
            Event::new(Action::EventCreated, "event", Some(&id))
                .subject(&id, row.company_id.as_deref())
                .detail("kind", row.kind.as_str())
                .detail("status", status),
        )?;
        Ok(())
    })?;
    Ok(id)
}

pub fn update(state: &AppState, p: &Principal, scope: &TenantScope, id: &str, input: &EventInput) -> Result<EventView, AppError> {
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        crate::db::lock_row(tx, crate::db::Locked::Events, id)?;
        let mut row = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        let Checked { title, description, fields, sessions, instructors } = validate(tx, scope, input, id, now)?;
        let confirmed =
            store::booking_counts(tx, &[id.to_owned()])?.iter().filter(|(_, s, _)| s == "confirmed").map(|(_, _, n)| *n).sum::<i64>();
        if i64::from(input.capacity) < confirmed {
            return Err(AppError::rule(
                ProblemCode::CapacityBelowBookings,
                format!("{confirmed} seats are booked; cancel or move bookings first"),
            ));
        }
        row.kind = input.kind.clone();
        row.title = title;
        row.description = description;
        row.location_id = input.location_id.clone();
        row.company_id = input.company_id.clone();
        row.capacity = input.capacity;
        row.waiting_list = input.waiting_list;
        row.booking_opens_at = input.booking_opens_at;
        row.booking_closes_at = input.booking_closes_at;
        row.fields = fields.join(",");
        row.signature_required = input.signature_required;
        row.updated_at = now;
        store::update(tx, &row)?;
        store::replace_sessions(tx, id, &sessions)?;
        store::replace_instructors(tx, id, &instructors)?;
        audit::record(tx, &p.audit, Event::new(Action::EventUpdated, "event", Some(id)).subject(id, row.company_id.as_deref()))?;
        // More seats may let people on the waiting list move up.
        crate::bookings::service::promote_waiting(state, tx, &p.audit, &row, now)?;
        Ok(())
    })?;
    get(state, p, scope, id)
}

pub fn publish(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<EventView, AppError> {
    let now = p.audit.at.naive_utc();
    state.db.tenant_tx(scope, |tx| {
        let row = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        if store::set_status(tx, id, STATUS_DRAFT, STATUS_PUBLISHED, now)? == 0 {
            return Err(AppError::rule(ProblemCode::NotADraft, "only a draft can be published"));
        }
        audit::record(tx, &p.audit, Event::new(Action::EventPublished, "event", Some(id)).subject(id, row.company_id.as_deref()))?;
        Ok(())
    })?;
    get(state, p, scope, id)
}

/// Builds the views of `rows` with their sessions, instructors and booking counts.
fn views(tx: &mut TenantTx<'_>, rows: Vec<EventRow>, access: &EventAccess) -> Result<Vec<EventView>, AppError> {
    let ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
    let mut sessions: HashMap<String, Vec<SessionView>> = HashMap::new();
    for s in store::sessions(tx, &ids)? {
        sessions.entry(s.event_id.clone()).or_default().push(s.into());
    }
    let instructors = store::instructors(tx, &ids)?;
    let mut counts: HashMap<(String, String), i64> = HashMap::new();
    for (event, status, n) in store::booking_counts(tx, &ids)? {
        counts.insert((event, status), n);
    }
    rows.into_iter()
        .filter(|e| access.allows(e, &instructors))
        .map(|e| {
            Ok(EventView {
                sessions: sessions.remove(&e.id).unwrap_or_default(),
                instructor_ids: instructors.iter().filter(|i| i.event_id == e.id).map(|i| i.account_id.clone()).collect(),
                confirmed: counts.get(&(e.id.clone(), "confirmed".into())).copied().unwrap_or(0),
                waiting: counts.get(&(e.id.clone(), "waiting".into())).copied().unwrap_or(0),
                fields: e.fields(),
                signature_required: e.signature_required,
                id: e.id,
                kind: EventKind::from_stored(&e.kind)?,
                title: e.title,
                description: e.description,
                location_id: e.location_id,
                company_id: e.company_id,
                capacity: e.capacity,
                waiting_list: e.waiting_list,
                booking_opens_at: e.booking_opens_at,
                booking_closes_at: e.booking_closes_at,
                status: EventStatus::from_stored(&e.status)?,
                created_at: e.created_at,
                updated_at: e.updated_at,
            })
        })
        .collect()
}

pub fn list(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<Vec<EventView>, AppError> {
    state.db.tenant_read(scope, |tx| {
        let rows = store::list(tx)?;
        views(tx, rows, &EventAccess::of(p))
    })
}

/// One event the caller may see; others (and other tenants') are not found.
pub fn get(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<EventView, AppError> {
    state.db.tenant_read(scope, |tx| {
        let row = store::find(tx, id)?.ok_or(AppError::NotFound)?;
        views(tx, vec![row], &EventAccess::of(p))?.pop().ok_or(AppError::NotFound)
    })
}

/// The event behind a public booking page: published (or cancelled) only.
pub fn public_view(
    state: &AppState,
    scope: &TenantScope,
    tenant: &crate::tenants::model::Tenant,
    id: &str,
    consent_text: String,
    now: NaiveDateTime,
) -> Result<PublicEvent, AppError> {
    let tenant_name = tenant.name.as_str();
    state.db.tenant_read(scope, |tx| {
        let row = store::find(tx, id)?.filter(|e| e.status != STATUS_DRAFT).ok_or(AppError::NotFound)?;
        let location_name = match &row.location_id {
            Some(l) => crate::locations::store::list(tx)?.into_iter().find(|x| &x.id == l).map(|x| x.name),
            None => None,
        };
        let view = views(tx, vec![row.clone()], &EventAccess::All)?.pop().ok_or(AppError::NotFound)?;
        Ok(PublicEvent {
            id: row.id.clone(),
            tenant_name: tenant_name.to_owned(),
            kind: view.kind,
            title: row.title.clone(),
            description: row.description.clone(),
            location_name,
            sessions: view.sessions,
            capacity: row.capacity,
            // Held requests keep their seat until they expire, as the booking itself counts.
            seats_left: (i64::from(row.capacity) - crate::bookings::store::seats_taken(tx, &row.id, now)?).max(0),
            waiting_list: row.waiting_list,
            booking_open: row.booking_open(now),
            booking_opens_at: row.booking_opens_at,
            booking_closes_at: row.booking_closes_at,
            fields: row.fields(),
            consent_text,
            time_zone: tenant.time_zone.clone(),
        })
    })
}

/// `YYYY-MM` → (year, month); anything else is refused.
fn month_filter(raw: &str) -> Result<(i16, i8), AppError> {
    let bad = || AppError::invalid("month", "must be YYYY-MM");
    let (y, m) = raw.split_once('-').ok_or_else(bad)?;
    if y.len() != 4 || m.len() != 2 || !y.bytes().chain(m.bytes()).all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    let (y, m): (i16, i8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?);
    if !(1..=12).contains(&m) || !(2000..=2100).contains(&y) {
        return Err(bad());
    }
    Ok((y, m))
}

/// The tenant's public event list (issue 23): only when the tenant turned it on (else 404,
/// as for an unknown tenant); published events whose booking window is open, with a free
/// seat and a session still to come; filtered by location (a venue includes its rooms)
/// and by month (a session starting in it, in the tenant's time zone). Reads only.
pub fn public_list(
    state: &AppState,
    scope: &TenantScope,
    tenant: &crate::tenants::model::Tenant,
    query: &PublicListQuery,
    now: NaiveDateTime,
) -> Result<PublicEventList, AppError> {
    if !tenant.public_list_enabled {
        return Err(AppError::NotFound);
    }
    let month = query.month.as_deref().filter(|m| !m.is_empty()).map(month_filter).transpose()?;
    let location = query.location.as_deref().filter(|l| !l.is_empty());
    if location.is_some_and(|l| l.len() > 64) {
        return Err(AppError::invalid("location", "is not a location id"));
    }
    let zone = tenant.zone();
    state.db.tenant_read(scope, |tx| {
        let locations = crate::locations::store::list(tx)?;
        let rows: Vec<EventRow> = store::list(tx)?.into_iter().filter(|e| e.status == STATUS_PUBLISHED && e.booking_open(now)).collect();
        let ids: Vec<String> = rows.iter().map(|e| e.id.clone()).collect();
        let sessions = store::sessions(tx, &ids)?;
        let name_of = |id: &str| locations.iter().find(|l| l.id == id).map(|l| l.name.clone());
        let parent_of = |id: &str| locations.iter().find(|l| l.id == id).and_then(|l| l.parent_id.clone());
        let mut events = Vec::new();
        let mut used: Vec<String> = Vec::new();
        for row in rows {
            let mut upcoming: Vec<SessionView> =
                sessions.iter().filter(|s| s.event_id == row.id && s.ends_at > now).cloned().map(SessionView::from).collect();
            upcoming.sort_by_key(|s| s.starts_at);
            if upcoming.is_empty() {
                continue;
            }
            let seats_left = (i64::from(row.capacity) - crate::bookings::store::seats_taken(tx, &row.id, now)?).max(0);
            if seats_left == 0 {
                continue;
            }
            // The filter offers the places of every event that takes bookings (and their
            // venues), whatever is filtered now.
            if let Some(l) = &row.location_id {
                used.push(l.clone());
                used.extend(parent_of(l));
            }
            if let Some(l) = location {
                let here = row.location_id.as_deref() == Some(l) || row.location_id.as_deref().and_then(parent_of).as_deref() == Some(l);
                if !here {
                    continue;
                }
            }
            if let Some((y, m)) = month {
                let key = format!("{y:04}-{m:02}");
                if !upcoming.iter().any(|s| zone.format(s.starts_at, "%Y-%m") == key) {
                    continue;
                }
            }
            events.push(PublicEventSummary {
                id: row.id.clone(),
                kind: EventKind::from_stored(&row.kind)?,
                title: row.title.clone(),
                location_name: row.location_id.as_deref().and_then(name_of),
                location_id: row.location_id.clone(),
                sessions: upcoming,
                seats_left,
                booking_closes_at: row.booking_closes_at,
            });
        }
        events.sort_by(|a, b| a.sessions[0].starts_at.cmp(&b.sessions[0].starts_at).then_with(|| a.title.cmp(&b.title)));
        let mut public_locations: Vec<PublicLocation> = locations
            .iter()
            .filter(|l| used.contains(&l.id) || location == Some(l.id.as_str()))
            .map(|l| PublicLocation { id: l.id.clone(), name: l.name.clone() })
            .collect();
        public_locations.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(PublicEventList { tenant_name: tenant.name.clone(), time_zone: zone.name().to_owned(), locations: public_locations, events })
    })
}
