use chrono::NaiveDateTime;
use diesel::prelude::*;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use crate::db::schema::{subprocessor_changes, subprocessor_objections, subprocessor_settings, subprocessor_versions};

/// A tenant's notice period when no platform admin set one (days).
pub const DEFAULT_NOTICE_DAYS: i32 = 30;
/// The notice periods a tenant contract may name (days).
pub const NOTICE_DAYS: [i32; 2] = [14, 30];
/// The one setting row's key.
pub const SETTING_NOTICE: &str = "notice";
/// Longest objection reason (characters).
pub const MAX_REASON: usize = 2000;

closed_set! {
    /// What a planned change does to the register.
    pub enum ChangeKind {
        /// A new sub-processor.
        Add = "add",
        /// One sub-processor replaced by another on the same date.
        Replace = "replace",
        /// The processing location (and with it the transfer mechanism) of one changes.
        ChangeLocation = "change_location",
        /// A sub-processor is no longer engaged.
        Remove = "remove",
    }
}

closed_set! {
    /// The safeguard of a transfer outside the EU/EEA (Art. 45, 46 GDPR).
    pub enum TransferMechanism {
        /// An adequacy decision of the Commission (Art. 45).
        AdequacyDecision = "adequacy_decision",
        /// Standard contractual clauses (Art. 46(2)(c)).
        Scc = "scc",
        /// Binding corporate rules (Art. 47).
        Bcr = "bcr",
    }
}

/// The EU member states and the other EEA states (Iceland, Liechtenstein, Norway), ISO 3166-1 alpha-2.
pub const EU_EEA: [&str; 30] = [
    "AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT", "LV", "LT", "LU", "MT", "NL", "PL", "PT",
    "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO",
];

pub fn is_eu_eea(country: &str) -> bool {
    EU_EEA.contains(&country)
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = subprocessor_changes)]
pub struct ChangeRow {
    pub id: String,
    pub kind: String,
    pub target_entry_id: Option<String>,
    pub entry_id: Option<String>,
    pub effective_on: String,
    pub note: String,
    pub created_by: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = subprocessor_versions)]
pub struct VersionRow {
    pub id: String,
    pub entry_id: String,
    pub change_id: String,
    pub effective_on: String,
    pub removed: bool,
    pub name: String,
    pub address: String,
    pub service: String,
    pub data_categories: String,
    pub country: String,
    pub eu_eea: bool,
    pub transfer_mechanism: Option<String>,
    pub since: String,
    pub created_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = subprocessor_settings)]
pub struct SettingsRow {
    pub tenant_id: String,
    /// Always `notice` (one row per tenant).
    pub setting: String,
    pub notice_days: i32,
    pub updated_by: String,
    pub updated_at: NaiveDateTime,
}

#[derive(Queryable, Selectable, Insertable, Debug, Clone)]
#[diesel(table_name = subprocessor_objections)]
pub struct ObjectionRow {
    pub tenant_id: String,
    pub id: String,
    pub change_id: String,
    pub reason_ciphertext: Vec<u8>,
    pub objected_by: String,
    pub objected_at: NaiveDateTime,
}

/// A sub-processor as the register names it.
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct EntryInput {
    #[schema(max_length = 200)]
    pub name: String,
    #[schema(max_length = 500)]
    pub address: String,
    /// What it does for the platform (e.g. hosting, mail delivery).
    #[schema(max_length = 500)]
    pub service: String,
    /// The categories of personal data it processes.
    #[schema(max_length = 1000)]
    pub data_categories: String,
    /// Where it processes: ISO 3166-1 alpha-2 country code (e.g. `DE`).
    #[schema(max_length = 2)]
    pub country: String,
    /// Required outside the EU/EEA: `adequacy_decision`, `scc` or `bcr`.
    pub transfer_mechanism: Option<String>,
    /// Engaged since (`YYYY-MM-DD`).
    #[schema(max_length = 10)]
    pub since: String,
}

