//! The register's rules (TOM SUB-1, TRANS-5, RIGHTS-3). Changes are planned with an
//! effective date at least every tenant's notice period ahead; the change and its register
//! versions are written in one transaction with the platform chain's entry, then each
//! tenant's notice (mail to its admins) in a transaction of its own with an entry on the
//! platform chain and one on the tenant's chain (`Db::platform_tx` → platform entry →
//! `enter_tenant` → mails and tenant entry). Objections likewise, in one transaction.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDate};
use uuid::Uuid;

use super::model::{
    is_eu_eea, ChangeKind, ChangeRow, ChangeView, EntryInput, NewChange, NewObjection, NoticePeriod, ObjectionRow, ObjectionView,
    OwnObjection, PlatformChange, RegisterView, SettingsRow, SubprocessorEntry, TenantChange, TenantRegister, TransferMechanism,
    VersionRow, DEFAULT_NOTICE_DAYS, MAX_REASON, NOTICE_DAYS, SETTING_NOTICE,
};
use super::{store, text};
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::db::{DbConnection, TenantScope};
use crate::error::AppError;
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::{Tenant, TenantStatus};

const DATE: &str = "%Y-%m-%d";

/// A text field: trimmed, `min..=max` characters, no control characters (line breaks and
/// tabs allowed where `multiline`).
fn text_field(field: &'static str, value: &str, min: usize, max: usize, multiline: bool) -> Result<String, AppError> {
    let value = value.trim();
    let len = value.chars().count();
    let bad_char = value.chars().any(|c| c.is_control() && !(multiline && matches!(c, '\n' | '\r' | '\t')));
    if len < min || len > max || bad_char {
        let lines = if multiline { "line breaks allowed" } else { "one line" };
        return Err(AppError::invalid(field, format!("{min}–{max} characters, no control characters ({lines})")));
    }
    Ok(value.to_owned())
}

/// A date `YYYY-MM-DD`, exactly.
pub fn parse_date(field: &'static str, value: &str) -> Result<NaiveDate, AppError> {
    let bad = || AppError::invalid(field, "a date YYYY-MM-DD");
    if value.len() != 10 || !value.is_ascii() {
        return Err(bad());
    }
    NaiveDate::parse_from_str(value, DATE).map_err(|_| bad())
}

fn day(d: NaiveDate) -> String {
    d.format(DATE).to_string()
}

fn today(ctx: &AuditContext) -> NaiveDate {
    ctx.at.date_naive()
}

fn country(field: &'static str, value: &str) -> Result<String, AppError> {
    let value = value.trim();
    if value.len() != 2 || !value.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(AppError::invalid(field, "an ISO 3166-1 alpha-2 country code, e.g. DE"));
    }
    Ok(value.to_ascii_uppercase())
}

/// The country and its transfer safeguard: none inside the EU/EEA, one required outside (TOM TRANS-5).
fn location(country_value: &str, mechanism: Option<&str>) -> Result<(String, bool, Option<String>), AppError> {
    let country = country("country", country_value)?;
    let eu_eea = is_eu_eea(&country);
    let mechanism = match mechanism.map(str::trim).filter(|m| !m.is_empty()) {
        None if eu_eea => None,
        None => {
            return Err(AppError::invalid(
                "transfer_mechanism",
                "required outside the EU/EEA: adequacy_decision, scc or bcr (Art. 44–47 GDPR)",
            ))
        }
        Some(m) => {
            let m = TransferMechanism::from_code(m)
                .ok_or_else(|| AppError::invalid("transfer_mechanism", "one of adequacy_decision, scc, bcr"))?;
            if eu_eea {
                return Err(AppError::invalid("transfer_mechanism", "none inside the EU/EEA"));
            }
            Some(m.as_str().to_owned())
        }
    };
    Ok((country, eu_eea, mechanism))
}

/// A checked new entry (its version row without ids and dates of the change).
struct Checked {
    name: String,
    address: String,
    service: String,
    data_categories: String,
    country: String,
    eu_eea: bool,
    transfer_mechanism: Option<String>,
    since: String,
}

