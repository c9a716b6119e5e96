//! Providers, "SSO only", and what every provider's sign-in ends in: the identity found
//! or provisioned, the role mapping applied, the session opened (TOM ACC-7). Blocking.

use chrono::Duration;
use uuid::Uuid;

use super::model::{
    Assertion, DomainProvider, LdapSettings, OidcSettings, Preset, ProviderInput, ProviderKind, ProviderRow, ProviderView, Provisioning,
    PublicProvider, PublicProviders, RoleMapping, SamlSettings, SsoSettings,
};
use super::store;
use crate::accounts::service::{new_passwordless_account, validate_email};
use crate::accounts::store as accounts;
use crate::audit::{self, Action, Actor, ActorKind, AuditContext, Event, Outcome};
use crate::auth::model::{Membership, Role};
use crate::auth::service::{Origin, Principal, ProviderSession, SignInMethod};
use crate::auth::store as auth_store;
use crate::crypto::normalize_email;
use crate::db::{TenantScope, TenantTx};
use crate::error::AppError;
use crate::members::model::RoleAssignment;
use crate::members::service::{check_admin_limit, grant, validate_assignment, AdminLimit};
use crate::problem::ProblemCode;
use crate::state::AppState;
use crate::tenants::model::Tenant;

/// How long a begun sign-in may take at the provider.
pub const LOGIN_TTL_MINUTES: i64 = 10;
const MAX_MAPPINGS: usize = 100;
const MAX_DOMAINS: usize = 50;
const MAX_DIRECTORIES: usize = 50;
/// Entra's directory of personal Microsoft accounts: never a tenant's staff directory.
const ENTRA_PERSONAL_ACCOUNTS: &str = "9188040d-6c67-4c5b-b112-36a304b66dad";

pub const AD_USER_FILTER: &str =
    "(&(objectClass=user)(|(sAMAccountName={username})(userPrincipalName={username}))(!(userAccountControl:1.2.840.113556.1.4.803:=2)))";
pub const AD_GROUP_FILTER: &str = "(member:1.2.840.113556.1.4.1941:={dn})";
pub const LDAP_USER_FILTER: &str = "(&(objectClass=inetOrgPerson)(uid={username}))";
pub const LDAP_GROUP_FILTER: &str = "(&(objectClass=groupOfNames)(member={dn}))";

fn not_linked(message: &str) -> AppError {
    AppError::rule(ProblemCode::SsoNotLinked, message)
}

/// The redirect URI to register at an OpenID provider: one per tenant, the pending
/// sign-in names the provider.
pub fn redirect_uri(state: &AppState, tenant_slug: &str) -> String {
    format!("{}/api/v1/public/{tenant_slug}/sso/callback", state.config.public_origin())
}

/// The issuer of a directory's tokens (Entra ID v2.0), under the configured authority.
pub fn entra_issuer(state: &AppState, directory_id: &str) -> String {
    format!("{}/{directory_id}/v2.0", state.config.auth.entra_authority)
}

/// A multi-tenant Entra app discovers at `organizations`; each token's issuer names its
/// own directory (`tid`).
pub fn entra_multi_tenant_issuer(state: &AppState) -> String {
    entra_issuer(state, "organizations")
}

/// Entra's directory of personal Microsoft accounts: never a tenant's staff directory.
pub fn is_personal_directory(tid: &str) -> bool {
    tid.eq_ignore_ascii_case(ENTRA_PERSONAL_ACCOUNTS)
}

/// A multi-tenant Entra app: the directories it admits (none: not such an app).
pub fn allowed_directories(provider: &ProviderRow) -> Result<Option<Vec<String>>, AppError> {
    if provider.preset != Preset::Entra.as_str() {
        return Ok(None);
    }
    let settings = oidc_settings(provider)?;
    Ok((settings.directory_id.is_none()).then_some(settings.allowed_directories))
}

fn view(state: &AppState, slug: &str, row: &ProviderRow) -> Result<ProviderView, AppError> {
    let kind = ProviderKind::from_stored(&row.kind)?;
    Ok(ProviderView {
        id: row.id.clone(),
        kind,
        preset: Preset::from_stored(&row.preset)?,
        name: row.name.clone(),
        enabled: row.enabled,
        oidc: (kind == ProviderKind::Oidc).then(|| oidc_settings(row)).transpose()?,
        ldap: (kind == ProviderKind::Ldap).then(|| ldap_settings(row)).transpose()?,
        saml: (kind == ProviderKind::Saml).then(|| saml_settings(row)).transpose()?,
        secret_set: row.secret_ciphertext.is_some(),
        role_mappings: mappings(row)?,
        provisioning: Provisioning::from_stored(&row.provisioning)?,
        jit_domains: stored_json(&row.jit_domains)?,
        default_role: row.default_role.clone(),
        sign_in_domains: stored_json(&row.sign_in_domains)?,
        redirect_uri: (kind == ProviderKind::Oidc).then(|| redirect_uri(state, slug)),
        saml_sp: (kind == ProviderKind::Saml).then(|| super::saml::service_provider(state, slug)),
        post_logout_redirect_uri: (kind == ProviderKind::Oidc).then(|| super::logout::post_logout_redirect_uri(state)),
        backchannel_logout_uri: (kind == ProviderKind::Oidc).then(|| super::logout::backchannel_logout_uri(state, &row.id)),
    })
}

