use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::db::schema::{incident_notices, incident_updates, incidents};

/// Hours from discovery within which the supervisory authority, and so the controllers
/// (the tenants), must be told (Art. 33(1) GDPR).
pub const DEADLINE_HOURS: i64 = 72;

closed_set! {
    /// What the breach touched (the classic three).
    pub enum Nature {
        Confidentiality = "confidentiality",
        Integrity = "integrity",
        Availability = "availability",
    }
}

closed_set! {
    /// How the affected data is found: everything of all tenants or of some, what given
    /// staff accounts reached in the window, what one check-in device recorded in it, or
    /// what one backup file holds.
    pub enum ScopeKind {
        AllTenants = "all_tenants",
        Tenants = "tenants",
        Accounts = "accounts",
        Device = "device",
        BackupFile = "backup_file",
    }
}

closed_set! {
    pub enum IncidentStatus {
        Open = "open",
        Closed = "closed",
    }
}

closed_set! {
    pub enum NoticeStatus {
        Draft = "draft",
        Sent = "sent",
    }
}

closed_set! {
    /// A step on the incident's timeline.
    pub enum TimelineKind {
        Opened = "opened",
        NoticeSent = "notice_sent",
        Acknowledged = "acknowledged",
        /// Follow-up information in phases (Art. 33(4)).
        Update = "update",
        Closed = "closed",
    }
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = incidents)]
pub struct IncidentRow {
    pub id: String,
    pub title: String,
    pub description: String,
    pub nature: String,
    pub data_categories: String,
    pub systems: String,
    pub measures: String,
    pub consequences: String,
    pub contact: String,
    pub discovered_at: NaiveDateTime,
    pub started_at: NaiveDateTime,
    pub scope_kind: String,
    pub scope_ids: String,
    pub window_from: NaiveDateTime,
    pub window_to: NaiveDateTime,
    pub status: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_updates)]
pub struct UpdateRow {
    pub incident_id: String,
    pub id: String,
    pub kind: String,
    pub text_de: String,
    pub text_en: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = incident_notices)]
pub struct NoticeRow {
    pub tenant_id: String,
    pub id: String,
    pub incident_id: String,
    pub persons: i64,
    pub records: i64,
    pub subject_de: String,
    pub body_de: String,
    pub subject_en: String,
    pub body_en: String,
    pub status: String,
    pub sent_at: Option<NaiveDateTime>,
    pub sent_by: Option<String>,
    pub acknowledged_at: Option<NaiveDateTime>,
    pub acknowledged_by: Option<String>,
    pub created_at: NaiveDateTime,
    pub updated_at: NaiveDateTime,
}

/// The scope to count: a kind, its ids (tenant ids, account ids, one device id or one backup
/// file name; none for all tenants) and the time window (a backup file counts what it holds,
/// whatever the window).
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeInput {
    /// `all_tenants`, `tenants`, `accounts`, `device` or `backup_file`.
    #[schema(max_length = 20)]
    pub kind: String,
    /// Tenant ids (`tenants`), staff account ids (`accounts`), one device id (`device`) or
    /// one backup file's name (`backup_file`).
    #[serde(default)]
    #[schema(max_items = 100)]
    pub ids: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub window_from: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub window_to: NaiveDateTime,
}

/// What one affected tenant holds in the scope: numbers only.
#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct AffectedTenant {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    /// Approximate number of data subjects concerned.
    pub persons: i64,
    /// Approximate number of personal data records concerned.
    pub records: i64,
}

#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ScopeResult {
    pub tenants: Vec<AffectedTenant>,
    pub persons: i64,
    pub records: i64,
}

