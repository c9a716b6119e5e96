//! The incident register's rules (TOM BREACH-1, BREACH-2). Every step writes its entry on
//! the platform chain and, for a tenant's notice, on that tenant's chain in the same
//! transaction (`Db::platform_tx` → platform entry → `enter_tenant` → tenant change and
//! entry). The console shows counts only, never a person of a tenant (TOM AUTHZ-3).

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};
use uuid::Uuid;

use super::model::{
    AffectedTenant, Clock, IncidentRow, IncidentStatus, IncidentSummary, IncidentView, Nature, NewIncident, NewUpdate, NoticeEdit,
    NoticeRow, NoticeStatus, NoticeView, ScopeInput, ScopeKind, ScopeResult, TenantNotice, TimelineEntry, TimelineKind, UpdateRow,
    DEADLINE_HOURS,
};
use super::{store, text};
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::model::Role;
use crate::auth::service::Principal;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::notify::Message;
use crate::state::AppState;
use crate::tenants::model::{Tenant, TenantStatus};

/// Most ids one scope may name.
pub const MAX_SCOPE_IDS: usize = 100;

/// A text field: trimmed, `1..=max` characters, no control characters (line breaks and
/// tabs allowed where `multiline`).
fn text_field(field: &'static str, value: &str, max: usize, multiline: bool) -> Result<String, AppError> {
    let value = value.trim();
    let len = value.chars().count();
    let bad_char = value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if len == 0 || len > max || bad_char {
        let lines = if multiline { "line breaks allowed" } else { "one line" };
        return Err(AppError::invalid(field, format!("1–{max} characters, no control characters ({lines})")));
    }
    Ok(value.to_owned())
}