/// A planned change of the register.
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewChange {
    /// `add`, `replace`, `change_location` or `remove`.
    #[schema(max_length = 20)]
    pub kind: String,
    /// The entry replaced, moved or removed (not for `add`).
    pub target_entry_id: Option<String>,
    /// The new sub-processor (`add`, `replace`).
    pub entry: Option<EntryInput>,
    /// The new country (`change_location`).
    pub country: Option<String>,
    /// The new transfer mechanism (`change_location`, outside the EU/EEA).
    pub transfer_mechanism: Option<String>,
    /// When the change takes effect (`YYYY-MM-DD`): at least every tenant's notice period ahead.
    #[schema(max_length = 10)]
    pub effective_on: String,
    /// A note for the tenants (why the change).
    #[serde(default)]
    #[schema(max_length = 2000)]
    pub note: String,
}

/// The date the register is shown for (`YYYY-MM-DD`; default today).
#[derive(Deserialize, Debug, Default, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AtQuery {
    pub at: Option<String>,
}

/// A tenant's objection.
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewObjection {
    #[schema(max_length = 2000)]
    pub reason: String,
}

/// A tenant's notice period (14 or 30 days).
#[derive(Deserialize, Debug, Clone, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NoticePeriodInput {
    /// 14 or 30.
    #[schema(minimum = 14, maximum = 30)]
    pub notice_days: i32,
}

/// One sub-processor in force (or, in a change, the version it brings).
#[derive(Serialize, Debug, Clone, PartialEq, Eq, ToSchema)]
pub struct SubprocessorEntry {
    pub entry_id: String,
    pub name: String,
    pub address: String,
    pub service: String,
    pub data_categories: String,
    pub country: String,
    /// Whether the country is in the EU/EEA (TOM TRANS-5).
    pub eu_eea: bool,
    pub transfer_mechanism: Option<TransferMechanism>,
    /// Engaged since (`YYYY-MM-DD`).
    pub since: String,
    /// This version is in force from (`YYYY-MM-DD`).
    pub in_force_from: String,
}

/// A planned (or past) change.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ChangeView {
    pub id: String,
    pub kind: ChangeKind,
    /// The entry replaced, moved or removed, as it was before the change.
    pub target: Option<SubprocessorEntry>,
    /// The version the change brings (`add`, `replace`, `change_location`).
    pub entry: Option<SubprocessorEntry>,
    /// When it takes effect (`YYYY-MM-DD`).
    pub effective_on: String,
    /// The last day an objection is accepted (`YYYY-MM-DD`, the day before `effective_on`).
    pub objection_until: String,
    /// Not in effect yet.
    pub pending: bool,
    pub note: String,
    #[serde(with = "crate::timestamp")]
    pub created_at: NaiveDateTime,
}

/// A tenant's objection as the operator sees it.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct ObjectionView {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub reason: String,
    #[serde(with = "crate::timestamp")]
    pub objected_at: NaiveDateTime,
}

/// A change with the objections of every tenant (platform console).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct PlatformChange {
    pub change: ChangeView,
    pub objections: Vec<ObjectionView>,
}

/// The register as of a date, and every change with its objections (platform console).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct RegisterView {
    /// The date the register is shown for (`YYYY-MM-DD`).
    pub at: String,
    /// Today (UTC, `YYYY-MM-DD`).
    pub today: String,
    pub entries: Vec<SubprocessorEntry>,
    /// Newest effective date first.
    pub changes: Vec<PlatformChange>,
}

/// The tenant's own objection.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct OwnObjection {
    pub reason: String,
    #[serde(with = "crate::timestamp")]
    pub objected_at: NaiveDateTime,
}

/// A change as a tenant sees it: with its deadline and the tenant's own objection.
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TenantChange {
    pub change: ChangeView,
    /// An objection is still accepted.
    pub can_object: bool,
    pub objection: Option<OwnObjection>,
}

/// The tenant's page "Unterauftragsverarbeiter".
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct TenantRegister {
    pub today: String,
    /// The tenant's notice period for changes (days).
    pub notice_days: i32,
    /// The register in force today.
    pub entries: Vec<SubprocessorEntry>,
    /// Newest effective date first.
    pub changes: Vec<TenantChange>,
}

/// A tenant's notice period (platform console).
#[derive(Serialize, Debug, Clone, ToSchema)]
pub struct NoticePeriod {
    pub tenant_id: String,
    pub tenant_slug: String,
    pub tenant_name: String,
    pub notice_days: i32,
    /// When a platform admin last set it; `None`: the default.
    #[serde(with = "crate::timestamp::option")]
    pub updated_at: Option<NaiveDateTime>,
}