fn stored_json<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, AppError> {
    serde_json::from_str(text).map_err(|_| AppError::Internal("a stored SSO setting is not readable".into()))
}

fn to_json<T: serde::Serialize>(value: &T) -> Result<String, AppError> {
    serde_json::to_string(value).map_err(|_| AppError::Internal("an SSO setting does not serialise".into()))
}

pub fn oidc_settings(row: &ProviderRow) -> Result<OidcSettings, AppError> {
    stored_json(&row.settings)
}

pub fn ldap_settings(row: &ProviderRow) -> Result<LdapSettings, AppError> {
    stored_json(&row.settings)
}

pub fn saml_settings(row: &ProviderRow) -> Result<SamlSettings, AppError> {
    stored_json(&row.settings)
}

pub fn mappings(row: &ProviderRow) -> Result<Vec<RoleMapping>, AppError> {
    stored_json(&row.role_mappings)
}

/// The provider's secret, decrypted for one call to the provider; never logged or answered.
pub fn secret(state: &AppState, scope: &TenantScope, row: &ProviderRow) -> Result<Option<zeroize::Zeroizing<String>>, AppError> {
    let Some(ciphertext) = &row.secret_ciphertext else { return Ok(None) };
    let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
    Ok(Some(keys.decrypt("sso_providers", "secret", &row.id, ciphertext)?))
}

fn tenant_slug(state: &AppState, scope: &TenantScope) -> Result<String, AppError> {
    let mut conn = state.db.conn()?;
    Ok(crate::tenants::store::find(&mut conn, scope.tenant_id())?.ok_or(AppError::NotFound)?.slug)
}

pub fn list(state: &AppState, scope: &TenantScope) -> Result<Vec<ProviderView>, AppError> {
    let slug = tenant_slug(state, scope)?;
    let rows = state.db.tenant_read(scope, |tx| Ok(store::providers(tx)?))?;
    rows.iter().map(|row| view(state, &slug, row)).collect()
}

/// An enabled provider of this kind, for its sign-in; any other answers 404.
pub fn enabled(state: &AppState, scope: &TenantScope, provider_id: &str, kind: ProviderKind) -> Result<ProviderRow, AppError> {
    let provider = one(state, scope, provider_id)?;
    if !provider.enabled || provider.kind != kind.as_str() {
        return Err(AppError::NotFound);
    }
    Ok(provider)
}

/// How pending sign-ins keep their state and browser binding: SHA-256, never the value.
pub fn sha256(value: &str) -> Vec<u8> {
    use sha2::{Digest, Sha256};
    Sha256::digest(value.as_bytes()).to_vec()
}

pub fn one(state: &AppState, scope: &TenantScope, id: &str) -> Result<ProviderRow, AppError> {
    if id.len() > 64 {
        return Err(AppError::NotFound);
    }
    state.db.tenant_read(scope, |tx| store::provider(tx, id)?.ok_or(AppError::NotFound))
}

/// The tenant's enabled providers for its sign-in page.
pub fn public_list(state: &AppState, tenant: &Tenant, scope: &TenantScope) -> Result<PublicProviders, AppError> {
    let providers = state.db.tenant_read(scope, |tx| Ok(store::providers(tx)?))?;
    let providers = providers
        .into_iter()
        .filter(|p| p.enabled)
        .map(|p| {
            Ok(PublicProvider {
                kind: ProviderKind::from_stored(&p.kind)?,
                preset: Preset::from_stored(&p.preset)?,
                id: p.id,
                name: p.name,
            })
        })
        .collect::<Result<_, AppError>>()?;
    Ok(PublicProviders { providers, sso_only: tenant.sso_only, passkey_sign_in: tenant.passkey_sign_in_allowed })
}

/// Most providers the email-first sign-in page offers for one domain.
const MAX_DOMAIN_PROVIDERS: usize = 20;

/// The email-first sign-in page: the enabled providers of active tenants that serve the
/// address's domain (its sign-in or just-in-time domains). Reads no account: the answer
/// has the same shape for every address, an empty list for an unknown domain or a
/// malformed address alike (TOM ACC-7).
pub fn providers_for_email(state: &AppState, email: &str) -> Result<Vec<DomainProvider>, AppError> {
    if email.chars().count() > 254 {
        return Err(AppError::invalid("email", "is at most 254 characters"));
    }
    let domain = email.trim().rsplit_once('@').map(|(_, d)| d.trim_end_matches('.').to_ascii_lowercase()).unwrap_or_default();
    // A checked domain holds no LIKE wildcard (`%`, `_`) and no quote.
    if !valid_domain(&domain) {
        return Ok(Vec::new());
    }
    let found = {
        let mut conn = state.db.conn()?;
        store::providers_for_domain(&mut conn, &domain)?
    };
    let mut providers = Vec::new();
    for (tenant_id, provider_id) in found.into_iter().take(MAX_DOMAIN_PROVIDERS) {
        let tenant = {
            let mut conn = state.db.conn()?;
            crate::tenants::store::find(&mut conn, &tenant_id)?
        };
        let Some(tenant) = tenant.filter(|t| t.status == crate::tenants::model::STATUS_ACTIVE) else { continue };
        let scope = TenantScope::named_by_public_page(tenant.id.clone());
        let Some(row) = state.db.tenant_read(&scope, |tx| Ok(store::provider(tx, &provider_id)?))? else { continue };
        let domains: Vec<String> = stored_json(&row.sign_in_domains)?;
        let jit: Vec<String> = stored_json(&row.jit_domains)?;
        if !row.enabled || !(domains.contains(&domain) || jit.contains(&domain)) {
            continue;
        }
        providers.push(DomainProvider {
            tenant: tenant.slug.clone(),
            tenant_name: tenant.name.clone(),
            kind: ProviderKind::from_stored(&row.kind)?,
            preset: Preset::from_stored(&row.preset)?,
            id: row.id,
            name: row.name,
        });
    }
    Ok(providers)
}