/// A new incident: the Art. 33 facts and the scope.
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewIncident {
    #[schema(max_length = 200)]
    pub title: String,
    /// What happened.
    #[schema(max_length = 5000)]
    pub description: String,
    /// `confidentiality`, `integrity` or `availability`.
    #[schema(max_length = 20)]
    pub nature: String,
    /// The categories of personal data concerned.
    #[schema(max_length = 2000)]
    pub data_categories: String,
    /// The systems involved.
    #[schema(max_length = 2000)]
    pub systems: String,
    /// Measures taken or proposed, including mitigation.
    #[schema(max_length = 5000)]
    pub measures: String,
    /// The likely consequences.
    #[schema(max_length = 5000)]
    pub consequences: String,
    /// Name and contact details of the data protection officer or other contact point.
    #[schema(max_length = 1000)]
    pub contact: String,
    #[serde(with = "crate::timestamp")]
    pub discovered_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub started_at: NaiveDateTime,
    pub scope: ScopeInput,
}

/// An edited notification draft (both languages).
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticeEdit {
    #[schema(max_length = 300)]
    pub subject_de: String,
    #[schema(max_length = 20000)]
    pub body_de: String,
    #[schema(max_length = 300)]
    pub subject_en: String,
    #[schema(max_length = 20000)]
    pub body_en: String,
}

/// Follow-up information (Art. 33(4)), in German and English; `close` ends the incident.
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewUpdate {
    #[schema(max_length = 10000)]
    pub text_de: String,
    #[schema(max_length = 10000)]
    pub text_en: String,
    #[serde(default)]
    pub close: bool,
}

#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TimelineEntry {
    pub id: String,
    pub kind: TimelineKind,
    pub text_de: String,
    pub text_en: String,
    #[serde(with = "crate::timestamp")]
    pub at: NaiveDateTime,
}

/// One affected tenant's notification as the platform admin sees it.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct NoticeView {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub persons: i64,
    pub records: i64,
    pub status: NoticeStatus,
    pub subject_de: String,
    pub body_de: String,
    pub subject_en: String,
    pub body_en: String,
    #[serde(with = "crate::timestamp::option")]
    pub sent_at: Option<NaiveDateTime>,
    #[serde(with = "crate::timestamp::option")]
    pub acknowledged_at: Option<NaiveDateTime>,
    /// Not sent within 72 hours of discovery (or still a draft after them).
    pub overdue: bool,
}

/// The 72-hour clock from discovery.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct Clock {
    #[serde(with = "crate::timestamp")]
    pub deadline: NaiveDateTime,
    /// Seconds left until the deadline (negative: past it).
    pub seconds_left: i64,
    /// Past the deadline with a notification still unsent.
    pub overdue: bool,
}

#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct IncidentSummary {
    pub id: String,
    pub title: String,
    pub nature: Nature,
    pub status: IncidentStatus,
    #[serde(with = "crate::timestamp")]
    pub discovered_at: NaiveDateTime,
    pub clock: Clock,
    pub tenants: i64,
    pub notices_sent: i64,
    pub persons: i64,
    pub records: i64,
}

#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct IncidentView {
    pub id: String,
    pub title: String,
    pub description: String,
    pub nature: Nature,
    pub data_categories: String,
    pub systems: String,
    pub measures: String,
    pub consequences: String,
    pub contact: String,
    #[serde(with = "crate::timestamp")]
    pub discovered_at: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub started_at: NaiveDateTime,
    pub scope_kind: ScopeKind,
    pub scope_ids: Vec<String>,
    #[serde(with = "crate::timestamp")]
    pub window_from: NaiveDateTime,
    #[serde(with = "crate::timestamp")]
    pub window_to: NaiveDateTime,
    pub status: IncidentStatus,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
    pub clock: Clock,
    pub notices: Vec<NoticeView>,
    pub timeline: Vec<TimelineEntry>,
}

/// A notification as the tenant's admins see it on "Vorfälle".
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TenantNotice {
    /// The notice's id (acknowledge with it).
    pub id: String,
    pub incident_id: String,
    pub persons: i64,
    pub records: i64,
    pub subject_de: String,
    pub body_de: String,
    pub subject_en: String,
    pub body_en: String,
    #[serde(with = "crate::timestamp")]
    pub sent_at: NaiveDateTime,
    #[serde(with = "crate::timestamp::option")]
    pub acknowledged_at: Option<NaiveDateTime>,
    pub incident_status: IncidentStatus,
    /// Follow-up information sent after the notification, oldest first.
    pub updates: Vec<TimelineEntry>,
}
