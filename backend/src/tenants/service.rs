use uuid::Uuid;

use super::model::{
    NewTenant, PublicPages, PublicPagesUpdate, SecuritySettings, SecurityUpdate, Tenant, TenantKeyRow, KEY_PURPOSE_DATA, KEY_PURPOSE_INDEX,
    STATUS_ACTIVE,
};
use super::store;
use crate::audit::{self, Action, AuditContext, Event};
use crate::auth::service::Principal;
use crate::crypto::{random_key, CryptoError, MasterKey, TenantKeys};
use crate::db::{Db, TenantScope, TenantTx};
use crate::error::AppError;
use crate::state::AppState;

/// Slugs appear in public URLs: lower-case letters, digits and inner dashes.
pub fn validate_slug(slug: &str) -> Result<(), AppError> {
    let ok = (2..=40).contains(&slug.len())
        && slug.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        && !slug.starts_with('-')
        && !slug.ends_with('-');
    if ok {
        Ok(())
    } else {
        Err(AppError::invalid("slug", "2–40 characters: a–z, 0–9 and inner dashes"))
    }
}

pub fn validate_name(name: &str) -> Result<(), AppError> {
    let len = name.trim().chars().count();
    if (1..=200).contains(&len) && !name.chars().any(char::is_control) {
        Ok(())
    } else {
        Err(AppError::invalid("name", "1–200 characters, no control characters"))
    }
}

/// Creates a tenant with its own data and index keys and its own audit chain, in one
/// transaction, recorded in the platform chain and in the tenant's chain.
pub fn create(db: &Db, master: &MasterKey, ctx: &AuditContext, input: NewTenant) -> Result<Tenant, AppError> {
    validate_slug(&input.slug)?;
    validate_name(&input.name)?;
    let now = audit::chain::truncate_to_micros(ctx.at.naive_utc());
    let tenant = Tenant {
        id: Uuid::now_v7().to_string(),
        slug: input.slug,
        name: input.name.trim().to_owned(),
        status: STATUS_ACTIVE.to_owned(),
        is_demo: input.is_demo,
        created_at: now,
        updated_at: now,
        mfa_required_for_admins: false,
        booking_consent_text: None,
        sso_only: false,
        sso_break_glass_account_id: None,
        passkey_sign_in_allowed: false,
        passkeys_required_for_admins: false,
        time_zone: crate::zone::DEFAULT.to_owned(),
        public_list_enabled: false,
        embed_origins: String::new(),
    };
    let scope = TenantScope::named_by_operator(tenant.id.clone());
    let created = db.platform_tx(|tx| {
        if store::find_by_slug(tx, &tenant.slug)?.is_some() {
            return Err(AppError::Conflict(format!("a tenant with slug `{}` exists", tenant.slug)));
        }
        store::insert(tx, &tenant)?;
        let created = || Event::new(Action::TenantCreated, "tenant", Some(&tenant.id)).detail("slug", tenant.slug.as_str());
        audit::record(tx, ctx, created())?;
        // From here on the transaction works inside the new tenant (RLS checks the keys).
        let tx = &mut tx.enter_tenant(&scope)?;
        // The tenant's secret in the keyring beside the database: its keys are wrapped
        // under it too, so destroying it shreds every backup's copy (TOM DEL-4).
        master.create_owner_secret(&tenant.id)?;
        for purpose in [KEY_PURPOSE_DATA, KEY_PURPOSE_INDEX] {
            let key_id = Uuid::now_v7().to_string();
            store::insert_key(
                tx,
                &TenantKeyRow {
                    tenant_id: tenant.id.clone(),
                    wrapped_key: Some(master.wrap(purpose, &tenant.id, &key_id, &random_key())?),
                    id: key_id,
                    purpose: purpose.to_owned(),
                    master_key_id: master.id().to_owned(),
                    created_at: now,
                    destroyed_at: None,
                },
            )?;
        }
        audit::record(tx, ctx, created())?;
        Ok(())
    });
    if let Err(e) = created {
        // A secret of a tenant that was not created wraps nothing.
        let _ = master.destroy_owner_secret(&tenant.id);
        return Err(e);
    }
    Ok(tenant)
}

/// Unwraps the keys of the tenant in scope; call inside that scope's transaction.
pub fn keys(tx: &mut TenantTx<'_>, master: &MasterKey) -> Result<TenantKeys, AppError> {
    let rows = store::live_keys(tx)?;
    unwrap_keys(tx.tenant_id(), &rows, master)
}

/// Unwraps a tenant's live keys as read, newest first.
pub fn unwrap_keys(tenant_id: &str, rows: &[TenantKeyRow], master: &MasterKey) -> Result<TenantKeys, AppError> {
    let newest = |purpose: &str| rows.iter().find(|r| r.purpose == purpose).ok_or(CryptoError::KeyDestroyed);
    let data = newest(KEY_PURPOSE_DATA)?;
    let index = newest(KEY_PURPOSE_INDEX)?;
    let unwrap = |row: &TenantKeyRow| {
        let wrapped = row.wrapped_key.as_deref().ok_or(CryptoError::KeyDestroyed)?;
        master.unwrap(&row.purpose, &row.tenant_id, &row.id, wrapped)
    };
    Ok(TenantKeys::new(tenant_id, &data.id, unwrap(data)?, unwrap(index)?))
}