fn valid_text(field: &'static str, value: &str, max: usize) -> Result<(), AppError> {
    if value.trim().is_empty() || value.chars().count() > max || value.chars().any(char::is_control) {
        return Err(AppError::invalid(field, format!("must be 1 to {max} characters without control characters")));
    }
    Ok(())
}

fn valid_domain(domain: &str) -> bool {
    domain.len() <= 253
        && domain.contains('.')
        && domain.split('.').all(|label| {
            !label.is_empty() && label.len() <= 63 && label.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        })
}

/// `https` URLs of a provider only; plain `http` to a loopback address in dev and tests.
pub fn valid_url(state: &AppState, field: &'static str, value: &str, schemes: &[&str]) -> Result<url::Url, AppError> {
    let url = url::Url::parse(value).map_err(|_| AppError::invalid(field, "is not a URL"))?;
    let loopback = matches!(url.host_str(), Some("127.0.0.1" | "localhost" | "[::1]"));
    let plain_ok = !state.config.is_prod() && loopback;
    let allowed = schemes.contains(&url.scheme()) || (plain_ok && url.scheme() == "http" && schemes.contains(&"https"));
    if !allowed {
        return Err(AppError::invalid(field, format!("must start with {}", schemes.join(":// or ") + "://")));
    }
    if url.host_str().is_none() || !url.username().is_empty() || url.password().is_some() || url.fragment().is_some() {
        return Err(AppError::invalid(field, "must name a host, without user, password or fragment"));
    }
    Ok(url)
}

fn valid_uuid(field: &'static str, value: &str) -> Result<(), AppError> {
    match Uuid::parse_str(value) {
        Ok(id) if value.len() == 36 && id.to_string() != ENTRA_PERSONAL_ACCOUNTS => Ok(()),
        _ => Err(AppError::invalid(field, "must be the directory (tenant) id, a UUID of an organisation's directory")),
    }
}

