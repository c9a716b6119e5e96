//! The TOM evidence report (TOM REVIEW-1): each measure of `docs/toms.md` with the tests
//! that prove it and, where the running system can show it, live evidence and a status.
//! Figures come from the capabilities that own them (the platform status, the audit
//! verification, backups, retention, devices, offboarding); the platform's view counts
//! across tenants, a tenant's view reads only that tenant, in its scope.

use std::collections::BTreeMap;

use chrono::{Duration, NaiveDateTime};
use serde_json::{json, Value};

use super::catalogue::{tests_of, DOCUMENTED};
use super::model::{ProvingTestView, TomReport, TomRow, TomStatus, TomView};
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::model::Role;
use crate::auth::password::{params_of, HashParams};
use crate::crypto::canonical_json as canonical;
use crate::crypto::PlatformSigner;
use crate::db::{DbConnection, TenantScope};
use crate::error::AppError;
use crate::offboarding::certificate::ALGORITHM;
use crate::state::AppState;
use crate::tenants::model::TenantStatus;

/// Export format of the signed report.
pub const EXPORT_FORMAT: &str = "anwesend-tom-report/1";
/// The evidence of a row the running system cannot show.
pub const DOCUMENTED_CONTROL: &str = "documented control";
/// Measures of the operator alone: not in a tenant's view.
const PLATFORM_ONLY: &[&str] = &["SEP-4", "AVAIL-3"];

/// Whose figures a report shows.
#[derive(Clone, Copy)]
enum Whose<'a> {
    Platform,
    Tenant(&'a TenantScope),
}

/// A row's live evidence.
struct Live {
    status: TomStatus,
    evidence: String,
    reason: String,
    figures: BTreeMap<String, i64>,
}

impl Live {
    fn new(status: TomStatus, evidence: String, reason: impl Into<String>) -> Self {
        Self { status, evidence, reason: reason.into(), figures: BTreeMap::new() }
    }

    fn figure(mut self, name: &str, value: impl TryInto<i64>) -> Self {
        self.figures.insert(name.to_owned(), value.try_into().unwrap_or(i64::MAX));
        self
    }
}

fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

fn when(at: Option<NaiveDateTime>) -> String {
    at.map_or_else(|| "never".to_owned(), crate::timestamp::rfc3339)
}

/// The platform's report: every measure, every figure across tenants as counts.
pub fn platform_report(state: &AppState, now: NaiveDateTime) -> Result<TomReport, AppError> {
    report(state, Whose::Platform, now)
}

/// A tenant's report: the measures that apply to it, only its own figures.
pub fn tenant_report(state: &AppState, scope: &TenantScope, now: NaiveDateTime) -> Result<TomReport, AppError> {
    report(state, Whose::Tenant(scope), now)
}

fn report(state: &AppState, whose: Whose<'_>, now: NaiveDateTime) -> Result<TomReport, AppError> {
    let mut live = evidence(state, whose, now)?;
    let mut rows = Vec::new();
    for documented in DOCUMENTED {
        if matches!(whose, Whose::Tenant(_)) && PLATFORM_ONLY.contains(&documented.id) {
            continue;
        }
        let tests: Vec<ProvingTestView> = tests_of(documented.id)
            .map(|t| ProvingTestView { kind: t.kind.to_owned(), file: t.file.to_owned(), name: t.name.to_owned() })
            .collect();
        let evidence = live.remove(documented.id).unwrap_or_else(|| {
            if tests.is_empty() {
                Live::new(TomStatus::Attention, DOCUMENTED_CONTROL.to_owned(), "no test proves it")
            } else {
                Live::new(TomStatus::Ok, DOCUMENTED_CONTROL.to_owned(), format!("{} test(s) prove it", tests.len()))
            }
        });
        rows.push(TomRow {
            id: documented.id.to_owned(),
            documented_status: documented.status.to_owned(),
            control: documented.control.to_owned(),
            live: evidence.evidence != DOCUMENTED_CONTROL,
            tests,
            evidence: evidence.evidence,
            figures: evidence.figures,
            status: evidence.status,
            reason: evidence.reason,
        });
    }
    let of = |status: TomStatus| count(rows.iter().filter(|r| r.status == status).count());
    let (tenant_id, tenant_slug) = match whose {
        Whose::Platform => (None, None),
        Whose::Tenant(scope) => {
            let mut conn = state.db.conn()?;
            let tenant = crate::tenants::store::find(&mut conn, scope.tenant_id())?.ok_or(AppError::NotFound)?;
            (Some(tenant.id), Some(tenant.slug))
        }
    };
    Ok(TomReport {
        view: match whose {
            Whose::Platform => TomView::Platform,
            Whose::Tenant(_) => TomView::Tenant,
        },
        tenant_id,
        tenant_slug,
        generated_at: now,
        version: crate::http::routes::VERSION.to_owned(),
        ok: of(TomStatus::Ok),
        attention: of(TomStatus::Attention),
        failing: of(TomStatus::Failing),
        rows,
    })
}