/// `keys` in a transaction of its own, for code outside one.
pub fn load_keys(db: &Db, master: &MasterKey, scope: &TenantScope) -> Result<TenantKeys, AppError> {
    db.tenant_read(scope, |tx| keys(tx, master))
}

pub fn find_by_slug(db: &Db, slug: &str) -> Result<Option<Tenant>, AppError> {
    let mut conn = db.conn()?;
    Ok(store::find_by_slug(&mut conn, slug)?)
}

pub fn list(db: &Db) -> Result<Vec<Tenant>, AppError> {
    let mut conn = db.conn()?;
    Ok(store::list(&mut conn)?)
}

/// The tenant's sign-in requirements.
pub fn security_settings(state: &AppState, scope: &TenantScope) -> Result<SecuritySettings, AppError> {
    let tenant = state.db.tenant_read(scope, |tx| store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound))?;
    Ok(SecuritySettings {
        mfa_required_for_admins: tenant.mfa_required_for_admins,
        passkey_sign_in_allowed: tenant.passkey_sign_in_allowed,
        passkeys_required_for_admins: tenant.passkeys_required_for_admins,
        max_admins: state.config.auth.max_admins_per_tenant,
    })
}

/// Changes the sign-in requirements (second factor, passkeys); audited. Requiring
/// passkeys for admins requires a second factor too.
pub fn set_security(state: &AppState, p: &Principal, scope: &TenantScope, update: &SecurityUpdate) -> Result<SecuritySettings, AppError> {
    state.db.tenant_tx(scope, |tx| {
        let tenant = store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound)?;
        let passkey_sign_in = update.passkey_sign_in_allowed.unwrap_or(tenant.passkey_sign_in_allowed);
        let passkeys_required = update.passkeys_required_for_admins.unwrap_or(tenant.passkeys_required_for_admins);
        let mfa_required = update.mfa_required_for_admins || passkeys_required;
        store::set_security(tx, mfa_required, passkey_sign_in, passkeys_required, p.audit.at.naive_utc())?;
        let event = Event::new(Action::TenantSecurityChanged, "tenant", Some(scope.tenant_id()))
            .detail("mfa_required_for_admins", mfa_required)
            .detail("passkey_sign_in_allowed", passkey_sign_in)
            .detail("passkeys_required_for_admins", passkeys_required);
        audit::record(tx, &p.audit, event)?;
        Ok(())
    })?;
    security_settings(state, scope)
}

/// The tenant's public pages settings.
pub fn public_pages(state: &AppState, scope: &TenantScope) -> Result<PublicPages, AppError> {
    let tenant = state.db.tenant_read(scope, |tx| store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound))?;
    Ok(PublicPages {
        embed_origins: tenant.embed_origins(),
        time_zone: tenant.time_zone,
        public_list_enabled: tenant.public_list_enabled,
        slug: tenant.slug,
    })
}

/// Most origins one tenant may list for embedding.
pub const MAX_EMBED_ORIGINS: usize = 20;

/// An origin a page may embed ours from: `https://host[:port]` (or `http://` for a local
/// test site), in its canonical form; no path, query, user, wildcard or keyword, so it
/// goes into the CSP header as it is.
pub fn validate_origin(raw: &str) -> Result<String, AppError> {
    let bad = || AppError::invalid("embed_origins", "each must be an origin like https://verein.example (scheme, host, optional port)");
    let raw = raw.trim().trim_end_matches('/');
    if raw.len() > 200 || raw.contains('*') {
        return Err(bad());
    }
    let url = url::Url::parse(raw).map_err(|_| bad())?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad());
    }
    let origin = url.origin().ascii_serialization();
    if !origin.eq_ignore_ascii_case(raw) {
        return Err(bad());
    }
    Ok(origin)
}

/// Changes the time zone, the public list and the embedding origins; audited (the
/// origins are the club's own websites, not personal data).
pub fn set_public_pages(state: &AppState, p: &Principal, scope: &TenantScope, update: &PublicPagesUpdate) -> Result<PublicPages, AppError> {
    let time_zone = crate::zone::validate(&update.time_zone)?;
    if update.embed_origins.len() > MAX_EMBED_ORIGINS {
        return Err(AppError::invalid("embed_origins", format!("at most {MAX_EMBED_ORIGINS} origins")));
    }
    let mut origins = update.embed_origins.iter().map(|o| validate_origin(o)).collect::<Result<Vec<_>, _>>()?;
    origins.sort();
    origins.dedup();
    state.db.tenant_tx(scope, |tx| {
        store::set_public_pages(tx, &time_zone, update.public_list_enabled, &origins.join("\n"), p.audit.at.naive_utc())?;
        let event = Event::new(Action::TenantPublicPagesChanged, "tenant", Some(scope.tenant_id()))
            .detail("time_zone", time_zone.as_str())
            .detail("public_list_enabled", update.public_list_enabled)
            .detail("embed_origins", origins.join(" "));
        audit::record(tx, &p.audit, event)?;
        Ok(())
    })?;
    public_pages(state, scope)
}