/// Checks the input and returns the settings JSON with the preset's defaults filled in.
fn settings_json(state: &AppState, input: &ProviderInput) -> Result<String, AppError> {
    match (input.kind, input.preset) {
        (ProviderKind::Oidc, Preset::Generic | Preset::Entra) => {
            let mut s = input.oidc.clone().ok_or_else(|| AppError::invalid("oidc", "is required for OpenID Connect"))?;
            if input.ldap.is_some() {
                return Err(AppError::invalid("ldap", "only for LDAP"));
            }
            valid_text("oidc.client_id", &s.client_id, 256)?;
            if input.preset == Preset::Entra && s.directory_id.as_deref().is_none_or(str::is_empty) {
                // A multi-tenant app: the directories it admits, at least one.
                if s.allowed_directories.is_empty() || s.allowed_directories.len() > MAX_DIRECTORIES {
                    return Err(AppError::invalid(
                        "oidc.allowed_directories",
                        format!("a multi-tenant app (no directory_id) lists 1 to {MAX_DIRECTORIES} directory ids"),
                    ));
                }
                let mut allowed = Vec::new();
                for directory in &s.allowed_directories {
                    let directory = directory.to_ascii_lowercase();
                    valid_uuid("oidc.allowed_directories", &directory)?;
                    if !allowed.contains(&directory) {
                        allowed.push(directory);
                    }
                }
                s.issuer = entra_multi_tenant_issuer(state);
                s.directory_id = None;
                s.allowed_directories = allowed;
            } else if input.preset == Preset::Entra {
                if !s.allowed_directories.is_empty() {
                    return Err(AppError::invalid(
                        "oidc.allowed_directories",
                        "only for a multi-tenant app: leave directory_id empty to list directories",
                    ));
                }
                let directory = s.directory_id.clone().unwrap_or_default().to_ascii_lowercase();
                valid_uuid("oidc.directory_id", &directory)?;
                s.issuer = entra_issuer(state, &directory);
                s.directory_id = Some(directory);
            } else {
                if !s.allowed_directories.is_empty() {
                    return Err(AppError::invalid("oidc.allowed_directories", "only for the Entra preset"));
                }
                s.directory_id = None;
                if s.issuer.len() > 512 {
                    return Err(AppError::invalid("oidc.issuer", "is too long"));
                }
                valid_url(state, "oidc.issuer", &s.issuer, &["https"])?;
                s.issuer = s.issuer.trim_end_matches('/').to_owned();
            }
            to_json(&s)
        }
        (ProviderKind::Ldap, Preset::Generic | Preset::ActiveDirectory) => {
            let mut s = input.ldap.clone().ok_or_else(|| AppError::invalid("ldap", "is required for LDAP"))?;
            if input.oidc.is_some() {
                return Err(AppError::invalid("oidc", "only for OpenID Connect"));
            }
            if s.url.len() > 512 {
                return Err(AppError::invalid("ldap.url", "is too long"));
            }
            let url = valid_url(state, "ldap.url", &s.url, &["ldaps", "ldap"])?;
            if url.scheme() == "ldap" && !s.starttls {
                return Err(AppError::invalid("ldap.starttls", "ldap:// needs StartTLS; or use ldaps://"));
            }
            if s.ca_certificate.len() > 16384 || super::ldap::ca_roots(&s.ca_certificate).is_none() {
                return Err(AppError::invalid("ldap.ca_certificate", "must be the directory's CA certificate in PEM"));
            }
            valid_text("ldap.bind_dn", &s.bind_dn, 512)?;
            valid_text("ldap.user_base_dn", &s.user_base_dn, 512)?;
            let ad = input.preset == Preset::ActiveDirectory;
            if s.user_filter.is_empty() {
                s.user_filter = if ad { AD_USER_FILTER } else { LDAP_USER_FILTER }.to_owned();
            }
            if s.group_filter.is_empty() {
                s.group_filter = if ad { AD_GROUP_FILTER } else { LDAP_GROUP_FILTER }.to_owned();
            }
            valid_text("ldap.user_filter", &s.user_filter, 1024)?;
            valid_text("ldap.group_filter", &s.group_filter, 1024)?;
            if !s.user_filter.contains("{username}") || !s.user_filter.starts_with('(') {
                return Err(AppError::invalid("ldap.user_filter", "must be a filter in parentheses with {username}"));
            }
            if !s.group_filter.contains("{dn}") || !s.group_filter.starts_with('(') {
                return Err(AppError::invalid("ldap.group_filter", "must be a filter in parentheses with {dn}"));
            }
            if s.group_base_dn.len() > 512 || s.group_base_dn.chars().any(char::is_control) {
                return Err(AppError::invalid("ldap.group_base_dn", "must be at most 512 characters"));
            }
            to_json(&s)
        }
        (ProviderKind::Saml, Preset::Generic) => {
            let s = input.saml.as_ref().ok_or_else(|| AppError::invalid("saml", "is required for SAML"))?;
            if input.oidc.is_some() || input.ldap.is_some() || input.secret.is_some() {
                return Err(AppError::invalid("saml", "takes no oidc, ldap or secret: the metadata carries the certificates"));
            }
            to_json(&super::saml::checked_settings(state, s)?)
        }
        _ => Err(AppError::invalid(
            "preset",
            "does not fit the kind: generic or entra for oidc, generic or active_directory for ldap, generic for saml",
        )),
    }
}

/// Checks mappings, domains and the default role; admin roles only through a mapping.
fn checked_access(tx: &mut TenantTx<'_>, input: &ProviderInput) -> Result<(), AppError> {
    if input.role_mappings.len() > MAX_MAPPINGS {
        return Err(AppError::invalid("role_mappings", format!("at most {MAX_MAPPINGS}")));
    }
    for (i, m) in input.role_mappings.iter().enumerate() {
        valid_text("role_mappings.value", &m.value, 512)?;
        validate_assignment(tx, &assignment(m))?;
        if input.role_mappings[..i].contains(m) {
            return Err(AppError::invalid("role_mappings", "lists a mapping twice"));
        }
    }
    if input.jit_domains.len() > MAX_DOMAINS {
        return Err(AppError::invalid("jit_domains", format!("at most {MAX_DOMAINS}")));
    }
    if !input.jit_domains.iter().all(|d| valid_domain(d)) {
        return Err(AppError::invalid("jit_domains", "each must be a domain in lower case, e.g. schule.example"));
    }
    if input.sign_in_domains.len() > MAX_DOMAINS {
        return Err(AppError::invalid("sign_in_domains", format!("at most {MAX_DOMAINS}")));
    }
    if !input.sign_in_domains.iter().all(|d| valid_domain(d)) {
        return Err(AppError::invalid("sign_in_domains", "each must be a domain in lower case, e.g. schule.example"));
    }
    match (&input.default_role, input.provisioning) {
        (Some(role), _) if !matches!(Role::from_code(role), Some(Role::Organiser | Role::Instructor)) => {
            Err(AppError::invalid("default_role", "must be organiser or instructor: admin roles come only from a mapping"))
        }
        (None, Provisioning::Jit) => Err(AppError::invalid("default_role", "is required for just-in-time provisioning")),
        (_, Provisioning::Jit) if input.jit_domains.is_empty() => {
            Err(AppError::invalid("jit_domains", "list at least one domain for just-in-time provisioning"))
        }
        _ => Ok(()),
    }
}

fn assignment(m: &RoleMapping) -> RoleAssignment {
    RoleAssignment { role: m.role.clone(), is_primary: false, company_id: m.company_id.clone(), course_id: m.course_id.clone() }
}