fn to_i64(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// The tenants whose data still exists (offboarded tenants hold none).
fn live_tenants(state: &AppState) -> Result<Vec<Tenant>, AppError> {
    Ok(crate::tenants::service::list(&state.db)?.into_iter().filter(|t| t.status != TenantStatus::Offboarded.as_str()).collect())
}

fn scope_of(tenant_id: &str) -> TenantScope {
    TenantScope::named_by_platform_admin(tenant_id.to_owned())
}

/// A checked scope: its kind, ids (deduplicated) and window; for a backup file, when it
/// was taken.
struct Scope {
    kind: ScopeKind,
    ids: Vec<String>,
    from: NaiveDateTime,
    to: NaiveDateTime,
    backup_taken_at: Option<NaiveDateTime>,
}

fn check_scope(state: &AppState, input: &ScopeInput) -> Result<Scope, AppError> {
    let kind = ScopeKind::from_code(&input.kind)
        .ok_or_else(|| AppError::invalid("scope.kind", "one of all_tenants, tenants, accounts, device, backup_file"))?;
    if input.window_from >= input.window_to {
        return Err(AppError::invalid("scope.window_to", "the window must end after it starts"));
    }
    if input.ids.len() > MAX_SCOPE_IDS || input.ids.iter().any(|id| id.is_empty() || id.len() > 64 || id.chars().any(char::is_control)) {
        return Err(AppError::invalid("scope.ids", format!("at most {MAX_SCOPE_IDS} ids of 1–64 characters")));
    }
    let mut ids = input.ids.clone();
    ids.sort();
    ids.dedup();
    let count_ok = match kind {
        ScopeKind::AllTenants => ids.is_empty(),
        ScopeKind::Tenants | ScopeKind::Accounts => !ids.is_empty(),
        ScopeKind::Device | ScopeKind::BackupFile => ids.len() == 1,
    };
    if !count_ok {
        return Err(AppError::invalid(
            "scope.ids",
            "none for all_tenants, at least one for tenants and accounts, exactly one device or backup file",
        ));
    }
    let mut backup_taken_at = None;
    let mut conn = state.db.conn()?;
    match kind {
        ScopeKind::Accounts => {
            for id in &ids {
                if crate::accounts::store::find(&mut conn, id)?.is_none() {
                    return Err(AppError::invalid("scope.ids", "an account id is unknown"));
                }
            }
        }
        ScopeKind::Tenants => {
            for id in &ids {
                if crate::tenants::store::find(&mut conn, id)?.is_none_or(|t| t.status == TenantStatus::Offboarded.as_str()) {
                    return Err(AppError::invalid("scope.ids", "a tenant id is unknown or offboarded"));
                }
            }
        }
        ScopeKind::Device => {
            if crate::devices::store::locate(&mut conn, &ids[0])?.is_none() {
                return Err(AppError::invalid("scope.ids", "the device id is unknown"));
            }
        }
        ScopeKind::BackupFile => {
            let backup = crate::backups::store::created_file(&mut conn, &ids[0])?
                .ok_or_else(|| AppError::invalid("scope.ids", "no backup was written to a file of this name"))?;
            backup_taken_at = Some(backup.started_at);
        }
        ScopeKind::AllTenants => {}
    }
    Ok(Scope { kind, ids, from: input.window_from, to: input.window_to, backup_taken_at })
}

/// What each tenant holds in the scope, counted from the tables and the audit trail
/// (numbers only): whole tenants count the people who existed by the window's end and were
/// not anonymised by then, and their bookings and attendance records; accounts reach the tenants they
/// had a session in or wrote entries into during the window (everything such a session
/// could read counts: an upper bound); a device counts the attendance records it made in
/// the window and the people in them; a backup file counts every tenant as it was when the
/// backup was taken (people erased since are still in the file).
fn compute(state: &AppState, scope: &Scope) -> Result<ScopeResult, AppError> {
    let mut affected = Vec::new();
    let device_tenant = match scope.kind {
        ScopeKind::Device => {
            let mut conn = state.db.conn()?;
            crate::devices::store::locate(&mut conn, &scope.ids[0])?.map(|l| l.found_tenant)
        }
        _ => None,
    };
    for tenant in live_tenants(state)? {
        let tenant_scope = scope_of(&tenant.id);
        let counted = match scope.kind {
            ScopeKind::AllTenants => Some(whole_tenant(state, &tenant_scope, scope.to)?),
            ScopeKind::Tenants if scope.ids.contains(&tenant.id) => Some(whole_tenant(state, &tenant_scope, scope.to)?),
            ScopeKind::Tenants => None,
            ScopeKind::Accounts => {
                let sessions = {
                    let mut conn = state.db.conn()?;
                    store::sessions_in_window(&mut conn, &tenant.id, &scope.ids, scope.from, scope.to)?
                };
                let actions =
                    state.db.tenant_read(&tenant_scope, |tx| Ok(store::actions_in_window(tx, &scope.ids, scope.from, scope.to)?))?;
                if sessions + actions > 0 {
                    Some(whole_tenant(state, &tenant_scope, scope.to)?)
                } else {
                    None
                }
            }
            ScopeKind::Device if device_tenant.as_deref() == Some(tenant.id.as_str()) => {
                Some(state.db.tenant_read(&tenant_scope, |tx| Ok(store::device_records(tx, &scope.ids[0], scope.from, scope.to)?))?)
            }
            ScopeKind::Device => None,
            ScopeKind::BackupFile => match scope.backup_taken_at {
                Some(taken) if tenant.created_at <= taken => Some(whole_tenant(state, &tenant_scope, taken)?),
                _ => None,
            },
        };
        if let Some((persons, records)) = counted {
            affected.push(AffectedTenant { tenant_id: tenant.id, tenant_slug: tenant.slug, tenant_name: tenant.name, persons, records });
        }
    }
    Ok(ScopeResult {
        persons: affected.iter().map(|t| t.persons).sum(),
        records: affected.iter().map(|t| t.records).sum(),
        tenants: affected,
    })
}

fn whole_tenant(state: &AppState, scope: &TenantScope, upto: NaiveDateTime) -> Result<(i64, i64), AppError> {
    state.db.tenant_read(scope, |tx| Ok((store::persons_upto(tx, upto)?, store::records_upto(tx, upto)?)))
}

/// The affected tenants and numbers of a scope, without writing anything (the console
/// shows them before the incident is opened).
pub fn preview(state: &AppState, input: &ScopeInput) -> Result<ScopeResult, AppError> {
    let scope = check_scope(state, input)?;
    compute(state, &scope)
}

fn clock(discovered_at: NaiveDateTime, now: NaiveDateTime, unsent: bool) -> Clock {
    let deadline = discovered_at + Duration::hours(DEADLINE_HOURS);
    Clock { deadline, seconds_left: (deadline - now).num_seconds(), overdue: unsent && now > deadline }
}

fn notice_overdue(discovered_at: NaiveDateTime, notice: &NoticeRow, now: NaiveDateTime) -> bool {
    let deadline = discovered_at + Duration::hours(DEADLINE_HOURS);
    match notice.sent_at {
        Some(sent) => sent > deadline,
        None => now > deadline,
    }
}

/// Opens an incident: the facts are checked, the scope computed, the incident and its
/// first timeline step written with an entry on the platform chain; then each affected
/// tenant's notification draft (counts and texts) in a transaction of its own with an
/// entry on the platform chain and one on the tenant's chain.
pub fn open(state: &AppState, p: &Principal, input: &NewIncident) -> Result<IncidentView, AppError> {
    let title = text_field("title", &input.title, 200, false)?;
    let description = text_field("description", &input.description, 5000, true)?;
    let nature =
        Nature::from_code(&input.nature).ok_or_else(|| AppError::invalid("nature", "confidentiality, integrity or availability"))?;
    let data_categories = text_field("data_categories", &input.data_categories, 2000, true)?;
    let systems = text_field("systems", &input.systems, 2000, true)?;
    let measures = text_field("measures", &input.measures, 5000, true)?;
    let consequences = text_field("consequences", &input.consequences, 5000, true)?;
    let contact = text_field("contact", &input.contact, 1000, true)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    if input.discovered_at > now + Duration::minutes(5) {
        return Err(AppError::invalid("discovered_at", "not in the future"));
    }
    if input.started_at > input.discovered_at {
        return Err(AppError::invalid("started_at", "not after the discovery"));
    }
    let scope = check_scope(state, &input.scope)?;
    let result = compute(state, &scope)?;
    let row = IncidentRow {
        id: Uuid::now_v7().to_string(),
        title,
        description,
        nature: nature.as_str().to_owned(),
        data_categories,
        systems,
        measures,
        consequences,
        contact,
        discovered_at: audit::chain::truncate_to_micros(input.discovered_at),
        started_at: audit::chain::truncate_to_micros(input.started_at),
        scope_kind: scope.kind.as_str().to_owned(),
        scope_ids: scope.ids.join("\n"),
        window_from: audit::chain::truncate_to_micros(scope.from),
        window_to: audit::chain::truncate_to_micros(scope.to),
        status: IncidentStatus::Open.as_str().to_owned(),
        created_by: p.account_id.clone(),
        created_at: now,
        updated_at: now,
    };
    state.db.platform_tx(|tx| {
        store::insert_incident(tx, &row)?;
        store::insert_update(
            tx,
            &UpdateRow {
                incident_id: row.id.clone(),
                id: Uuid::now_v7().to_string(),
                kind: TimelineKind::Opened.as_str().to_owned(),
                text_de: format!("Vorfall erfasst; {} Mandanten betroffen.", result.tenants.len()),
                text_en: format!("Incident recorded; {} tenants affected.", result.tenants.len()),
                created_by: p.account_id.clone(),
                created_at: now,
            },
        )?;
        let event = Event::new(Action::IncidentOpened, "incident", Some(&row.id))
            .detail("nature", nature.as_str())
            .detail("scope_kind", scope.kind.as_str())
            .detail("discovered_at", crate::timestamp::rfc3339(row.discovered_at))
            .detail("tenants", result.tenants.len())
            .detail("persons", result.persons)
            .detail("records", result.records);
        audit::record(tx, &p.audit, event)?;
        Ok(())
    })?;
    for affected in &result.tenants {
        let (subject_de, body_de, subject_en, body_en) =
            text::draft(&row, nature, &affected.tenant_name, affected.persons, affected.records);
        let notice = NoticeRow {
            tenant_id: affected.tenant_id.clone(),
            id: Uuid::now_v7().to_string(),
            incident_id: row.id.clone(),
            persons: affected.persons,
            records: affected.records,
            subject_de,
            body_de,
            subject_en,
            body_en,
            status: NoticeStatus::Draft.as_str().to_owned(),
            sent_at: None,
            sent_by: None,
            acknowledged_at: None,
            acknowledged_by: None,
            created_at: now,
            updated_at: now,
        };
        in_both_chains(state, &p.audit, &affected.tenant_id, Action::IncidentTenantAffected, &row.id, |tx| {
            store::insert_notice(tx, &notice)?;
            Ok(json!({ "persons": notice.persons, "records": notice.records }))
        })?;
    }
    view(state, &row.id)
}

/// One step on a tenant's notice: the platform chain's entry, then in the tenant (same
/// transaction) the change and the tenant chain's entry, both with the details `f` returns.
fn in_both_chains(
    state: &AppState,
    ctx: &AuditContext,
    tenant_id: &str,
    action: Action,
    incident_id: &str,
    f: impl FnOnce(&mut TenantTx<'_>) -> Result<Value, AppError>,
) -> Result<(), AppError> {
    let scope = scope_of(tenant_id);
    state.db.platform_tx(|tx| {
        let platform_entry = audit::record(tx, ctx, Event::new(action, "incident", Some(incident_id)).detail("tenant_id", tenant_id))?;
        let tx = &mut tx.enter_tenant(&scope)?;
        let details = f(tx)?;
        let mut event = Event::new(action, "incident", Some(incident_id)).detail("platform_entry", platform_entry.id.as_str());
        if let Value::Object(map) = details {
            for (key, value) in map {
                event = event.detail(&key, value);
            }
        }
        audit::record(tx, ctx, event)?;
        Ok(())
    })
}

fn find(state: &AppState, id: &str) -> Result<IncidentRow, AppError> {
    if id.is_empty() || id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let mut conn = state.db.conn()?;
    store::find_incident(&mut conn, id)?.ok_or(AppError::NotFound)
}

fn timeline(rows: Vec<UpdateRow>) -> Result<Vec<TimelineEntry>, AppError> {
    rows.into_iter()
        .map(|r| {
            Ok(TimelineEntry {
                kind: TimelineKind::from_stored(&r.kind)?,
                id: r.id,
                text_de: r.text_de,
                text_en: r.text_en,
                at: r.created_at,
            })
        })
        .collect()
}

/// Every tenant's notice of the incident (each read in its tenant's scope).
fn notices(state: &AppState, incident_id: &str) -> Result<Vec<(Tenant, NoticeRow)>, AppError> {
    let mut out = Vec::new();
    for tenant in crate::tenants::service::list(&state.db)? {
        if let Some(n) = state.db.tenant_read(&scope_of(&tenant.id), |tx| Ok(store::notice_of(tx, incident_id)?))? {
            out.push((tenant, n));
        }
    }
    Ok(out)
}

/// The incident with its notices, the 72-hour clock and the timeline.
pub fn view(state: &AppState, id: &str) -> Result<IncidentView, AppError> {
    let row = find(state, id)?;
    let now = state.clock.now().naive_utc();
    let notices = notices(state, &row.id)?;
    let unsent = notices.iter().any(|(_, n)| n.status == NoticeStatus::Draft.as_str());
    let views = notices
        .into_iter()
        .map(|(tenant, n)| {
            Ok(NoticeView {
                overdue: notice_overdue(row.discovered_at, &n, now),
                status: NoticeStatus::from_stored(&n.status)?,
                tenant_id: tenant.id,
                tenant_slug: tenant.slug,
                tenant_name: tenant.name,
                persons: n.persons,
                records: n.records,
                subject_de: n.subject_de,
                body_de: n.body_de,
                subject_en: n.subject_en,
                body_en: n.body_en,
                sent_at: n.sent_at,
                acknowledged_at: n.acknowledged_at,
            })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let updates = {
        let mut conn = state.db.conn()?;
        store::updates(&mut conn, &row.id)?
    };
    Ok(IncidentView {
        clock: clock(row.discovered_at, now, unsent),
        nature: Nature::from_stored(&row.nature)?,
        scope_kind: ScopeKind::from_stored(&row.scope_kind)?,
        status: IncidentStatus::from_stored(&row.status)?,
        scope_ids: row.scope_ids.lines().filter(|l| !l.is_empty()).map(str::to_owned).collect(),
        id: row.id,
        title: row.title,
        description: row.description,
        data_categories: row.data_categories,
        systems: row.systems,
        measures: row.measures,
        consequences: row.consequences,
        contact: row.contact,
        discovered_at: row.discovered_at,
        started_at: row.started_at,
        window_from: row.window_from,
        window_to: row.window_to,
        created_at: row.created_at,
        notices: views,
        timeline: timeline(updates)?,
    })
}

/// Every incident, newest first, with its clock and numbers.
pub fn list(state: &AppState) -> Result<Vec<IncidentSummary>, AppError> {
    let rows = {
        let mut conn = state.db.conn()?;
        store::list_incidents(&mut conn)?
    };
    let now = state.clock.now().naive_utc();
    rows.into_iter()
        .map(|row| {
            let notices = notices(state, &row.id)?;
            let unsent = notices.iter().any(|(_, n)| n.status == NoticeStatus::Draft.as_str());
            Ok(IncidentSummary {
                clock: clock(row.discovered_at, now, unsent),
                nature: Nature::from_stored(&row.nature)?,
                status: IncidentStatus::from_stored(&row.status)?,
                tenants: to_i64(notices.len()),
                notices_sent: to_i64(notices.iter().filter(|(_, n)| n.status == NoticeStatus::Sent.as_str()).count()),
                persons: notices.iter().map(|(_, n)| n.persons).sum(),
                records: notices.iter().map(|(_, n)| n.records).sum(),
                id: row.id,
                title: row.title,
                discovered_at: row.discovered_at,
            })
        })
        .collect()
}

/// Open incidents, and notices still unsent past the 72 hours (for the metrics).
pub fn overdue_counts(state: &AppState) -> Result<(i64, i64), AppError> {
    let (mut open, mut overdue) = (0, 0);
    for summary in list(state)? {
        if summary.status == IncidentStatus::Open {
            open += 1;
        }
        if summary.clock.overdue {
            overdue += summary.tenants - summary.notices_sent;
        }
    }
    Ok((open, overdue))
}

fn open_incident(state: &AppState, id: &str) -> Result<IncidentRow, AppError> {
    let row = find(state, id)?;
    if row.status != IncidentStatus::Open.as_str() {
        return Err(AppError::Conflict("the incident is closed".into()));
    }
    Ok(row)
}

fn tenant_of_notice(state: &AppState, incident_id: &str, tenant_id: &str) -> Result<NoticeRow, AppError> {
    if tenant_id.is_empty() || tenant_id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let mut conn = state.db.conn()?;
    crate::tenants::store::find(&mut conn, tenant_id)?.ok_or(AppError::NotFound)?;
    drop(conn);
    state.db.tenant_read(&scope_of(tenant_id), |tx| store::notice_of(tx, incident_id)?.ok_or(AppError::NotFound))
}

/// Changes a draft's texts (both languages); a sent notice stays as it was sent.
pub fn edit_notice(
    state: &AppState,
    p: &Principal,
    incident_id: &str,
    tenant_id: &str,
    edit: &NoticeEdit,
) -> Result<IncidentView, AppError> {
    let edit = NoticeEdit {
        subject_de: text_field("subject_de", &edit.subject_de, 300, false)?,
        body_de: text_field("body_de", &edit.body_de, 20000, true)?,
        subject_en: text_field("subject_en", &edit.subject_en, 300, false)?,
        body_en: text_field("body_en", &edit.body_en, 20000, true)?,
    };
    open_incident(state, incident_id)?;
    let notice = tenant_of_notice(state, incident_id, tenant_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    in_both_chains(state, &p.audit, tenant_id, Action::IncidentNoticeEdited, incident_id, |tx| {
        if store::edit_draft(tx, &notice.id, &edit, now)? == 0 {
            return Err(AppError::Conflict("the notification was sent already".into()));
        }
        Ok(json!({}))
    })?;
    view(state, incident_id)
}

/// The enabled tenant and partner admins of the tenant in scope, with their addresses.
fn admin_addresses(state: &AppState, tx: &mut TenantTx<'_>) -> Result<Vec<String>, AppError> {
    let mut accounts: Vec<String> = crate::auth::store::memberships_in_tenant(tx)?
        .into_iter()
        .filter(|m| m.disabled_at.is_none() && (m.role == Role::TenantAdmin.as_str() || m.role == Role::PartnerAdmin.as_str()))
        .map(|m| m.account_id)
        .collect();
    accounts.sort();
    accounts.dedup();
    let keys = state.master.platform_keys();
    let mut out = Vec::new();
    for id in accounts {
        if let Some(account) = crate::accounts::store::find(tx, &id)?.filter(|a| a.disabled_at.is_none()) {
            let email = keys.decrypt("accounts", "email", &account.id, &account.email_ciphertext)?;
            out.push(email.to_string());
        }
    }
    Ok(out)
}

/// A mail to each admin of the tenant in scope: German, then English.
pub(crate) fn mail_admins(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    keys: &crate::crypto::TenantKeys,
    purpose: &str,
    subject: &str,
    body: &str,
    now: NaiveDateTime,
) -> Result<usize, AppError> {
    let addresses = admin_addresses(state, tx)?;
    let tenant_id = tx.tenant_id().to_owned();
    for to in &addresses {
        let message = Message { to: to.clone(), subject: subject.to_owned(), text: body.to_owned() };
        crate::notify::enqueue(tx, keys, Some(&tenant_id), purpose, &message, now)?;
    }
    Ok(addresses.len())
}

/// Sends a draft: the tenant's admins get it by mail (German, then English) and see it on
/// "Vorfälle"; the timeline records it.
pub fn send_notice(state: &AppState, p: &Principal, incident_id: &str, tenant_id: &str) -> Result<IncidentView, AppError> {
    open_incident(state, incident_id)?;
    let notice = tenant_of_notice(state, incident_id, tenant_id)?;
    let keys = crate::tenants::service::load_keys(&state.db, &state.master, &scope_of(tenant_id))?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let slug = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::find(&mut conn, tenant_id)?.map(|t| t.slug).unwrap_or_default()
    };
    in_both_chains(state, &p.audit, tenant_id, Action::IncidentNoticeSent, incident_id, |tx| {
        if store::mark_sent(tx, &notice.id, &p.account_id, now)? == 0 {
            return Err(AppError::Conflict("the notification was sent already".into()));
        }
        let body = format!("{}\n\n--- English ---\n\n{}\n\n{}", notice.body_de, notice.subject_en, notice.body_en);
        let mails = mail_admins(state, tx, &keys, "incident_notice", &notice.subject_de, &body, now)?;
        crate::webhooks::service::incident_notice(tx, &keys, incident_id, &notice.id, notice.persons, notice.records, now)?;
        store::insert_update(
            tx,
            &UpdateRow {
                incident_id: incident_id.to_owned(),
                id: Uuid::now_v7().to_string(),
                kind: TimelineKind::NoticeSent.as_str().to_owned(),
                text_de: format!("Meldung an {slug} gesendet ({mails} Admins)."),
                text_en: format!("Notification sent to {slug} ({mails} admins)."),
                created_by: p.account_id.clone(),
                created_at: now,
            },
        )?;
        Ok(json!({ "persons": notice.persons, "records": notice.records, "mails": mails }))
    })?;
    state.mail_wakeup.wake();
    view(state, incident_id)
}

/// Follow-up information (Art. 33(4)): on the timeline, and to every tenant notified so far
/// by mail and on its "Vorfälle" page; `close` ends the incident.
pub fn add_update(state: &AppState, p: &Principal, incident_id: &str, input: &NewUpdate) -> Result<IncidentView, AppError> {
    let text_de = text_field("text_de", &input.text_de, 10000, true)?;
    let text_en = text_field("text_en", &input.text_en, 10000, true)?;
    let row = open_incident(state, incident_id)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let kind = if input.close { TimelineKind::Closed } else { TimelineKind::Update };
    let update_id = Uuid::now_v7().to_string();
    state.db.platform_tx(|tx| {
        store::insert_update(
            tx,
            &UpdateRow {
                incident_id: row.id.clone(),
                id: update_id.clone(),
                kind: kind.as_str().to_owned(),
                text_de: text_de.clone(),
                text_en: text_en.clone(),
                created_by: p.account_id.clone(),
                created_at: now,
            },
        )?;
        if input.close {
            store::set_status(tx, &row.id, IncidentStatus::Closed.as_str(), now)?;
        }
        let action = if input.close { Action::IncidentClosed } else { Action::IncidentUpdated };
        audit::record(tx, &p.audit, Event::new(action, "incident", Some(&row.id)).detail("update_id", update_id.as_str()))?;
        Ok(())
    })?;
    for (tenant, notice) in notices(state, &row.id)? {
        if notice.status != NoticeStatus::Sent.as_str() {
            continue;
        }
        let keys = crate::tenants::service::load_keys(&state.db, &state.master, &scope_of(&tenant.id))?;
        let subject = format!("Nachtrag / Update: {}", row.title);
        let body = format!("{text_de}\n\n--- English ---\n\n{text_en}");
        in_both_chains(state, &p.audit, &tenant.id, Action::IncidentUpdateSent, &row.id, |tx| {
            let mails = mail_admins(state, tx, &keys, "incident_update", &subject, &body, now)?;
            Ok(json!({ "update_id": update_id, "mails": mails }))
        })?;
    }
    state.mail_wakeup.wake();
    view(state, incident_id)
}

/// The tenant's notifications with the follow-up information sent after each.
pub fn tenant_notices(state: &AppState, scope: &TenantScope) -> Result<Vec<TenantNotice>, AppError> {
    let rows = state.db.tenant_read(scope, |tx| Ok(store::sent_notices(tx)?))?;
    let mut conn = state.db.conn()?;
    let mut out = Vec::new();
    for n in rows {
        let incident = store::find_incident(&mut conn, &n.incident_id)?.ok_or(AppError::NotFound)?;
        let sent_at = n.sent_at.unwrap_or(n.updated_at);
        let updates = store::updates(&mut conn, &n.incident_id)?
            .into_iter()
            .filter(|u| (u.kind == TimelineKind::Update.as_str() || u.kind == TimelineKind::Closed.as_str()) && u.created_at >= sent_at)
            .collect();
        out.push(TenantNotice {
            incident_status: IncidentStatus::from_stored(&incident.status)?,
            updates: timeline(updates)?,
            id: n.id,
            incident_id: n.incident_id,
            persons: n.persons,
            records: n.records,
            subject_de: n.subject_de,
            body_de: n.body_de,
            subject_en: n.subject_en,
            body_en: n.body_en,
            sent_at,
            acknowledged_at: n.acknowledged_at,
        });
    }
    Ok(out)
}

/// A tenant admin acknowledges a notification: once, on both chains and the timeline.
pub fn acknowledge(state: &AppState, p: &Principal, scope: &TenantScope, notice_id: &str) -> Result<Vec<TenantNotice>, AppError> {
    if notice_id.is_empty() || notice_id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let notice = state.db.tenant_read(scope, |tx| store::notice(tx, notice_id)?.ok_or(AppError::NotFound))?;
    if notice.status != NoticeStatus::Sent.as_str() {
        return Err(AppError::NotFound);
    }
    let slug = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::find(&mut conn, scope.tenant_id())?.map(|t| t.slug).unwrap_or_default()
    };
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    in_both_chains(state, &p.audit, scope.tenant_id(), Action::IncidentAcknowledged, &notice.incident_id, |tx| {
        if store::acknowledge(tx, &notice.id, &p.account_id, now)? == 0 {
            return Err(AppError::Conflict("the notification was acknowledged already".into()));
        }
        store::insert_update(
            tx,
            &UpdateRow {
                incident_id: notice.incident_id.clone(),
                id: Uuid::now_v7().to_string(),
                kind: TimelineKind::Acknowledged.as_str().to_owned(),
                text_de: format!("{slug} hat den Eingang bestätigt."),
                text_en: format!("{slug} acknowledged receipt."),
                created_by: p.account_id.clone(),
                created_at: now,
            },
        )?;
        Ok(json!({ "notice_id": notice.id }))
    })?;
    tenant_notices(state, scope)
}

/// Export format of an incident.
pub const EXPORT_FORMAT: &str = "anwesend-incident/1";

/// The incident with its notices (counts, status, times, texts) and timeline as one JSON
/// document signed by the platform (ECDSA P-256, the deletion certificate's form); the
/// export is audited.
pub fn export(state: &AppState, p: &Principal, id: &str) -> Result<String, AppError> {
    let incident = view(state, id)?;
    let signer = crate::crypto::PlatformSigner::from_master(&state.master)?;
    let mut document = serde_json::to_value(&incident).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut document {
        map.insert("format".into(), json!(EXPORT_FORMAT));
        map.insert("exported_at".into(), json!(crate::timestamp::rfc3339(p.audit.at.naive_utc())));
    }
    state.db.platform_tx(|tx| {
        audit::record(tx, &p.audit, Event::new(Action::IncidentExported, "incident", Some(id)))?;
        Ok(())
    })?;
    let signature = signer.sign(document.to_string().as_bytes());
    let signed = json!({
        "incident": document,
        "signature": {
            "algorithm": crate::offboarding::certificate::ALGORITHM,
            "key_id": signer.key_id(),
            "public_key": signer.public_key_hex(),
            "value": signature,
        },
    });
    Ok(format!("{signed}\n"))
}
