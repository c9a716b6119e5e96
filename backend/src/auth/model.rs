use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{memberships, password_resets, sessions};

closed_set! {
    /// Roles inside a tenant (TOM AUTHZ-1). Platform admins are a flag on the account.
    pub enum Role {
        TenantAdmin = "tenant_admin",
        /// A reseller's admin, acting in each of the partner's tenants like a tenant admin,
        /// but never primary.
        PartnerAdmin = "partner_admin",
        CompanyAdmin = "company_admin",
        Organiser = "organiser",
        Instructor = "instructor",
        /// Participants sign in by magic link (bookings); they hold no staff permission.
        Participant = "participant",
    }
}

impl Role {
    /// Roles whose holders administer people: counted against the admin limit
    /// (TOM AUTHZ-4), granted only by primary admins (AUTHZ-3), and under the tenant's
    /// second-factor requirement (ACC-6).
    pub fn is_admin(self) -> bool {
        matches!(self, Self::TenantAdmin | Self::PartnerAdmin | Self::CompanyAdmin)
    }
}

#[derive(Queryable, QueryableByName, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
#[diesel(table_name = memberships)]
pub struct Membership {
    pub tenant_id: String,
    pub id: String,
    pub account_id: String,
    pub role: String,
    /// Primary tenant admins may grant admin roles (TOM AUTHZ-3).
    pub is_primary: bool,
    /// The company a company admin looks after (TOM SEP-3).
    pub company_id: Option<String>,
    pub created_at: NaiveDateTime,
    /// The course an instructor is limited to (courses arrive with bookings).
    pub course_id: Option<String>,
    /// Disabled in this tenant: the membership grants nothing (TOM AUTHZ-5).
    pub disabled_at: Option<NaiveDateTime>,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = sessions)]
pub struct Session {
    pub id: String,
    /// SHA-256 of the token; the token itself exists only in the cookie.
    pub token_hash: Vec<u8>,
    pub account_id: String,
    pub active_tenant_id: Option<String>,
    pub created_at: NaiveDateTime,
    pub last_seen_at: NaiveDateTime,
    /// Absolute end, fixed at sign-in.
    pub expires_at: NaiveDateTime,
    pub ended_at: Option<NaiveDateTime>,
    pub end_reason: Option<String>,
    /// Browser and OS, e.g. "Firefox on Linux": enough to recognise one's own sessions.
    pub device: String,
    pub ip_hash: Option<Vec<u8>>,
    pub ip_key_id: Option<String>,
    pub stage: String,
    /// `password`, `oidc` or `ldap` (TOM ACC-7).
    pub sign_in_method: String,
    /// The provider's label for sessions begun at one.
    pub sign_in_provider: Option<String>,
    /// OpenID Connect: the provider the session began at, and keyed hashes of its session
    /// id (`sid`) and subject (`sub`) for back-channel logout (TOM ACC-7).
    pub sso_provider_id: Option<String>,
    pub sso_sid_index: Option<Vec<u8>>,
    pub sso_subject_index: Option<Vec<u8>>,
    /// SAML: the assertion's NameID and SessionIndex (encrypted with the tenant's data key)
    /// for the `LogoutRequest` sent at sign-out (TOM ACC-7).
    pub sso_logout_ciphertext: Option<Vec<u8>>,
}

/// How far a session has come through sign-in (TOM ACC-6).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// Password right; the second factor is still to come.
    Mfa,
    /// Password right; the tenant requires a second factor the account does not have yet.
    Enrol,
    Full,
}

impl Stage {
    pub fn code(self) -> &'static str {
        match self {
            Self::Mfa => "mfa",
            Self::Enrol => "enrol",
            Self::Full => "full",
        }
    }

    pub fn from_code(code: &str) -> Self {
        match code {
            "full" => Self::Full,
            "enrol" => Self::Enrol,
            // Anything unexpected asks for the second factor rather than granting access.
            _ => Self::Mfa,
        }
    }
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantRef {
    pub id: String,
    pub slug: String,
    pub name: String,
    /// The tenant's IANA time zone: the UI shows every time in it.
    pub time_zone: String,
}

/// A tenant the account works in, with its roles there.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TenantMembership {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub roles: Vec<Role>,
    /// The tenant's IANA time zone.
    pub time_zone: String,
}

/// The signed-in account as the UI needs it.
#[derive(Serialize, utoipa::ToSchema)]
pub struct Me {
    pub account_id: String,
    pub email: String,
    pub is_platform_admin: bool,
    pub tenant: Option<TenantRef>,
    pub roles: Vec<Role>,
    /// What the server allows this session, decided by the one permission check; the UI
    /// shows what these allow and nothing more (TOM AUTHZ-1).
    pub permissions: Vec<super::policy::Permission>,
    /// `mfa`: enter the second factor; `enrol`: set one up first; `full`: signed in.
    pub stage: Stage,
    pub mfa_enabled: bool,
    /// The account has at least one passkey (TOM ACC-6).
    pub passkey_enabled: bool,
    /// The tenant requires a passkey for the account's roles: TOTP does not complete sign-in.
    pub passkey_required: bool,
    /// Every tenant the account can switch to (TOM SEP-6).
    pub tenants: Vec<TenantMembership>,
    /// Send as `X-CSRF-Token` with every state-changing request (TOM TRANS-4).
    pub csrf_token: String,
}

/// A one-time link to set a new password (TOM ACC-5): only the token's SHA-256 is kept.
#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = password_resets)]
pub struct PasswordReset {
    pub id: String,
    pub account_id: String,
    pub token_hash: Vec<u8>,
    pub created_at: NaiveDateTime,
    pub expires_at: NaiveDateTime,
    pub used_at: Option<NaiveDateTime>,
}