fn checked_secret(input: &ProviderInput) -> Result<Option<&str>, AppError> {
    match input.secret.as_deref() {
        Some(s) if s.is_empty() || s.len() > 1024 || s.chars().any(char::is_control) => {
            Err(AppError::invalid("secret", "must be 1 to 1024 characters"))
        }
        other => Ok(other),
    }
}

/// Creates or replaces a provider (`id` given: replace); audited, secret encrypted.
pub fn save(
    state: &AppState,
    p: &Principal,
    scope: &TenantScope,
    id: Option<&str>,
    input: &ProviderInput,
) -> Result<ProviderView, AppError> {
    valid_text("name", &input.name, 80)?;
    let settings = settings_json(state, input)?;
    let secret = checked_secret(input)?;
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    let row = state.db.tenant_tx(scope, |tx| {
        checked_access(tx, input)?;
        let existing = match id {
            Some(id) if id.len() <= 64 => Some(store::provider(tx, id)?.ok_or(AppError::NotFound)?),
            Some(_) => return Err(AppError::NotFound),
            None => None,
        };
        if existing.as_ref().is_some_and(|e| e.kind != input.kind.as_str()) {
            return Err(AppError::invalid("kind", "cannot change; add a new provider"));
        }
        let id = existing.as_ref().map_or_else(|| Uuid::now_v7().to_string(), |e| e.id.clone());
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let secret_ciphertext = match secret {
            Some(s) => Some(keys.encrypt("sso_providers", "secret", &id, s)),
            None => existing.as_ref().and_then(|e| e.secret_ciphertext.clone()),
        };
        if secret_ciphertext.is_none() && input.kind != ProviderKind::Saml {
            return Err(AppError::invalid("secret", "is required: the client secret or the service account's password"));
        }
        let row = ProviderRow {
            tenant_id: scope.tenant_id().to_owned(),
            id,
            kind: input.kind.as_str().to_owned(),
            preset: input.preset.as_str().to_owned(),
            name: input.name.trim().to_owned(),
            enabled: input.enabled,
            settings: settings.clone(),
            secret_ciphertext,
            role_mappings: to_json(&input.role_mappings)?,
            provisioning: input.provisioning.as_str().to_owned(),
            jit_domains: to_json(&input.jit_domains)?,
            default_role: input.default_role.clone(),
            created_at: existing.as_ref().map_or(now, |e| e.created_at),
            updated_at: now,
            sign_in_domains: to_json(&input.sign_in_domains)?,
        };
        let action = if existing.is_some() {
            store::update_provider(tx, &row)?;
            Action::SsoProviderUpdated
        } else {
            store::insert_provider(tx, &row)?;
            Action::SsoProviderCreated
        };
        let mapped: Vec<&str> = input.role_mappings.iter().map(|m| m.role.as_str()).collect();
        let event = Event::new(action, "sso_provider", Some(&row.id))
            .detail("kind", input.kind.as_str())
            .detail("preset", input.preset.as_str())
            .detail("enabled", input.enabled)
            .detail("secret_changed", secret.is_some())
            .detail("mapped_roles", mapped)
            .detail("provisioning", input.provisioning.as_str());
        audit::record(tx, &p.audit, event)?;
        Ok(row)
    })?;
    view(state, &tenant_slug(state, scope)?, &row)
}

pub fn delete(state: &AppState, p: &Principal, scope: &TenantScope, id: &str) -> Result<(), AppError> {
    if id.len() > 64 {
        return Err(AppError::NotFound);
    }
    state.db.tenant_tx(scope, |tx| {
        if store::delete_provider(tx, id)? == 0 {
            return Err(AppError::NotFound);
        }
        audit::record(tx, &p.audit, Event::new(Action::SsoProviderDeleted, "sso_provider", Some(id)))?;
        Ok(())
    })
}

pub fn settings(state: &AppState, scope: &TenantScope) -> Result<SsoSettings, AppError> {
    let tenant = state.db.tenant_read(scope, |tx| crate::tenants::store::find(tx, scope.tenant_id())?.ok_or(AppError::NotFound))?;
    Ok(SsoSettings { sso_only: tenant.sso_only, break_glass_account_id: tenant.sso_break_glass_account_id })
}

/// "Nur SSO" needs one break-glass account: an enabled primary tenant admin here.
pub fn set_settings(state: &AppState, p: &Principal, scope: &TenantScope, input: &SsoSettings) -> Result<SsoSettings, AppError> {
    let now = audit::chain::truncate_to_micros(p.audit.at.naive_utc());
    state.db.tenant_tx(scope, |tx| {
        if let Some(account) = &input.break_glass_account_id {
            let primary = account.len() <= 64
                && auth_store::memberships_in_tenant(tx)?
                    .iter()
                    .any(|m| &m.account_id == account && m.is_primary && m.role == Role::TenantAdmin.as_str() && m.disabled_at.is_none());
            if !primary {
                return Err(AppError::invalid("break_glass_account_id", "must be an enabled primary tenant admin of this tenant"));
            }
        } else if input.sso_only {
            return Err(AppError::invalid("break_glass_account_id", "is required with sso_only: one primary admin keeps the password"));
        }
        crate::tenants::store::set_sso_only(tx, input.sso_only, input.break_glass_account_id.as_deref(), now)?;
        let event = Event::new(Action::SsoSettingsChanged, "tenant", Some(scope.tenant_id()))
            .detail("sso_only", input.sso_only)
            .detail("break_glass_account_id", input.break_glass_account_id.as_deref());
        audit::record(tx, &p.audit, event)?;
        Ok(input.clone())
    })
}