fn check_entry(e: &EntryInput) -> Result<Checked, AppError> {
    let (country, eu_eea, transfer_mechanism) = location(&e.country, e.transfer_mechanism.as_deref())?;
    Ok(Checked {
        name: text_field("entry.name", &e.name, 1, 200, false)?,
        address: text_field("entry.address", &e.address, 1, 500, true)?,
        service: text_field("entry.service", &e.service, 1, 500, true)?,
        data_categories: text_field("entry.data_categories", &e.data_categories, 1, 1000, true)?,
        country,
        eu_eea,
        transfer_mechanism,
        since: day(parse_date("entry.since", &e.since)?),
    })
}

fn entry_view(v: &VersionRow) -> Result<SubprocessorEntry, AppError> {
    Ok(SubprocessorEntry {
        entry_id: v.entry_id.clone(),
        name: v.name.clone(),
        address: v.address.clone(),
        service: v.service.clone(),
        data_categories: v.data_categories.clone(),
        country: v.country.clone(),
        eu_eea: v.eu_eea,
        transfer_mechanism: v.transfer_mechanism.as_deref().map(TransferMechanism::from_stored).transpose()?,
        since: v.since.clone(),
        in_force_from: v.effective_on.clone(),
    })
}

/// The version of each entry in force on `at` (the latest one dated on or before it),
/// removed entries left out; by name.
fn in_force(versions: &[VersionRow], at: &str) -> Vec<VersionRow> {
    let mut latest: BTreeMap<&str, &VersionRow> = BTreeMap::new();
    // `versions` is in the order they take effect, so a later one overrides.
    for v in versions.iter().filter(|v| v.effective_on.as_str() <= at) {
        latest.insert(&v.entry_id, v);
    }
    let mut out: Vec<VersionRow> = latest.into_values().filter(|v| !v.removed).cloned().collect();
    out.sort_by(|a, b| a.name.to_lowercase().cmp(&b.name.to_lowercase()).then(a.entry_id.cmp(&b.entry_id)));
    out
}

/// The register in force on `at` (also for the processing record, RIGHTS-3).
pub fn register_at(conn: &mut DbConnection, at: NaiveDate) -> Result<Vec<SubprocessorEntry>, AppError> {
    let versions = store::versions(conn)?;
    in_force(&versions, &day(at)).iter().map(entry_view).collect()
}

fn change_view(row: &ChangeRow, versions: &[VersionRow], today: NaiveDate) -> Result<ChangeView, AppError> {
    let effective = parse_date("effective_on", &row.effective_on).map_err(|_| AppError::Internal("stored effective date".into()))?;
    let before = day(effective - Duration::days(1));
    let target = match &row.target_entry_id {
        Some(id) => in_force(versions, &before).iter().find(|v| &v.entry_id == id).map(entry_view).transpose()?,
        None => None,
    };
    let entry = versions.iter().find(|v| v.change_id == row.id && !v.removed).map(entry_view).transpose()?;
    Ok(ChangeView {
        id: row.id.clone(),
        kind: ChangeKind::from_stored(&row.kind)?,
        target,
        entry,
        effective_on: row.effective_on.clone(),
        objection_until: before,
        pending: effective > today,
        note: row.note.clone(),
        created_at: row.created_at,
    })
}

/// The tenants whose data still exists (offboarded tenants hold none and have no admins left).
fn live_tenants(state: &AppState) -> Result<Vec<Tenant>, AppError> {
    Ok(crate::tenants::service::list(&state.db)?.into_iter().filter(|t| t.status != TenantStatus::Offboarded.as_str()).collect())
}

fn scope_of(tenant_id: &str) -> TenantScope {
    TenantScope::named_by_platform_admin(tenant_id.to_owned())
}

fn notice_days(state: &AppState, scope: &TenantScope) -> Result<(i32, Option<chrono::NaiveDateTime>), AppError> {
    let row = state.db.tenant_read(scope, |tx| Ok(store::settings(tx)?))?;
    Ok(row.map_or((DEFAULT_NOTICE_DAYS, None), |r| (r.notice_days, Some(r.updated_at))))
}

