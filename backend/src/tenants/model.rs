use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{tenant_keys, tenants};

#[derive(Queryable, Selectable, Insertable, Debug, Clone, Serialize)]
#[diesel(table_name = tenants)]
pub struct Tenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: String,
    pub is_demo: bool,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub updated_at: NaiveDateTime,
    /// Admin roles must sign in with a second factor (TOM ACC-6).
    pub mfa_required_for_admins: bool,
    /// The consent text of the booking pages; `None`: the built-in default.
    pub booking_consent_text: Option<String>,
    /// Staff sign in only through the tenant's identity providers (TOM ACC-7) …
    pub sso_only: bool,
    /// … except this primary admin, who keeps the password (break-glass).
    pub sso_break_glass_account_id: Option<String>,
    /// Staff may sign in with a passkey alone (discoverable, user verified; TOM ACC-6).
    pub passkey_sign_in_allowed: bool,
    /// Admin roles must use a passkey as their second factor, TOTP is not enough.
    pub passkeys_required_for_admins: bool,
    /// The IANA time zone every page, mail and export shows times in (stored times are UTC).
    pub time_zone: String,
    /// The public event list `#/e/{slug}` is on.
    pub public_list_enabled: bool,
    /// Origins that may embed the public pages (CSP `frame-ancestors`), one per line.
    pub embed_origins: String,
}

impl Tenant {
    /// The tenant's time zone.
    pub fn zone(&self) -> crate::zone::Zone {
        crate::zone::Zone::named(&self.time_zone)
    }

    /// The origins that may embed its public pages.
    pub fn embed_origins(&self) -> Vec<String> {
        self.embed_origins.lines().map(str::trim).filter(|o| !o.is_empty()).map(str::to_owned).collect()
    }
}

#[derive(Queryable, Selectable, Insertable, Debug)]
#[diesel(table_name = tenant_keys)]
pub struct TenantKeyRow {
    pub tenant_id: String,
    pub id: String,
    pub purpose: String,
    pub wrapped_key: Option<Vec<u8>>,
    pub master_key_id: String,
    pub created_at: NaiveDateTime,
    pub destroyed_at: Option<NaiveDateTime>,
}

pub const KEY_PURPOSE_DATA: &str = "data";
pub const KEY_PURPOSE_INDEX: &str = "index";
closed_set! {
    /// A tenant works while active; offboarding turns it read-only, then ends it.
    pub enum TenantStatus {
        Active = "active",
        /// Offboarding started: the export window.
        ReadOnly = "read_only",
        Offboarded = "offboarded",
    }
}

pub const STATUS_ACTIVE: &str = TenantStatus::Active.as_str();

/// Input for a new tenant.
#[derive(Debug, Clone)]
pub struct NewTenant {
    pub slug: String,
    pub name: String,
    pub is_demo: bool,
}

#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct SecuritySettings {
    /// Admin roles must sign in with a second factor (TOM ACC-6).
    pub mfa_required_for_admins: bool,
    /// Staff may sign in with a passkey alone ("Mit Passkey anmelden").
    pub passkey_sign_in_allowed: bool,
    /// Admin roles must use a passkey (phishing-resistant) as their second factor.
    pub passkeys_required_for_admins: bool,
    /// At most this many admins (set by the operator; TOM AUTHZ-4).
    pub max_admins: u32,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SecurityUpdate {
    pub mfa_required_for_admins: bool,
    /// Left out: unchanged.
    #[serde(default)]
    pub passkey_sign_in_allowed: Option<bool>,
    /// Left out: unchanged.
    #[serde(default)]
    pub passkeys_required_for_admins: Option<bool>,
}

/// The tenant's public pages: time zone, public event list, embedding (issue 23).
#[derive(serde::Serialize, utoipa::ToSchema)]
pub struct PublicPages {
    /// IANA time zone name; every page, mail and export shows times in it.
    pub time_zone: String,
    /// The public event list `#/e/{slug}` (and its API) is on.
    pub public_list_enabled: bool,
    /// Origins (`https://verein.example`) whose pages may embed the event list and the
    /// booking pages in an iframe; empty: none.
    pub embed_origins: Vec<String>,
    /// The tenant's slug, for the list's and the embed snippet's address.
    pub slug: String,
}

#[derive(serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PublicPagesUpdate {
    /// IANA time zone name, e.g. `Europe/Berlin`.
    pub time_zone: String,
    pub public_list_enabled: bool,
    /// At most 20 origins, each scheme, host and optional port, nothing else.
    pub embed_origins: Vec<String>,
}