/// Whether a local password may open a session of `account_id` in the tenant: not where
/// the tenant requires SSO, except for its break-glass admin.
pub fn password_allowed(state: &AppState, tenant_id: &str, account_id: &str) -> Result<bool, AppError> {
    let tenant = crate::tenants::store::find(&mut *state.db.conn()?, tenant_id)?.ok_or(AppError::NotFound)?;
    Ok(!tenant.sso_only || tenant.sso_break_glass_account_id.as_deref() == Some(account_id))
}

fn context(origin: &Origin, account_id: Option<&str>) -> AuditContext {
    AuditContext {
        actor: Actor { kind: ActorKind::Account, id: account_id.map(str::to_owned), role: None },
        at: origin.at,
        request_id: Some(origin.request_id.clone()),
        ip: origin.ip.clone(),
    }
}

/// Records a refused provider sign-in (the reason, never what the provider sent).
pub fn record_failure(state: &AppState, origin: &Origin, scope: &TenantScope, provider_id: &str, reason: &str) -> Result<(), AppError> {
    state.db.tenant_tx(scope, |tx| {
        let event = Event::new(Action::SignInFailed, "sso_provider", Some(provider_id)).detail("reason", reason).outcome(Outcome::Failure);
        audit::record(tx, &context(origin, None), event)?;
        Ok(())
    })
}

/// What the provider vouched for becomes a session: the identity is found (or linked for a
/// signed-in member, or provisioned just in time), the role mapping is applied, then the
/// session opens in this tenant. Never by email: a foreign directory can assert any.
pub fn complete(
    state: &AppState,
    origin: &Origin,
    scope: &TenantScope,
    provider: &ProviderRow,
    assertion: &Assertion,
    link_account_id: Option<&str>,
    invitation_id: Option<&str>,
) -> Result<(String, Principal), AppError> {
    let now = audit::chain::truncate_to_micros(origin.at.naive_utc());
    let (account_id, has_role) = state.db.tenant_tx(scope, |tx| {
        let keys = crate::tenants::service::keys(tx, &state.master)?;
        let index = keys.blind_index("sso_identities", "subject", &format!("{}\n{}", provider.id, assertion.subject));
        let identity = match (store::identity_by_subject(tx, &provider.id, &index)?, link_account_id) {
            (Some(identity), Some(link)) if identity.account_id != link => {
                return Err(not_linked("this identity at the provider belongs to another account"))
            }
            (Some(identity), _) => identity,
            (None, Some(link)) => link_identity(tx, origin, provider, index, link, now)?,
            (None, None) => match invitation_id {
                Some(invitation) => from_invitation(state, tx, origin, provider, index, invitation, now)?,
                None => provision(state, tx, origin, provider, assertion, index, now)?,
            },
        };
        let ctx = context(origin, Some(&identity.account_id));
        let has_role = apply_mapping(state, tx, &ctx, provider, &identity, &assertion.groups, now)?;
        Ok((identity.account_id, has_role))
    })?;
    if !has_role {
        return Err(not_linked("the account holds no role in this tenant"));
    }
    let kind = ProviderKind::from_stored(&provider.kind)?;
    let provider_mfa = assertion.mfa && kind == ProviderKind::Oidc && oidc_settings(provider)?.accept_provider_mfa;
    // SAML: the NameID for the `LogoutRequest` at sign-out, encrypted with the tenant's key.
    let logout_ciphertext = match &assertion.saml_logout {
        Some(name_id) => {
            let keys = crate::tenants::service::load_keys(&state.db, &state.master, scope)?;
            Some(keys.encrypt("sessions", "sso_logout", &provider.id, &to_json(name_id)?))
        }
        None => None,
    };
    let provider_session = assertion.provider_session.as_ref().map(|(sub, sid)| ProviderSession {
        provider_id: provider.id.clone(),
        sid_index: sid.as_deref().map(|sid| logout_index(state, &provider.id, "sid", sid)),
        subject_index: logout_index(state, &provider.id, "sub", sub),
        logout_ciphertext,
    });
    let method = SignInMethod { kind: kind.as_str().to_owned(), provider: Some(provider.name.clone()), provider_session };
    crate::auth::service::sign_in_by_provider(state, origin, &account_id, scope.tenant_id(), method, provider_mfa)
}

/// The keyed hash a session keeps of the provider's `sid` or `sub` (`field`), so that a
/// back-channel logout token finds it; platform keys, as sessions are.
pub fn logout_index(state: &AppState, provider_id: &str, field: &str, value: &str) -> Vec<u8> {
    state.master.platform_keys().blind_index("sessions", field, &format!("{provider_id}\n{value}"))
}

