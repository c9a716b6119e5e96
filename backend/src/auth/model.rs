use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::Serialize;

use crate::db::schema::{memberships, sessions};

/// Roles inside a tenant (TOM AUTHZ-1). Platform admins are a flag on the account.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    TenantAdmin,
    CompanyAdmin,
    Organiser,
    Instructor,
}

impl Role {
    pub fn code(self) -> &'static str {
        match self {
            Self::TenantAdmin => "tenant_admin",
            Self::CompanyAdmin => "company_admin",
            Self::Organiser => "organiser",
            Self::Instructor => "instructor",
        }
    }

    pub fn from_code(code: &str) -> Option<Self> {
        [Self::TenantAdmin, Self::CompanyAdmin, Self::Organiser, Self::Instructor].into_iter().find(|r| r.code() == code)
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone, PartialEq, Eq)]
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
}