/// Plans a change: checked, then refused unless its effective date is at least every live
/// tenant's notice period ahead; written with its register versions and the platform
/// entry; then each tenant's admins get the notice by mail, with an entry on both chains.
pub fn plan(state: &AppState, p: &Principal, input: &NewChange) -> Result<PlatformChange, AppError> {
    let kind =
        ChangeKind::from_code(&input.kind).ok_or_else(|| AppError::invalid("kind", "one of add, replace, change_location, remove"))?;
    let effective = parse_date("effective_on", &input.effective_on)?;
    let note = if input.note.trim().is_empty() { String::new() } else { text_field("note", &input.note, 1, 2000, true)? };
    let today = today(&p.audit);
    if effective <= today {
        return Err(AppError::invalid("effective_on", "after today"));
    }
    let needs_target = kind != ChangeKind::Add;
    let target_id = match (&input.target_entry_id, needs_target) {
        (Some(id), true) if !id.is_empty() && id.len() <= 64 => Some(id.clone()),
        (None, false) => None,
        (_, true) => return Err(AppError::invalid("target_entry_id", "the entry this change replaces, moves or removes")),
        (Some(_), false) => return Err(AppError::invalid("target_entry_id", "none for add")),
    };
    let entry = match (kind, &input.entry) {
        (ChangeKind::Add | ChangeKind::Replace, Some(e)) => Some(check_entry(e)?),
        (ChangeKind::Add | ChangeKind::Replace, None) => return Err(AppError::invalid("entry", "the new sub-processor")),
        (_, Some(_)) => return Err(AppError::invalid("entry", "only for add and replace")),
        (_, None) => None,
    };
    let moved = match (kind, &input.country) {
        (ChangeKind::ChangeLocation, Some(c)) => Some(location(c, input.transfer_mechanism.as_deref())?),
        (ChangeKind::ChangeLocation, None) => return Err(AppError::invalid("country", "the new processing location")),
        (_, Some(_)) => return Err(AppError::invalid("country", "only for change_location")),
        (_, None) if input.transfer_mechanism.is_some() => {
            return Err(AppError::invalid("transfer_mechanism", "only for change_location (an entry names its own)"))
        }
        (_, None) => None,
    };
    let versions = {
        let mut conn = state.db.conn()?;
        store::versions(&mut conn)?
    };
    // The target must be in force on the day the change takes effect, and no change of it
    // may take effect on or after that day already (a later version would undo this one).
    if let Some(id) = &target_id {
        if versions.iter().any(|v| &v.entry_id == id && v.effective_on >= day(effective)) {
            return Err(AppError::invalid("effective_on", "a change of this entry takes effect on or after this date already"));
        }
    }
    let target = match &target_id {
        Some(id) => Some(in_force(&versions, &day(effective)).into_iter().find(|v| &v.entry_id == id).ok_or_else(|| {
            AppError::invalid("target_entry_id", "no sub-processor with this id is in the register on the effective date")
        })?),
        None => None,
    };
    // The notice period of every tenant (TOM SUB-1): the longest decides.
    let tenants = live_tenants(state)?;
    let mut periods = Vec::new();
    for tenant in &tenants {
        periods.push(notice_days(state, &scope_of(&tenant.id))?.0);
    }
    let longest = periods.iter().copied().max().unwrap_or(0);
    let earliest = today + Duration::days(i64::from(longest));
    if effective < earliest {
        return Err(AppError::rule(
            ProblemCode::NoticeTooShort,
            format!("the longest notice period of the tenants is {longest} days: the effective date must be on or after {}", day(earliest)),
        ));
    }

    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let change_id = Uuid::now_v7().to_string();
    let new_entry_id = match kind {
        ChangeKind::Add | ChangeKind::Replace => Some(Uuid::now_v7().to_string()),
        ChangeKind::ChangeLocation => target_id.clone(),
        ChangeKind::Remove => None,
    };
    let change = ChangeRow {
        id: change_id.clone(),
        kind: kind.as_str().to_owned(),
        target_entry_id: target_id.clone(),
        entry_id: new_entry_id.clone(),
        effective_on: day(effective),
        note,
        created_by: p.account_id.clone(),
        created_at: now,
    };
    let version = |entry_id: &str, removed: bool, c: &Checked| VersionRow {
        id: Uuid::now_v7().to_string(),
        entry_id: entry_id.to_owned(),
        change_id: change_id.clone(),
        effective_on: day(effective),
        removed,
        name: c.name.clone(),
        address: c.address.clone(),
        service: c.service.clone(),
        data_categories: c.data_categories.clone(),
        country: c.country.clone(),
        eu_eea: c.eu_eea,
        transfer_mechanism: c.transfer_mechanism.clone(),
        since: c.since.clone(),
        created_at: now,
    };
    let of_row = |v: &VersionRow| Checked {
        name: v.name.clone(),
        address: v.address.clone(),
        service: v.service.clone(),
        data_categories: v.data_categories.clone(),
        country: v.country.clone(),
        eu_eea: v.eu_eea,
        transfer_mechanism: v.transfer_mechanism.clone(),
        since: v.since.clone(),
    };
    let mut rows = Vec::new();
    if let (Some(old), true) = (&target, matches!(kind, ChangeKind::Replace | ChangeKind::Remove)) {
        rows.push(version(&old.entry_id, true, &of_row(old)));
    }
    if let (Some(new), Some(id)) = (&entry, &new_entry_id) {
        rows.push(version(id, false, new));
    }
    if let (Some(old), Some((country, eu_eea, mechanism))) = (&target, moved) {
        let mut moved = of_row(old);
        moved.country = country;
        moved.eu_eea = eu_eea;
        moved.transfer_mechanism = mechanism;
        rows.push(version(&old.entry_id, false, &moved));
    }
    state.db.platform_tx(|tx| {
        store::insert_change(tx, &change)?;
        for row in &rows {
            store::insert_version(tx, row)?;
        }
        let mut event = Event::new(Action::SubprocessorChangePlanned, "subprocessor_change", Some(&change.id))
            .detail("kind", kind.as_str())
            .detail("effective_on", change.effective_on.as_str())
            .detail("tenants", tenants.len());
        if let Some(id) = &target_id {
            event = event.detail("target_entry_id", id.as_str());
        }
        if let Some(v) = rows.iter().find(|v| !v.removed) {
            event = event.detail("name", v.name.as_str()).detail("country", v.country.as_str()).detail("eu_eea", v.eu_eea);
        }
        audit::record(tx, &p.audit, event)?;
        Ok(())
    })?;
    let all_versions = {
        let mut conn = state.db.conn()?;
        store::versions(&mut conn)?
    };
    let view = change_view(&change, &all_versions, today)?;
    let page = format!("{}/#/subprocessors", state.config.public_url.trim_end_matches('/'));
    for (tenant, days) in tenants.iter().zip(periods) {
        let scope = scope_of(&tenant.id);
        let keys = crate::tenants::service::load_keys(&state.db, &state.master, &scope)?;
        let (subject, body) = text::notice(&view, &tenant.name, days, &page);
        state.db.platform_tx(|tx| {
            let platform_entry = audit::record(
                tx,
                &p.audit,
                Event::new(Action::SubprocessorChangeNotified, "subprocessor_change", Some(&change.id))
                    .detail("tenant_id", tenant.id.as_str()),
            )?;
            let tx = &mut tx.enter_tenant(&scope)?;
            let mails = crate::incidents::service::mail_admins(state, tx, &keys, "subprocessor_change", &subject, &body, now)?;
            audit::record(
                tx,
                &p.audit,
                Event::new(Action::SubprocessorChangeNotified, "subprocessor_change", Some(&change.id))
                    .detail("platform_entry", platform_entry.id.as_str())
                    .detail("effective_on", change.effective_on.as_str())
                    .detail("notice_days", days)
                    .detail("mails", mails),
            )?;
            Ok(())
        })?;
    }
    state.mail_wakeup.wake();
    Ok(PlatformChange { change: view, objections: Vec::new() })
}