fn new_identity(
    tx: &TenantTx<'_>,
    provider: &ProviderRow,
    index: Vec<u8>,
    account_id: &str,
    now: chrono::NaiveDateTime,
) -> super::model::IdentityRow {
    super::model::IdentityRow {
        tenant_id: tx.tenant_id().to_owned(),
        id: Uuid::now_v7().to_string(),
        provider_id: provider.id.clone(),
        subject_index: index,
        account_id: account_id.to_owned(),
        managed_roles: "[]".into(),
        created_at: now,
        last_sign_in_at: None,
    }
}

/// A signed-in member completed the provider's flow: the identity is theirs from now on.
fn link_identity(
    tx: &mut TenantTx<'_>,
    origin: &Origin,
    provider: &ProviderRow,
    index: Vec<u8>,
    account_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<super::model::IdentityRow, AppError> {
    let member = auth_store::memberships_of(tx, account_id)?.iter().any(|m| m.tenant_id == tx.tenant_id() && m.disabled_at.is_none());
    if !member {
        return Err(not_linked("only members of this tenant can link a provider"));
    }
    if store::identity_of_account(tx, &provider.id, account_id)?.is_some() {
        return Err(not_linked("this account is already linked to another identity at this provider"));
    }
    let identity = new_identity(tx, provider, index, account_id, now);
    store::insert_identity(tx, &identity)?;
    audit::record(tx, &context(origin, Some(account_id)), Event::new(Action::SsoIdentityLinked, "sso_provider", Some(&provider.id)))?;
    Ok(identity)
}

/// An invited person completed the provider's flow from the invitation link: the
/// invitation is accepted for a new account with the invited address and role, and the
/// identity is linked to it. The link's possession proves the address, as when accepting
/// with a password; an existing account with the address is never taken over this way.
fn from_invitation(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    origin: &Origin,
    provider: &ProviderRow,
    index: Vec<u8>,
    invitation_id: &str,
    now: chrono::NaiveDateTime,
) -> Result<super::model::IdentityRow, AppError> {
    use crate::invitations::store as invitations;
    let invitation = invitations::find(tx, invitation_id)?.filter(|i| i.is_open(now)).ok_or_else(crate::invitations::service::invalid)?;
    let keys = crate::tenants::service::keys(tx, &state.master)?;
    let email = keys.decrypt("invitations", "email", &invitation.id, &invitation.email_ciphertext)?.to_string();
    let platform = state.master.platform_keys();
    if accounts::find_by_email_index(tx, &platform.blind_index("accounts", "email", &normalize_email(&email)))?.is_some() {
        return Err(not_linked("an account with this email exists: accept the invitation with it, then link the provider"));
    }
    let account = new_passwordless_account(&state.master, &email, origin.at);
    let assignment =
        RoleAssignment { role: invitation.role.clone(), is_primary: false, company_id: invitation.company_id.clone(), course_id: None };
    let scope = tx.scope().clone();
    let limit = AdminLimit { scope: &scope, account_id: &account.id, accepting: Some(&invitation.id) };
    check_admin_limit(state, tx, limit, std::slice::from_ref(&assignment), now)?;
    accounts::insert(tx, &account)?;
    let ctx = context(origin, Some(&account.id));
    audit::record(tx, &ctx, Event::new(Action::AccountCreated, "account", Some(&account.id)).detail("via", "sso_invitation"))?;
    if invitations::accept(tx, &invitation.id, &account.id, now)? == 0 {
        return Err(crate::invitations::service::invalid());
    }
    grant(tx, &account.id, std::slice::from_ref(&assignment), now, None)?;
    audit::record(tx, &ctx, Event::new(Action::InvitationAccepted, "invitation", Some(&invitation.id)).detail("via", "sso"))?;
    let event = Event::new(Action::MembershipGranted, "account", Some(&account.id))
        .detail("role", assignment.role.as_str())
        .detail("invited_by", invitation.invited_by.as_str());
    audit::record(tx, &ctx, event)?;
    let identity = new_identity(tx, provider, index, &account.id, now);
    store::insert_identity(tx, &identity)?;
    audit::record(tx, &ctx, Event::new(Action::SsoIdentityLinked, "sso_provider", Some(&provider.id)))?;
    Ok(identity)
}

/// Just-in-time: a new account for a verified address of a listed domain, with the
/// default (non-admin) role. An existing account with that address is never taken over.
fn provision(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    origin: &Origin,
    provider: &ProviderRow,
    assertion: &Assertion,
    index: Vec<u8>,
    now: chrono::NaiveDateTime,
) -> Result<super::model::IdentityRow, AppError> {
    let refused = || not_linked("no account is linked to this identity; ask an admin for an invitation");
    if Provisioning::from_stored(&provider.provisioning)? != Provisioning::Jit || !assertion.email_verified {
        return Err(refused());
    }
    let email = validate_email(assertion.email.as_deref().unwrap_or_default()).map_err(|_| refused())?;
    let domains: Vec<String> = stored_json(&provider.jit_domains)?;
    let listed = email.rsplit_once('@').is_some_and(|(_, domain)| domains.iter().any(|d| d == domain));
    let role = provider.default_role.clone().filter(|r| matches!(Role::from_code(r), Some(Role::Organiser | Role::Instructor)));
    let (true, Some(role)) = (listed, role) else { return Err(refused()) };
    let keys = state.master.platform_keys();
    if accounts::find_by_email_index(tx, &keys.blind_index("accounts", "email", &normalize_email(&email)))?.is_some() {
        return Err(not_linked("an account with this email exists: sign in with it and link the provider"));
    }
    let account = new_passwordless_account(&state.master, &email, origin.at);
    accounts::insert(tx, &account)?;
    let ctx = context(origin, Some(&account.id));
    audit::record(tx, &ctx, Event::new(Action::AccountCreated, "account", Some(&account.id)).detail("via", "sso_provisioning"))?;
    grant(tx, &account.id, &[RoleAssignment { role: role.clone(), is_primary: false, company_id: None, course_id: None }], now, None)?;
    let event =
        Event::new(Action::MembershipGranted, "account", Some(&account.id)).detail("role", role.as_str()).detail("via", "sso_provisioning");
    audit::record(tx, &ctx, event)?;
    let identity = new_identity(tx, provider, index, &account.id, now);
    store::insert_identity(tx, &identity)?;
    Ok(identity)
}

fn same(m: &Membership, a: &RoleAssignment) -> bool {
    m.role == a.role && m.company_id == a.company_id && m.course_id == a.course_id
}

/// Applies the role mapping to the groups the provider sent: mapped roles are granted, roles
/// the mapping granted earlier and whose group is gone are taken; roles granted by hand stay.
/// Each change is audited. Answers whether the account holds an enabled role afterwards.
fn apply_mapping(
    state: &AppState,
    tx: &mut TenantTx<'_>,
    ctx: &AuditContext,
    provider: &ProviderRow,
    identity: &super::model::IdentityRow,
    groups: &[String],
    now: chrono::NaiveDateTime,
) -> Result<bool, AppError> {
    let account_id = identity.account_id.as_str();
    let mut wanted: Vec<RoleAssignment> = Vec::new();
    for m in mappings(provider)? {
        if groups.iter().any(|g| g.eq_ignore_ascii_case(&m.value)) && !wanted.contains(&assignment(&m)) {
            wanted.push(assignment(&m));
        }
    }
    let managed: Vec<RoleAssignment> = stored_json(&identity.managed_roles)?;
    let held: Vec<Membership> = auth_store::memberships_of(tx, account_id)?.into_iter().filter(|m| m.tenant_id == tx.tenant_id()).collect();
    let to_add: Vec<RoleAssignment> = wanted.iter().filter(|a| !held.iter().any(|m| same(m, a))).cloned().collect();
    let to_remove: Vec<&Membership> =
        held.iter().filter(|m| !m.is_primary && managed.iter().any(|a| same(m, a)) && !wanted.iter().any(|a| same(m, a))).collect();
    if to_add.iter().any(|a| Role::from_code(&a.role).is_some_and(Role::is_admin)) {
        let after: Vec<RoleAssignment> = held
            .iter()
            .filter(|m| !to_remove.iter().any(|r| r.id == m.id))
            .map(|m| RoleAssignment {
                role: m.role.clone(),
                is_primary: m.is_primary,
                company_id: m.company_id.clone(),
                course_id: m.course_id.clone(),
            })
            .chain(to_add.iter().cloned())
            .collect();
        let scope = tx.scope().clone();
        check_admin_limit(state, tx, AdminLimit { scope: &scope, account_id, accepting: None }, &after, now)?;
    }
    for m in &to_remove {
        auth_store::delete_membership(tx, &m.id)?;
        let event = Event::new(Action::MembershipRevoked, "account", Some(account_id))
            .detail("role", m.role.as_str())
            .detail("via", "sso_role_mapping")
            .detail("provider_id", provider.id.as_str());
        audit::record(tx, ctx, event)?;
    }
    let disabled_at = held.iter().find_map(|m| m.disabled_at);
    grant(tx, account_id, &to_add, now, disabled_at)?;
    for a in &to_add {
        let event = Event::new(Action::MembershipGranted, "account", Some(account_id))
            .detail("role", a.role.as_str())
            .detail("via", "sso_role_mapping")
            .detail("provider_id", provider.id.as_str());
        audit::record(tx, ctx, event)?;
    }
    let now_managed: Vec<RoleAssignment> = wanted.into_iter().filter(|a| managed.contains(a) || to_add.contains(a)).collect();
    store::record_identity_sign_in(tx, &identity.id, &to_json(&now_managed)?, now)?;
    let kept = held.len() - to_remove.len() + to_add.len();
    if kept == 0 {
        let tenant_id = tx.tenant_id().to_owned();
        for id in auth_store::end_sessions_of(tx, account_id, None, Some(&tenant_id), now, "membership_revoked")? {
            audit::record(tx, ctx, Event::new(Action::SessionEnded, "session", Some(&id)).detail("reason", "membership_revoked"))?;
        }
    }
    Ok(kept > 0 && disabled_at.is_none())
}

/// A message of "Verbindung testen" in the language asked for (`en`, else German).
pub fn text(lang: &str, de: &str, en: &str) -> String {
    if lang == "en" { en } else { de }.to_owned()
}

/// A new pending sign-in (OIDC): ten minutes, single use.
pub fn login_expiry(at: chrono::NaiveDateTime) -> chrono::NaiveDateTime {
    at + Duration::minutes(LOGIN_TTL_MINUTES)
}
