use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// One role an account holds in the tenant, with its scope.
#[derive(Serialize, Deserialize, ToSchema, Debug, Clone, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct RoleAssignment {
    /// `tenant_admin`, `company_admin`, `organiser` or `instructor`.
    #[schema(max_length = 32)]
    pub role: String,
    /// Primary tenant admins may grant admin roles (only with `tenant_admin`).
    #[serde(default)]
    pub is_primary: bool,
    /// Required for `company_admin`: the company they look after.
    #[serde(default)]
    pub company_id: Option<String>,
    /// Optional for `instructor`: the one course they see.
    #[serde(default)]
    pub course_id: Option<String>,
}

/// A row of the access review (TOM AUTHZ-5).
#[derive(Serialize, ToSchema, Debug)]
pub struct Member {
    pub account_id: String,
    pub email: String,
    pub roles: Vec<RoleAssignment>,
    #[serde(with = "crate::timestamp::option")]
    pub last_sign_in_at: Option<NaiveDateTime>,
    /// No sign-in for `auth.dormant_after_days` days (or never, for that long).
    pub dormant: bool,
    pub disabled: bool,
    /// A second factor is set up: TOTP or a passkey.
    pub mfa_enabled: bool,
    pub live_sessions: i64,
    /// The tenant requires SSO and this primary admin keeps the local password: the
    /// break-glass account (TOM ACC-7).
    pub break_glass: bool,
    /// A passkey of this account was presented with a signature counter that did not move
    /// forward (a copy of the credential may exist; TOM ACC-6): when, most recently.
    /// Shown until that passkey is removed (by its owner, or a reset of the factors).
    #[serde(with = "crate::timestamp::option")]
    pub passkey_clone_suspected_at: Option<NaiveDateTime>,
}

#[derive(Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SetRoles {
    /// The complete new set; empty removes the account from the tenant.
    #[schema(max_items = 10)]
    pub roles: Vec<RoleAssignment>,
}