/// The live evidence of every measure the running system can show, by TOM id.
fn evidence(state: &AppState, whose: Whose<'_>, now: NaiveDateTime) -> Result<BTreeMap<&'static str, Live>, AppError> {
    let platform = crate::platform::service::status(state)?;
    let mut out = BTreeMap::new();
    out.insert("ACC-1", password_hashes(state, whose)?);
    out.insert("ACC-3", sessions(state, whose, now)?);
    out.insert("ACC-6", second_factors(state, whose)?);
    out.insert("INPUT-2", ip_hash_keys(state, now)?);
    out.insert("INPUT-5", audit_chains(state, whose)?);
    let (backups, verification) = backups(state, &platform, now);
    out.insert("AVAIL-1", backups);
    out.insert("AVAIL-2", verification);
    out.insert("DEL-4", destroyed_keys(state, whose)?);
    out.insert("DEV-2", devices(state, whose, now)?);
    out.insert("TRANS-1", transport(state));
    out.insert("PRIV-6", retention(state, whose, now)?);
    if matches!(whose, Whose::Platform) {
        out.insert("AVAIL-3", jobs(state, &platform, now));
    }
    Ok(out)
}

/// The tenants a platform figure counts: every tenant not offboarded yet.
fn live_tenants(state: &AppState) -> Result<Vec<(TenantScope, crate::tenants::model::Tenant)>, AppError> {
    Ok(crate::tenants::service::list(&state.db)?
        .into_iter()
        .filter(|t| t.status != TenantStatus::Offboarded.as_str())
        .map(|t| (TenantScope::named_by_platform_admin(t.id.clone()), t))
        .collect())
}

/// The enabled members of a tenant: every account, and the admins among them.
fn members_of(state: &AppState, scope: &TenantScope) -> Result<(Vec<String>, Vec<String>), AppError> {
    state.db.tenant_read(scope, |tx| {
        let enabled: Vec<_> = crate::auth::store::memberships_in_tenant(tx)?.into_iter().filter(|m| m.disabled_at.is_none()).collect();
        let mut all: Vec<String> = enabled.iter().map(|m| m.account_id.clone()).collect();
        let mut admins: Vec<String> = enabled
            .iter()
            .filter(|m| m.role == Role::TenantAdmin.as_str() || m.role == Role::PartnerAdmin.as_str())
            .map(|m| m.account_id.clone())
            .collect();
        for list in [&mut all, &mut admins] {
            list.sort_unstable();
            list.dedup();
        }
        Ok((all, admins))
    })
}

/// ACC-1: the configured Argon2id parameters against the OWASP floor, and the stored hashes
/// made with weaker ones (their PHC strings name their parameters).
fn password_hashes(state: &AppState, whose: Whose<'_>) -> Result<Live, AppError> {
    let configured = state.config.auth.password_hash;
    let floor = HashParams::FLOOR;
    let only = match whose {
        Whose::Platform => None,
        Whose::Tenant(scope) => Some(members_of(state, scope)?.0),
    };
    let hashes = store::password_hashes(&mut *state.db.conn()?, only.as_deref())?;
    // Accounts that sign in only by SSO hold a marker, no hash.
    let local: Vec<&String> = hashes.iter().filter(|h| !h.starts_with('!')).collect();
    let weaker = local
        .iter()
        .filter(|h| {
            params_of(h).is_none_or(|p| {
                p.memory_kib < configured.memory_kib || p.iterations < configured.iterations || p.parallelism < configured.parallelism
            })
        })
        .count();
    let evidence = format!(
        "Argon2id m={} KiB, t={}, p={} (floor m={} KiB, t={}, p={}); {weaker} of {} stored password hashes below the configured parameters",
        configured.memory_kib,
        configured.iterations,
        configured.parallelism,
        floor.memory_kib,
        floor.iterations,
        floor.parallelism,
        local.len()
    );
    let (status, reason) = if configured.below_floor() {
        (TomStatus::Failing, "the configured parameters are below the OWASP floor".to_owned())
    } else if weaker > 0 {
        (TomStatus::Attention, format!("{weaker} password hash(es) made with weaker parameters"))
    } else {
        (TomStatus::Ok, "every stored hash meets the configured parameters".to_owned())
    };
    Ok(Live::new(status, evidence, reason)
        .figure("memory_kib", configured.memory_kib)
        .figure("iterations", configured.iterations)
        .figure("parallelism", configured.parallelism)
        .figure("hashes", local.len())
        .figure("hashes_below_configured", weaker))
}

/// ACC-3: the timeouts in force and the staff sessions open now.
fn sessions(state: &AppState, whose: Whose<'_>, now: NaiveDateTime) -> Result<Live, AppError> {
    let config = &state.config.session;
    let idle_since = now - Duration::minutes(i64::from(config.idle_minutes));
    let tenant = match whose {
        Whose::Platform => None,
        Whose::Tenant(scope) => Some(scope.tenant_id()),
    };
    let open = store::open_sessions(&mut *state.db.conn()?, now, idle_since, tenant)?;
    let evidence = format!(
        "idle timeout {} min, absolute {} h, checked on every request; {open} staff session(s) open",
        config.idle_minutes, config.absolute_hours
    );
    let (status, reason) = if config.idle_minutes > 60 || config.absolute_hours > 24 {
        (TomStatus::Attention, "timeouts longer than 60 min idle or 24 h absolute")
    } else {
        (TomStatus::Ok, "idle and absolute timeouts in force")
    };
    Ok(Live::new(status, evidence, reason)
        .figure("idle_minutes", config.idle_minutes)
        .figure("absolute_hours", config.absolute_hours)
        .figure("open_sessions", open))
}

/// TOTP or a passkey.
fn has_second_factor(conn: &mut DbConnection, account_id: &str) -> Result<bool, AppError> {
    let totp = crate::accounts::store::find(conn, account_id)?.is_some_and(|a| a.mfa_enabled());
    Ok(totp || crate::passkeys::store::count_of_account(conn, account_id)? > 0)
}

/// ACC-6: admins without a second factor, and those of them whose tenant requires one
/// (platform admins always need one).
fn second_factors(state: &AppState, whose: Whose<'_>) -> Result<Live, AppError> {
    let tenants = match whose {
        Whose::Platform => live_tenants(state)?,
        Whose::Tenant(scope) => {
            let tenant = crate::tenants::store::find(&mut *state.db.conn()?, scope.tenant_id())?.ok_or(AppError::NotFound)?;
            vec![(scope.clone(), tenant)]
        }
    };
    let (mut admins, mut without, mut required_without) = (0, 0, 0);
    for (scope, tenant) in &tenants {
        let (_, ids) = members_of(state, scope)?;
        let required = tenant.mfa_required_for_admins || tenant.passkeys_required_for_admins;
        let mut conn = state.db.conn()?;
        for id in &ids {
            admins += 1;
            if !has_second_factor(&mut conn, id)? {
                without += 1;
                if required {
                    required_without += 1;
                }
            }
        }
    }
    let mut platform_without = 0;
    if matches!(whose, Whose::Platform) {
        let mut conn = state.db.conn()?;
        for id in store::platform_admins(&mut conn)? {
            if !has_second_factor(&mut conn, &id)? {
                platform_without += 1;
            }
        }
    }
    let mut evidence =
        format!("{without} of {admins} tenant admin(s) without a second factor, {required_without} where the tenant requires one");
    if matches!(whose, Whose::Platform) {
        evidence.push_str(&format!("; {platform_without} platform admin(s) without one"));
    }
    let missing = required_without + platform_without;
    let (status, reason) = if missing > 0 {
        (TomStatus::Attention, format!("{missing} admin(s) without the second factor required of them"))
    } else {
        (TomStatus::Ok, "every admin who must have a second factor has one".to_owned())
    };
    Ok(Live::new(status, evidence, reason)
        .figure("admins", admins)
        .figure("admins_without_second_factor", without)
        .figure("required_without_second_factor", required_without)
        .figure("platform_admins_without_second_factor", platform_without))
}

/// INPUT-2: the current IP-hash key's age, the destroyed keys, retired keys not destroyed in time.
fn ip_hash_keys(state: &AppState, now: NaiveDateTime) -> Result<Live, AppError> {
    let config = &state.config.ip_hash;
    let keys = store::ip_hash_keys(&mut *state.db.conn()?)?;
    let cutoff = now - Duration::days(i64::from(config.keep_days));
    let destroyed = keys.iter().filter(|k| k.destroyed_at.is_some()).count();
    let overdue = keys.iter().filter(|k| k.destroyed_at.is_none() && k.valid_until <= cutoff).count();
    let current =
        keys.iter().filter(|k| k.destroyed_at.is_none() && k.valid_from <= now && now < k.valid_until).map(|k| k.created_at).max();
    let age = current.map(|created| (now - created).num_hours().max(0));
    let evidence = format!(
        "rotation every {} h, retired keys destroyed after {} days; current key {}; {destroyed} day key(s) destroyed, {overdue} overdue",
        config.rotation_hours,
        config.keep_days,
        age.map_or_else(|| "not made yet (made at the first request of the period)".to_owned(), |h| format!("{h} h old")),
    );
    let (status, reason) = if overdue > 0 {
        (TomStatus::Attention, format!("{overdue} retired key(s) past their keeping time not destroyed"))
    } else {
        (TomStatus::Ok, "keys rotate and retired keys are destroyed".to_owned())
    };
    let mut live = Live::new(status, evidence, reason)
        .figure("rotation_hours", config.rotation_hours)
        .figure("keep_days", config.keep_days)
        .figure("keys_destroyed", destroyed)
        .figure("keys_overdue", overdue);
    if let Some(age) = age {
        live = live.figure("key_age_hours", age);
    }
    Ok(live)
}

/// INPUT-5: every chain the view covers, verified now.
fn audit_chains(state: &AppState, whose: Whose<'_>) -> Result<Live, AppError> {
    let (chains, broken, detail) = match whose {
        Whose::Platform => {
            let checked = crate::audit::service::verify_all(state)?;
            (checked.chains, checked.broken, String::new())
        }
        Whose::Tenant(scope) => {
            let report = state.db.tenant_tx(scope, |tx| audit::verify_chain(tx, scope.tenant_id()))?;
            let detail = match &report.first_break {
                Some(b) => format!(": broken at entry {} ({})", b.seq, b.reason),
                None => format!(", {} entries", report.entries_checked),
            };
            (1, i64::from(!report.intact), detail)
        }
    };
    let evidence = format!("{chains} audit chain(s) verified now, {broken} broken{detail}");
    let live = if broken > 0 {
        Live::new(TomStatus::Failing, evidence, format!("{broken} audit chain(s) do not verify"))
    } else {
        Live::new(TomStatus::Ok, evidence, "every hash chain verifies")
    };
    Ok(live.figure("chains", chains).figure("broken", broken))
}

/// AVAIL-1, AVAIL-2: the last backup and the last verification against the schedule.
fn backups(state: &AppState, platform: &crate::platform::model::PlatformStatus, now: NaiveDateTime) -> (Live, Live) {
    let config = &state.config.backups;
    let scheduled = crate::jobs::service::backups_scheduled(&state.config);
    let schedule = if scheduled { "" } else { " (the server's schedule is off)" };
    let every = Duration::hours(i64::from(config.every_hours));
    let backup = match platform.last_backup_at {
        None => Live::new(TomStatus::Attention, format!("no backup recorded{schedule}"), "no backup yet"),
        Some(at) => {
            let age = (now - at).num_hours().max(0);
            let evidence = format!("last backup {} ({age} h ago), every {} h{schedule}", when(Some(at)), config.every_hours);
            let live = if now - at > every + Duration::hours(1) {
                Live::new(TomStatus::Attention, evidence, "the last backup is older than the schedule")
            } else {
                Live::new(TomStatus::Ok, evidence, "backups are current")
            };
            live.figure("backup_age_hours", age)
        }
    }
    .figure("every_hours", config.every_hours)
    .figure("scheduled", i64::from(scheduled));
    let every = Duration::days(i64::from(config.verify_every_days));
    let verification = match (platform.last_backup_verification_ok, platform.last_backup_verification_at) {
        (Some(ok), Some(at)) => {
            let age = (now - at).num_hours().max(0);
            let evidence = format!(
                "last verification {} ({age} h ago): {}, every {} days{schedule}",
                when(Some(at)),
                if ok { "passed" } else { "failed" },
                config.verify_every_days
            );
            let live = if !ok {
                Live::new(TomStatus::Failing, evidence, "the last backup verification failed")
            } else if now - at > every + Duration::days(1) {
                Live::new(TomStatus::Attention, evidence, "the last verification is older than the schedule")
            } else {
                Live::new(TomStatus::Ok, evidence, "the last backup restores and checks")
            };
            live.figure("verification_age_hours", age).figure("verification_ok", i64::from(ok))
        }
        _ => Live::new(TomStatus::Attention, format!("no backup verification recorded{schedule}"), "no verification yet"),
    }
    .figure("verify_every_days", config.verify_every_days);
    (backup, verification)
}

/// DEL-4: tenants whose keys are destroyed (their data in every backup unreadable), and
/// offboarded tenants whose keys or keyring secret remain.
fn destroyed_keys(state: &AppState, whose: Whose<'_>) -> Result<Live, AppError> {
    match whose {
        Whose::Tenant(scope) => {
            let (live_keys, destroyed) = state.db.tenant_read(scope, |tx| Ok(store::tenant_key_counts(tx)?))?;
            let secret = state.master.has_owner_secret(scope.tenant_id())?;
            let evidence = format!(
                "{live_keys} live key(s), {destroyed} destroyed; {}",
                if secret { "wrapped under the tenant's keyring secret, destroyed at offboarding" } else { "no keyring secret" }
            );
            let live = if secret {
                Live::new(TomStatus::Ok, evidence, "offboarding destroys the keyring secret and the keys")
            } else {
                Live::new(TomStatus::Attention, evidence, "keys wrapped under the master key alone: backups are not shredded")
            };
            Ok(live.figure("keys_live", live_keys).figure("keys_destroyed", destroyed).figure("keyring_secret", i64::from(secret)))
        }
        Whose::Platform => {
            let (mut shredded, mut offboarded, mut remaining, mut without_secret) = (0, 0, 0, 0);
            for tenant in crate::tenants::service::list(&state.db)? {
                let scope = TenantScope::named_by_platform_admin(tenant.id.clone());
                let (live_keys, destroyed) = state.db.tenant_read(&scope, |tx| Ok(store::tenant_key_counts(tx)?))?;
                let secret = state.master.has_owner_secret(&tenant.id)?;
                if destroyed > 0 && live_keys == 0 && !secret {
                    shredded += 1;
                }
                if tenant.status == TenantStatus::Offboarded.as_str() {
                    offboarded += 1;
                    if live_keys > 0 || secret {
                        remaining += 1;
                    }
                } else if !secret {
                    without_secret += 1;
                }
            }
            let evidence = format!(
                "{shredded} tenant(s) with destroyed keys (their data unreadable in every backup); {offboarded} offboarded, {remaining} of them with keys left; {without_secret} live tenant(s) without a keyring secret"
            );
            let live = if remaining > 0 {
                Live::new(TomStatus::Failing, evidence, format!("{remaining} offboarded tenant(s) whose keys are not destroyed"))
            } else if without_secret > 0 {
                Live::new(TomStatus::Attention, evidence, format!("{without_secret} tenant(s) wrapped under the master key alone"))
            } else {
                Live::new(TomStatus::Ok, evidence, "every offboarded tenant's keys are destroyed")
            };
            Ok(live
                .figure("tenants_keys_destroyed", shredded)
                .figure("tenants_offboarded", offboarded)
                .figure("offboarded_with_keys", remaining)
                .figure("tenants_without_keyring_secret", without_secret))
        }
    }
}

/// DEV-2: active devices running an outdated agent, and silent ones.
fn devices(state: &AppState, whose: Whose<'_>, now: NaiveDateTime) -> Result<Live, AppError> {
    let minimum = &state.config.devices.minimum_agent_version;
    let silent_since = now - Duration::minutes(crate::home::service::DEVICE_SILENT_MINUTES);
    let scopes: Vec<TenantScope> = match whose {
        Whose::Platform => {
            live_tenants(state)?.into_iter().filter(|(_, t)| t.status == TenantStatus::Active.as_str()).map(|(scope, _)| scope).collect()
        }
        Whose::Tenant(scope) => vec![scope.clone()],
    };
    let (mut active, mut outdated, mut silent) = (0, 0, 0);
    for scope in &scopes {
        let devices = state.db.tenant_read(scope, |tx| Ok(crate::home::store::active_devices(tx)?))?;
        active += devices.len();
        outdated += devices.iter().filter(|d| crate::devices::service::is_outdated(d.agent_version.as_deref(), minimum)).count();
        if matches!(whose, Whose::Tenant(_)) {
            silent += devices.iter().filter(|d| d.last_heartbeat_at.unwrap_or(d.created_at) < silent_since).count();
        }
    }
    if matches!(whose, Whose::Platform) {
        silent = crate::metrics::devices_overdue(state)?;
    }
    let evidence = format!(
        "{active} active device(s): {outdated} with an agent older than {minimum}, {silent} silent for more than {} min",
        crate::home::service::DEVICE_SILENT_MINUTES
    );
    let (status, reason) = if outdated > 0 {
        (TomStatus::Attention, format!("{outdated} device(s) need an agent update"))
    } else if silent > 0 {
        (TomStatus::Attention, format!("{silent} device(s) silent"))
    } else {
        (TomStatus::Ok, "every active device runs a current agent and reports".to_owned())
    };
    Ok(Live::new(status, evidence, reason).figure("devices", active).figure("outdated", outdated).figure("silent", silent))
}

/// TRANS-1: how TLS reaches the client.
fn transport(state: &AppState) -> Live {
    let config = &state.config;
    let (mode, code) = if config.tls.is_some() {
        ("native TLS (rustls) with HSTS", 2)
    } else if config.proxy.tls_terminated {
        ("TLS terminated by a declared proxy, HSTS sent", 1)
    } else {
        ("plain HTTP", 0)
    };
    let evidence = format!("{mode}; environment {}", config.environment().as_str());
    let live = match code {
        0 if config.is_prod() => Live::new(TomStatus::Failing, evidence, "production without TLS"),
        0 => Live::new(TomStatus::Attention, evidence, "plain HTTP: development only"),
        _ => Live::new(TomStatus::Ok, evidence, "clients reach the server over TLS only"),
    };
    live.figure("tls_mode", code)
}

/// PRIV-6: people due for anonymisation the job has not reached, audit entries past their
/// period, the last run.
fn retention(state: &AppState, whose: Whose<'_>, now: NaiveDateTime) -> Result<Live, AppError> {
    let scopes: Vec<TenantScope> = match whose {
        Whose::Platform => live_tenants(state)?.into_iter().map(|(scope, _)| scope).collect(),
        Whose::Tenant(scope) => vec![scope.clone()],
    };
    let (mut due, mut restricted, mut audit_past, mut oldest_run, mut never_run) = (0, 0, 0, None::<NaiveDateTime>, 0);
    for scope in &scopes {
        let d = crate::privacy::retention::due_at(state, scope, now)?;
        due += d.due_now;
        restricted += d.kept_restricted;
        audit_past += d.audit_entries_past_retention;
        match d.last_run_at {
            Some(at) => oldest_run = Some(oldest_run.map_or(at, |o: NaiveDateTime| o.min(at))),
            None => never_run += 1,
        }
    }
    let evidence = format!(
        "{due} person(s) due for anonymisation not yet run ({restricted} kept under restriction), {audit_past} audit entries past their period; {} (oldest last run {})",
        if never_run > 0 { format!("{never_run} tenant(s) never run") } else { "every tenant run".to_owned() },
        when(oldest_run)
    );
    let (status, reason) = if due > 0 || audit_past > 0 {
        (TomStatus::Attention, "records past their retention period are waiting for the daily job")
    } else {
        (TomStatus::Ok, "nothing past its retention period")
    };
    Ok(Live::new(status, evidence, reason)
        .figure("due_now", due)
        .figure("kept_restricted", restricted)
        .figure("audit_entries_past_retention", audit_past)
        .figure("tenants_never_run", never_run))
}

/// AVAIL-3: the scheduled jobs' last runs against their periods.
fn jobs(state: &AppState, platform: &crate::platform::model::PlatformStatus, now: NaiveDateTime) -> Live {
    let schedule = crate::jobs::service::schedule(state);
    let (mut never, mut overdue, mut failed) = (0, 0, 0);
    for job in &schedule {
        let row = platform.jobs.iter().find(|j| j.name == job.name);
        let success = row.and_then(|r| r.last_success_at);
        let failure = row.and_then(|r| r.last_failure_at);
        match success {
            None => never += 1,
            Some(at) if now - at > job.every * 2 => overdue += 1,
            Some(_) => {}
        }
        if failure.is_some_and(|f| success.is_none_or(|s| f > s)) {
            failed += 1;
        }
    }
    let evidence = format!(
        "{} scheduled job(s): {never} never succeeded, {overdue} overdue, {failed} failed on their last run; last audit verification {}",
        schedule.len(),
        when(platform.audit_verified_at)
    );
    let (status, reason) = if failed > 0 || overdue > 0 || never > 0 {
        (TomStatus::Attention, format!("{} job(s) not running to schedule", failed.max(overdue + never)))
    } else {
        (TomStatus::Ok, "every job ran within its period".to_owned())
    };
    Live::new(status, evidence, reason)
        .figure("jobs", schedule.len())
        .figure("never_succeeded", never)
        .figure("overdue", overdue)
        .figure("failed", failed)
}

/// The report as one canonical JSON document signed by the platform (ECDSA P-256, the
/// deletion certificate's and the incident export's form); the export is audited on the
/// chain of the view (the platform's, or the tenant's).
pub fn export(state: &AppState, ctx: &AuditContext, scope: Option<&TenantScope>) -> Result<String, AppError> {
    let now = ctx.at.naive_utc();
    let report = match scope {
        None => platform_report(state, now)?,
        Some(scope) => tenant_report(state, scope, now)?,
    };
    let signer = PlatformSigner::from_master(&state.master)?;
    let mut document = serde_json::to_value(&report).map_err(|e| AppError::Internal(e.to_string()))?;
    if let Value::Object(map) = &mut document {
        map.insert("format".into(), json!(EXPORT_FORMAT));
        map.insert("exported_at".into(), json!(crate::timestamp::rfc3339(now)));
    }
    let event = Event::new(Action::TomsReportExported, "toms_report", None)
        .detail("view", report.view.as_str())
        .detail("ok", report.ok)
        .detail("attention", report.attention)
        .detail("failing", report.failing);
    state.db.tx_in(scope, |tx| audit::record(tx, ctx, event).map(|_| ()))?;
    let signature = signer.sign(canonical(&document).as_bytes());
    let signed = json!({
        "report": document,
        "signature": { "algorithm": ALGORITHM, "key_id": signer.key_id(), "public_key": signer.public_key_hex(), "value": signature },
    });
    Ok(format!("{}\n", canonical(&signed)))
}

/// Checks a signed report byte for byte: in its canonical form, signed by the key it names
/// (and that key is `expected_public_key`, hex, when given). Returns the key's id.
pub fn verify_export(bytes: &[u8], expected_public_key: Option<&str>) -> Result<String, AppError> {
    let changed = || AppError::invalid("report", "changed after signing or not a signed TOM report");
    let text = std::str::from_utf8(bytes).map_err(|_| changed())?;
    let body = text.strip_suffix('\n').ok_or_else(changed)?;
    let document: Value = serde_json::from_str(body).map_err(|_| changed())?;
    if canonical(&document) != body || document.as_object().map(serde_json::Map::len) != Some(2) {
        return Err(changed());
    }
    let (Some(report), Some(signature)) = (document.get("report"), document.get("signature")) else { return Err(changed()) };
    let field = |key: &str| signature.get(key).and_then(Value::as_str).ok_or_else(changed);
    if report.get("format").and_then(Value::as_str) != Some(EXPORT_FORMAT) || field("algorithm")? != ALGORITHM {
        return Err(changed());
    }
    let (public_key, key_id, value) = (field("public_key")?, field("key_id")?, field("value")?);
    // Lower-case hex only, so no byte can change and still verify.
    if ![public_key, key_id, value].iter().all(|h| h.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))) {
        return Err(changed());
    }
    let signed_by = crate::crypto::verify_with_public_key(public_key, canonical(report).as_bytes(), value).map_err(|_| changed())?;
    if signed_by != key_id || expected_public_key.is_some_and(|k| !k.trim().eq_ignore_ascii_case(public_key)) {
        return Err(changed());
    }
    Ok(signed_by)
}

/// The report with only the rows of the queried status (the counts stay those of every row).
pub fn filtered(mut report: TomReport, query: &super::model::TomQuery) -> TomReport {
    if let Some(status) = query.status {
        report.rows.retain(|r| r.status == status);
    }
    report
}
