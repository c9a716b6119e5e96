use chrono::NaiveDateTime;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::tenants::model::TenantStatus;

/// One tenant as the platform console lists it: status and counts, no personal data
/// (TOM AUTHZ-3).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct PlatformTenant {
    pub id: String,
    pub slug: String,
    pub name: String,
    pub status: TenantStatus,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    /// Staff accounts with an enabled membership (any role).
    pub members: i64,
    /// Of them, tenant and partner admins.
    pub admins: i64,
    /// Open invitations (the first admin's until it is accepted).
    pub open_invitations: i64,
    /// Offboarding started (read-only) at, and the end of its export window.
    #[serde(with = "crate::timestamp::option")]
    pub offboarding_started_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub archive_until: Option<NaiveDateTime>,
    /// The signed deletion certificate can be downloaded.
    pub certificate_available: bool,
}

/// A new tenant with its first primary admin, invited by mail.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewPlatformTenant {
    /// 2–40 characters: a–z, 0–9 and inner dashes; the tenant's public address.
    #[schema(max_length = 40)]
    pub slug: String,
    #[schema(max_length = 200)]
    pub name: String,
    /// The first primary admin; they get an invitation mail.
    #[schema(max_length = 254)]
    pub admin_email: String,
    /// Language of the invitation mail: `de` (default) or `en`.
    #[serde(default)]
    #[schema(max_length = 8)]
    pub language: Option<String>,
}

/// A scheduled job's last runs.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct JobStatus {
    pub name: String,
    #[serde(with = "crate::timestamp::option")]
    pub last_started_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub last_success_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub last_failure_at: Option<NaiveDateTime>,
    pub runs: i64,
}

/// Mail outbox messages of one status.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct OutboxCount {
    pub status: String,
    pub count: i64,
}

/// The platform's state at a glance (what exists: versions, database, jobs, devices,
/// outbox, backups, audit verification).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct PlatformStatus {
    pub version: String,
    /// `sqlite` or `postgres`.
    pub database: String,
    pub database_reachable: bool,
    pub environment: String,
    pub jobs: Vec<JobStatus>,
    /// Active check-in devices of active tenants silent for more than 10 minutes.
    pub devices_overdue: i64,
    pub outbox: Vec<OutboxCount>,
    #[serde(with = "crate::timestamp::option")]
    pub outbox_oldest_queued_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub last_backup_at: Option<NaiveDateTime>,
    /// The last backup verification: passed or not, and when.
    pub last_backup_verification_ok: Option<bool>,
    #[serde(with = "crate::timestamp::option")]
    pub last_backup_verification_at: Option<NaiveDateTime>,
    /// The last scheduled walk over every audit chain.
    #[serde(with = "crate::timestamp::option")]
    pub audit_verified_at: Option<NaiveDateTime>,
    pub audit_chains_broken: Option<i64>,
    pub tenants_active: i64,
    pub tenants_read_only: i64,
    pub tenants_offboarded: i64,
}
