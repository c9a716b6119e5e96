use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::tenant_offboardings;

/// How long the export archive stays available after offboarding starts (TOM DEL-2).
pub const ARCHIVE_WINDOW_DAYS: i64 = 30;

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = tenant_offboardings)]
pub struct OffboardingRow {
    pub tenant_id: String,
    pub id: String,
    pub started_at: NaiveDateTime,
    pub started_by_type: String,
    pub started_by_id: Option<String>,
    pub started_by_role: Option<String>,
    pub archive_until: NaiveDateTime,
    pub completed_at: Option<NaiveDateTime>,
    pub keys_destroyed_at: Option<NaiveDateTime>,
    pub certificate: Option<String>,
}

/// Ends the tenant: it turns read-only at once and is deleted after the export window.
#[derive(Deserialize, Debug, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StartOffboarding {
    /// The tenant's slug, typed again as a confirmation.
    #[schema(max_length = 64)]
    pub confirm_slug: String,
}

#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct OffboardingStatus {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub status: crate::tenants::model::TenantStatus,
    #[serde(with = "crate::timestamp::option")]
    pub started_at: Option<NaiveDateTime>,
    /// The export archive can be downloaded until then; the data is deleted after it.
    #[serde(with = "crate::timestamp::option")]
    pub archive_until: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub completed_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub keys_destroyed_at: Option<NaiveDateTime>,
    /// The signed deletion certificate exists (platform admins download it).
    pub certificate_available: bool,
}