/// Every tenant's objections, with the reasons decrypted, by change.
fn objections(state: &AppState) -> Result<BTreeMap<String, Vec<ObjectionView>>, AppError> {
    let mut out: BTreeMap<String, Vec<ObjectionView>> = BTreeMap::new();
    for tenant in live_tenants(state)? {
        let scope = scope_of(&tenant.id);
        let rows = state.db.tenant_read(&scope, |tx| Ok(store::objections(tx)?))?;
        if rows.is_empty() {
            continue;
        }
        let keys = crate::tenants::service::load_keys(&state.db, &state.master, &scope)?;
        for row in rows {
            let reason = keys.decrypt("subprocessor_objections", "reason", &row.id, &row.reason_ciphertext)?.to_string();
            out.entry(row.change_id.clone()).or_default().push(ObjectionView {
                tenant_id: tenant.id.clone(),
                tenant_slug: tenant.slug.clone(),
                tenant_name: tenant.name.clone(),
                reason,
                objected_at: row.objected_at,
            });
        }
    }
    Ok(out)
}

/// The register as of `at` (default today) and every change with its objections (platform console).
pub fn register(state: &AppState, p: &Principal, at: Option<&str>) -> Result<RegisterView, AppError> {
    let today = today(&p.audit);
    let at = match at {
        Some(a) => parse_date("at", a)?,
        None => today,
    };
    let (versions, changes) = {
        let mut conn = state.db.conn()?;
        (store::versions(&mut conn)?, store::changes(&mut conn)?)
    };
    let mut objections = objections(state)?;
    let entries = in_force(&versions, &day(at)).iter().map(entry_view).collect::<Result<Vec<_>, _>>()?;
    let changes = changes
        .iter()
        .map(|c| Ok(PlatformChange { change: change_view(c, &versions, today)?, objections: objections.remove(&c.id).unwrap_or_default() }))
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(RegisterView { at: day(at), today: day(today), entries, changes })
}

/// The tenant's page: the register in force, every change with its deadline and the
/// tenant's own objection (never another tenant's).
pub fn tenant_register(state: &AppState, p: &Principal, scope: &TenantScope) -> Result<TenantRegister, AppError> {
    let today = today(&p.audit);
    let (versions, changes) = {
        let mut conn = state.db.conn()?;
        (store::versions(&mut conn)?, store::changes(&mut conn)?)
    };
    let (days, _) = notice_days(state, scope)?;
    let rows = state.db.tenant_read(scope, |tx| Ok(store::objections(tx)?))?;
    let keys = if rows.is_empty() { None } else { Some(crate::tenants::service::load_keys(&state.db, &state.master, scope)?) };
    let mut own: BTreeMap<String, OwnObjection> = BTreeMap::new();
    if let Some(keys) = &keys {
        for row in rows {
            let reason = keys.decrypt("subprocessor_objections", "reason", &row.id, &row.reason_ciphertext)?.to_string();
            own.insert(row.change_id.clone(), OwnObjection { reason, objected_at: row.objected_at });
        }
    }
    let entries = in_force(&versions, &day(today)).iter().map(entry_view).collect::<Result<Vec<_>, _>>()?;
    let changes = changes
        .iter()
        .map(|c| {
            let change = change_view(c, &versions, today)?;
            let objection = own.remove(&c.id);
            Ok(TenantChange { can_object: change.pending && objection.is_none(), change, objection })
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    Ok(TenantRegister { today: day(today), notice_days: days, entries, changes })
}

/// A tenant admin objects to a planned change with a reason: before it takes effect, once
/// per tenant; on the platform chain and the tenant's, in one transaction with the objection.
pub fn object(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    change_id: &str,
    input: &NewObjection,
) -> Result<TenantRegister, AppError> {
    let reason = text_field("reason", &input.reason, 1, MAX_REASON, true)?;
    if change_id.is_empty() || change_id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let change = {
        let mut conn = state.db.conn()?;
        store::find_change(&mut conn, change_id)?.ok_or(AppError::NotFound)?
    };
    let today = today(&p.audit);
    let effective = parse_date("effective_on", &change.effective_on).map_err(|_| AppError::Internal("stored effective date".into()))?;
    if today >= effective {
        return Err(AppError::rule(
            ProblemCode::ObjectionPeriodOver,
            format!("the change took effect on {}; objections were accepted until the day before", change.effective_on),
        ));
    }
    let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let id = Uuid::now_v7().to_string();
    let row = ObjectionRow {
        tenant_id: scope.tenant_id().to_owned(),
        id: id.clone(),
        change_id: change.id.clone(),
        reason_ciphertext: keys.encrypt("subprocessor_objections", "reason", &id, &reason),
        objected_by: p.account_id.clone(),
        objected_at: now,
    };
    state.db.platform_tx(|tx| {
        let platform_entry = audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubprocessorObjected, "subprocessor_change", Some(&change.id)).detail("tenant_id", scope.tenant_id()),
        )?;
        let tx = &mut tx.enter_tenant(scope)?;
        if store::objection_of(tx, &change.id)?.is_some() {
            return Err(AppError::rule(ProblemCode::AlreadyObjected, "this tenant has objected to the change already"));
        }
        store::insert_objection(tx, &row)?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubprocessorObjected, "subprocessor_change", Some(&change.id))
                .detail("platform_entry", platform_entry.id.as_str())
                .detail("objection_id", id.as_str())
                .detail("effective_on", change.effective_on.as_str()),
        )?;
        Ok(())
    })?;
    tenant_register(state, p, scope)
}

/// Every live tenant's notice period (platform console).
pub fn notice_periods(state: &AppState) -> Result<Vec<NoticePeriod>, AppError> {
    live_tenants(state)?
        .into_iter()
        .map(|t| {
            let (notice_days, updated_at) = notice_days(state, &scope_of(&t.id))?;
            Ok(NoticePeriod { tenant_id: t.id, tenant_slug: t.slug, tenant_name: t.name, notice_days, updated_at })
        })
        .collect()
}

/// Sets a tenant's notice period (14 or 30 days, per its contract); on both chains.
pub fn set_notice_period(state: &AppState, p: &Principal, tenant_id: &str, days: i32) -> Result<NoticePeriod, AppError> {
    if !NOTICE_DAYS.contains(&days) {
        return Err(AppError::invalid("notice_days", "14 or 30"));
    }
    if tenant_id.is_empty() || tenant_id.len() > 64 {
        return Err(AppError::NotFound);
    }
    let tenant = {
        let mut conn = state.db.conn()?;
        crate::tenants::store::find(&mut conn, tenant_id)?
            .filter(|t| t.status != TenantStatus::Offboarded.as_str())
            .ok_or(AppError::NotFound)?
    };
    let scope = scope_of(&tenant.id);
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.platform_tx(|tx| {
        let platform_entry = audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubprocessorNoticePeriodSet, "tenant", Some(&tenant.id)).detail("notice_days", days),
        )?;
        let tx = &mut tx.enter_tenant(&scope)?;
        store::set_settings(
            tx,
            &SettingsRow {
                tenant_id: tenant.id.clone(),
                setting: SETTING_NOTICE.to_owned(),
                notice_days: days,
                updated_by: p.account_id.clone(),
                updated_at: now,
            },
        )?;
        audit::record(
            tx,
            &p.audit,
            Event::new(Action::SubprocessorNoticePeriodSet, "tenant", Some(&tenant.id))
                .detail("platform_entry", platform_entry.id.as_str())
                .detail("notice_days", days),
        )?;
        Ok(())
    })?;
    Ok(NoticePeriod { tenant_id: tenant.id, tenant_slug: tenant.slug, tenant_name: tenant.name, notice_days: days, updated_at: Some(now) })
}
